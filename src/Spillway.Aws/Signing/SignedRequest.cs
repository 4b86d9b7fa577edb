namespace Spillway.Aws.Signing;

/// <summary>
/// A request as <see cref="SignatureV4Verifier"/> sees it: plain strings and bytes, no web framework types, so the
/// verifier is tested without a server.
/// </summary>
internal sealed class SignedRequest
{
    /// <summary>The HTTP method, e.g. <c>POST</c>.</summary>
    public required string Method { get; init; }

    /// <summary>The path exactly as it came over the wire, still percent-encoded (<c>/000000000000/orders</c>).</summary>
    public required string RawPath { get; init; }

    /// <summary>The query string as it came over the wire, without the leading '?'. Defaults to empty.</summary>
    public string RawQuery { get; init; } = string.Empty;

    /// <summary>Every header, one entry per value; names compare case-insensitively.</summary>
    public required IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; }

    /// <summary>The body bytes (hashed unless the client signed <c>UNSIGNED-PAYLOAD</c>). Defaults to empty.</summary>
    public ReadOnlyMemory<byte> Body { get; init; }

    /// <summary>The lower-case hex SHA-256 of the body when the caller has hashed it already (then <see cref="Body"/> is
    /// not read). Defaults to null: the verifier hashes <see cref="Body"/>.</summary>
    public string? PayloadHash { get; init; }

    /// <summary>True for S3's form: the path is signed as sent (not encoded again), and the payload hash the client
    /// declares in <c>x-amz-content-sha256</c> (a hash, <c>UNSIGNED-PAYLOAD</c> or a <c>STREAMING-…</c> form) is signed as
    /// given, the body being checked against it while it streams. Defaults to false.</summary>
    public bool PayloadVerifiedLater { get; init; }

    internal string? Header(string name)
    {
        string? found = null;
        foreach (var (key, value) in Headers)
        {
            if (key.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                found = found is null ? value : found + "," + value;
            }
        }

        return found;
    }
}
