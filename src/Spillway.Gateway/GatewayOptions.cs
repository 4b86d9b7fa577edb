using System.Net;

namespace Spillway.Gateway;

/// <summary>
/// Settings shared by every ingest route, bound by the host from the configuration section <c>Spillway:Gateway</c>:
/// <code>
/// "Spillway": {
///   "Gateway": {
///     "ApiKeys": [ "…" ],
///     "ApiKeysFile": "/run/secrets/spillway-api-keys",
///     "RetryAfterSeconds": 1,
///     "HealthPath": "/healthz",
///     "AllowUnauthenticatedRemote": false
///   }
/// }
/// </code>
/// Keys may also come from the environment (<c>Spillway__Gateway__ApiKeys__0</c>). They are never logged and
/// <see cref="ToString"/> redacts them. The gateway takes a snapshot when the routes are mapped.
/// </summary>
public sealed class GatewayOptions
{
    /// <summary>Shortest API key accepted: 16 characters, so a key cannot be guessed by trying.</summary>
    public const int MinApiKeyLength = 16;

    /// <summary>Longest API key accepted: 512 characters.</summary>
    public const int MaxApiKeyLength = 512;

    /// <summary>
    /// API keys, any of which authorizes a request (<c>Authorization: Bearer &lt;key&gt;</c> or <c>X-Api-Key: &lt;key&gt;</c>).
    /// Each is 16–512 printable ASCII characters without spaces. Defaults to none: when no key is configured here or in
    /// <see cref="ApiKeysFile"/>, requests need no key.
    /// </summary>
    public List<string> ApiKeys { get; set; } = [];

    /// <summary>
    /// A file holding more API keys, one per line (blank lines and lines starting with '#' are ignored), read once
    /// when the routes are mapped. Null for none; defaults to null.
    /// </summary>
    public string? ApiKeysFile { get; set; }

    /// <summary>
    /// Keys of the read API and exports (<c>GET /v1/tables/…</c>, <c>/v1/exports</c>), and of nothing else: a read key
    /// cannot ingest, and an ingest key (<see cref="ApiKeys"/>), which often sits in a client, cannot read the
    /// stored records. Same format as <see cref="ApiKeys"/>. Defaults to none: when no key of either kind is
    /// configured the read API needs no key (loopback only, as ingest); when only ingest keys are, it answers 401.
    /// </summary>
    public List<string> ReadApiKeys { get; set; } = [];

    /// <summary>A file holding more read keys, one per line, as <see cref="ApiKeysFile"/>. Defaults to null.</summary>
    public string? ReadApiKeysFile { get; set; }

    /// <summary>Seconds a 503 answer tells the client to wait (<c>Retry-After</c>). 1–3600; defaults to 1, because a
    /// backlog under a burst drains within seconds and clients retry with jitter anyway.</summary>
    public int RetryAfterSeconds { get; set; } = 1;

    /// <summary>Path of the liveness endpoint answering <c>GET</c> with 200 <c>{"status":"ok"}</c> (no key needed);
    /// null or empty maps none. Defaults to <c>/healthz</c>.</summary>
    public string? HealthPath { get; set; } = "/healthz";

    /// <summary>
    /// Whether listening on a non-loopback address without any API key is allowed. Defaults to false: an ingest
    /// endpoint open to the network without a key is refused by <see cref="EnsureSafeToListen"/> unless asked for.
    /// </summary>
    public bool AllowUnauthenticatedRemote { get; set; }

    /// <summary>
    /// Validates the settings and returns every API key (from <see cref="ApiKeys"/> and <see cref="ApiKeysFile"/>).
    /// Throws <see cref="GatewayConfigurationException"/> naming the key under <paramref name="configurationKey"/>;
    /// the message never contains a key.
    /// </summary>
    public IReadOnlyList<string> ResolveApiKeys(string configurationKey = "Spillway:Gateway")
    {
        ArgumentNullException.ThrowIfNull(configurationKey);
        if (RetryAfterSeconds is < 1 or > 3600)
        {
            throw new GatewayConfigurationException($"{configurationKey}:RetryAfterSeconds", "must be between 1 and 3600.");
        }

        if (!string.IsNullOrEmpty(HealthPath) && HealthPath[0] != '/')
        {
            throw new GatewayConfigurationException($"{configurationKey}:HealthPath", "must start with '/'.");
        }

        return CollectKeys(ApiKeys, ApiKeysFile, configurationKey, nameof(ApiKeys));
    }

