using System.Security.Cryptography;
using System.Text;

namespace Spillway.Aws.Signing;

/// <summary>
/// The chain of signatures of an <c>aws-chunked</c> body (<c>STREAMING-AWS4-HMAC-SHA256-PAYLOAD</c>, what the SDKs send
/// for uploads they sign as they stream): each chunk's signature covers its bytes and the signature before it, starting
/// from the request's own (the seed), so a chunk cannot be changed, dropped or reordered. Made by a successful
/// verification of the request, with the key it derived.
/// </summary>
public sealed class ChunkSigning
{
    private const string EmptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    private readonly byte[] signingKey;
    private readonly string date;
    private readonly string scope;
    private string previous;

    internal ChunkSigning(byte[] signingKey, string date, string scope, string seedSignature)
    {
        this.signingKey = signingKey;
        this.date = date;
        this.scope = scope;
        previous = seedSignature.ToLowerInvariant();
    }

    /// <summary>Checks the next chunk's signature given its SHA-256 (the final, empty chunk included) and moves on.</summary>
    public bool VerifyChunk(ReadOnlySpan<byte> chunkSha256, string signature) =>
        Check($"AWS4-HMAC-SHA256-PAYLOAD\n{date}\n{scope}\n{previous}\n{EmptyHash}\n{Convert.ToHexStringLower(chunkSha256)}", signature);

    /// <summary>Checks the trailer's signature (<c>…-PAYLOAD-TRAILER</c>) over its canonical headers ("name:value\n" each).</summary>
    public bool VerifyTrailer(string canonicalTrailer, string signature) => Check(
        $"AWS4-HMAC-SHA256-TRAILER\n{date}\n{scope}\n{previous}\n"
        + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalTrailer))),
        signature);

    private bool Check(string stringToSign, string signature)
    {
        var expected = Convert.ToHexStringLower(HMACSHA256.HashData(signingKey, Encoding.UTF8.GetBytes(stringToSign)));
        var matches = CryptographicOperations.FixedTimeEquals(
            Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(signature.ToLowerInvariant()));
        if (matches)
        {
            previous = expected;
        }

        return matches;
    }
}
