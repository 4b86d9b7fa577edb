using System.Text;

namespace Spillway.Sqs.Signing;

/// <summary>
/// The access keys Spillway accepts Signature V4 requests from: access key id → secret access key. Immutable once built.
/// Empty means signatures are not checked (the host then serves the SQS API on loopback only unless told otherwise).
/// </summary>
/// <remarks>
/// Sources, merged: the environment pair <c>SPILLWAY_ACCESS_KEY_ID</c> + <c>SPILLWAY_SECRET_ACCESS_KEY</c>, and the
/// configuration map <c>Spillway:Sqs:Credentials:&lt;access key id&gt; = &lt;secret&gt;</c>. Secrets never appear in
/// <see cref="ToString"/> or in exception messages.
/// </remarks>
internal sealed class SigningCredentials
{
    public const string AccessKeyIdVariable = "SPILLWAY_ACCESS_KEY_ID";
    public const string SecretAccessKeyVariable = "SPILLWAY_SECRET_ACCESS_KEY";

    // The key-derivation chain starts from "AWS4" + secret; kept ready so a request costs no string building.
    private readonly Dictionary<string, byte[]> signingSecrets;

    private SigningCredentials(Dictionary<string, byte[]> signingSecrets) => this.signingSecrets = signingSecrets;

    public static SigningCredentials None { get; } = new(new Dictionary<string, byte[]>(StringComparer.Ordinal));

    /// <summary>True when no access key is configured: any signature, or none, is accepted.</summary>
    public bool IsEmpty => signingSecrets.Count == 0;

    /// <summary>The configured access key ids (never the secrets).</summary>
    public IReadOnlyCollection<string> AccessKeyIds => signingSecrets.Keys;

    /// <summary>Builds the set from access key id → secret pairs.</summary>
    /// <exception cref="ArgumentException">An id or secret is empty, an id has characters outside [A-Za-z0-9_-] or
    /// more than 128, or an id is given twice with different secrets. The message names the id, never the secret.</exception>
    public static SigningCredentials Create(IEnumerable<KeyValuePair<string, string>> pairs)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        var secrets = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (id, secret) in pairs)
        {
            if (string.IsNullOrEmpty(id) || id.Length > 128 || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
            {
                throw new ArgumentException("an access key id must be 1 to 128 characters of [A-Za-z0-9_-]");
            }

            if (string.IsNullOrEmpty(secret))
            {
                throw new ArgumentException($"access key '{id}' has an empty secret access key");
            }

            var material = Encoding.UTF8.GetBytes("AWS4" + secret);
            if (secrets.TryGetValue(id, out var existing) && !existing.AsSpan().SequenceEqual(material))
            {
                throw new ArgumentException($"access key '{id}' is configured twice with different secrets");
            }

            secrets[id] = material;
        }

        return secrets.Count == 0 ? None : new SigningCredentials(secrets);
    }

    /// <summary>
    /// Merges the environment pair with the configured map. <paramref name="environment"/> reads a variable (normally
    /// <see cref="Environment.GetEnvironmentVariable(string)"/>); one variable of the pair without the other is an error.
    /// </summary>
    public static SigningCredentials Load(Func<string, string?> environment, IEnumerable<KeyValuePair<string, string>>? configured)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var pairs = new List<KeyValuePair<string, string>>(configured ?? []);
        var id = environment(AccessKeyIdVariable);
        var secret = environment(SecretAccessKeyVariable);
        if (!string.IsNullOrEmpty(id) || !string.IsNullOrEmpty(secret))
        {
            if (string.IsNullOrEmpty(id) || string.IsNullOrEmpty(secret))
            {
                throw new ArgumentException($"{AccessKeyIdVariable} and {SecretAccessKeyVariable} must be set together");
            }

            pairs.Add(new(id, secret));
        }

        return Create(pairs);
    }

    internal bool TryGetSigningSecret(string accessKeyId, out byte[] material) =>
        signingSecrets.TryGetValue(accessKeyId, out material!);

    public override string ToString() =>
        IsEmpty ? "no access keys" : $"{signingSecrets.Count} access key(s): {string.Join(", ", signingSecrets.Keys)}";
}