    /// <summary>
    /// Returns every read key (from <see cref="ReadApiKeys"/> and <see cref="ReadApiKeysFile"/>); throws
    /// <see cref="GatewayConfigurationException"/> as <see cref="ResolveApiKeys"/> does. A key may not be both an
    /// ingest key and a read key.
    /// </summary>
    public IReadOnlyList<string> ResolveReadApiKeys(string configurationKey = "Spillway:Gateway")
    {
        ArgumentNullException.ThrowIfNull(configurationKey);
        var keys = CollectKeys(ReadApiKeys, ReadApiKeysFile, configurationKey, nameof(ReadApiKeys));
        if (keys.Count > 0 && keys.Intersect(ResolveApiKeys(configurationKey), StringComparer.Ordinal).Any())
        {
            throw new GatewayConfigurationException(
                $"{configurationKey}:{nameof(ReadApiKeys)}", "a read key is also an ingest key (ApiKeys); use distinct keys.");
        }

        return keys;
    }

    private static List<string> CollectKeys(List<string>? configured, string? file, string configurationKey, string name)
    {
        var keys = new List<string>();
        configured ??= [];
        for (var i = 0; i < configured.Count; i++)
        {
            AddKey(keys, configured[i], $"{configurationKey}:{name}:{i}");
        }

        if (!string.IsNullOrEmpty(file))
        {
            string[] lines;
            try
            {
                lines = File.ReadAllLines(file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                throw new GatewayConfigurationException($"{configurationKey}:{name}File", $"cannot be read: {e.Message}");
            }

            for (var i = 0; i < lines.Length; i++)
            {
                var line = lines[i].Trim();
                if (line.Length > 0 && line[0] != '#')
                {
                    AddKey(keys, line, $"{configurationKey}:{name}File (line {i + 1})");
                }
            }
        }

        return keys;
    }

    /// <summary>
    /// Throws <see cref="GatewayConfigurationException"/> when one of <paramref name="listenUrls"/> (as given to
    /// <c>--urls</c>) is not a loopback address while no API key is configured, unless
    /// <see cref="AllowUnauthenticatedRemote"/> is set.
    /// </summary>
    public void EnsureSafeToListen(IEnumerable<string> listenUrls, string configurationKey = "Spillway:Gateway")
    {
        ArgumentNullException.ThrowIfNull(listenUrls);
        if (AllowUnauthenticatedRemote || ResolveApiKeys(configurationKey).Count > 0)
        {
            return;
        }

        foreach (var url in listenUrls)
        {
            if (!IsLoopback(url))
            {
                throw new GatewayConfigurationException(
                    $"{configurationKey}:ApiKeys",
                    $"is empty while listening on '{url}', which is not a loopback address; configure an API key or set " +
                    $"{configurationKey}:AllowUnauthenticatedRemote to true.");
            }
        }
    }

    /// <inheritdoc />
    public override string ToString()
        => $"GatewayOptions {{ ApiKeys = [{(ApiKeys?.Count ?? 0)} redacted], ApiKeysFile = {ApiKeysFile ?? "none"}, " +
           $"ReadApiKeys = [{(ReadApiKeys?.Count ?? 0)} redacted], ReadApiKeysFile = {ReadApiKeysFile ?? "none"}, " +
           $"RetryAfterSeconds = {RetryAfterSeconds}, HealthPath = {HealthPath}, " +
           $"AllowUnauthenticatedRemote = {AllowUnauthenticatedRemote} }}";

    private static void AddKey(List<string> keys, string? key, string where)
    {
        if (key is null || key.Length is < MinApiKeyLength or > MaxApiKeyLength)
        {
            throw new GatewayConfigurationException(where, $"an API key must be {MinApiKeyLength}–{MaxApiKeyLength} characters long.");
        }

        foreach (var c in key)
        {
            if (c is <= ' ' or > '~')
            {
                throw new GatewayConfigurationException(where, "an API key must be printable ASCII without spaces.");
            }
        }

        keys.Add(key);
    }

    private static bool IsLoopback(string url)
    {
        // Kestrel's wildcard forms ("http://*:5000", "http://+:5000") listen on every interface.
        if (!Uri.TryCreate(url.Replace("://*", "://wildcard", StringComparison.Ordinal)
                              .Replace("://+", "://wildcard", StringComparison.Ordinal), UriKind.Absolute, out var uri))
        {
            return false;
        }

        if (uri.IsLoopback)
        {
            return true;
        }

        return IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address);
    }
}
