using System.Text;

namespace Spillway.Aws.Signing;

/// <summary>
/// The access keys Spillway accepts Signature V4 requests from: access key id → secret access key. Immutable once built.
/// Empty means signatures are not checked (the host then serves the AWS APIs on loopback only unless told otherwise).
/// </summary>
/// <remarks>
/// For SQS the host fills them from <c>Spillway:Sqs:AccessKeyId</c> + <c>SecretAccessKey</c> or the environment pair
/// <c>SPILLWAY_ACCESS_KEY_ID</c> + <c>SPILLWAY_SECRET_ACCESS_KEY</c>; the set holds several keys so a key can be rotated
/// without a window where clients of the old one fail. Secrets never appear in <see cref="ToString"/> or in exception messages.
/// </remarks>
public sealed class SigningCredentials
{
    // The key-derivation chain starts from "AWS4" + secret; kept ready so a request costs no string building.
    private readonly Dictionary<string, byte[]> signingSecrets;

    private SigningCredentials(Dictionary<string, byte[]> signingSecrets) => this.signingSecrets = signingSecrets;

    public static SigningCredentials None { get; } = new(new Dictionary<string, byte[]>(StringComparer.Ordinal));

    /// <summary>True when no access key is configured: any signature, or none, is accepted.</summary>
    public bool IsEmpty => signingSecrets.Count == 0;

    /// <summary>The configured access key ids (never the secrets).</summary>
    public IReadOnlyCollection<string> AccessKeyIds => signingSecrets.Keys;

    /// <summary>Builds the set from access key id → secret pairs.</summary>
    /// <exception cref="ArgumentException">An id or secret is empty, an id is longer than 128 characters or has
    /// whitespace or '/', or an id is given twice with different secrets. The message names the id, never the secret.</exception>
    public static SigningCredentials Create(IEnumerable<KeyValuePair<string, string>> pairs)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        var secrets = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (id, secret) in pairs)
        {
            // '/' separates the credential scope's parts, and whitespace cannot survive the Authorization header.
            if (string.IsNullOrEmpty(id) || id.Length > 128 || id.Any(c => c == '/' || char.IsWhiteSpace(c)))
            {
                throw new ArgumentException("an access key id must be 1 to 128 characters without whitespace or '/'");
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

    internal bool TryGetSigningSecret(string accessKeyId, out byte[] material) =>
        signingSecrets.TryGetValue(accessKeyId, out material!);

    /// <inheritdoc />
    public override string ToString() =>
        IsEmpty ? "no access keys" : $"{signingSecrets.Count} access key(s): {string.Join(", ", signingSecrets.Keys)}";
}
