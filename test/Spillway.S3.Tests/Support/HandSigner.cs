using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Spillway.S3.Tests.Support;

/// <summary>
/// Signs S3 requests by hand, as the SDKs do (Signature V4, the path signed as sent), so a test can send what no SDK
/// would: a body that differs from its declared hash, a chunk whose signature was made for other bytes.
/// </summary>
internal sealed class HandSigner(string accessKeyId, string secret, DateTimeOffset now)
{
    private const string EmptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    private readonly string date = now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

    private string Scope => $"{date[..8]}/us-east-1/s3/aws4_request";

    private byte[] Key
    {
        get
        {
            var key = HMACSHA256.HashData(Encoding.UTF8.GetBytes("AWS4" + secret), Encoding.UTF8.GetBytes(date[..8]));
            key = HMACSHA256.HashData(key, "us-east-1"u8);
            key = HMACSHA256.HashData(key, "s3"u8);
            return HMACSHA256.HashData(key, "aws4_request"u8);
        }
    }

    /// <summary>A request whose headers are signed with <paramref name="payloadHash"/> as its declared payload.</summary>
    public HttpRequestMessage Sign(HttpMethod method, Uri url, string payloadHash, HttpContent? content, params (string Name, string Value)[] extra)
    {
        var request = new HttpRequestMessage(method, url) { Content = content };
        var headers = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["host"] = url.Authority,
            ["x-amz-content-sha256"] = payloadHash,
            ["x-amz-date"] = date,
        };
        foreach (var (name, value) in extra)
        {
            headers[name.ToLowerInvariant()] = value;
        }

        var signedHeaders = string.Join(';', headers.Keys);
        var canonical = $"{method.Method}\n{url.AbsolutePath}\n{url.Query.TrimStart('?')}\n"
            + string.Concat(headers.Select(h => $"{h.Key}:{h.Value}\n")) + $"\n{signedHeaders}\n{payloadHash}";
        var signature = Hmac(Key, $"AWS4-HMAC-SHA256\n{date}\n{Scope}\n{Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))}");
        foreach (var (name, value) in headers.Where(h => h.Key != "host"))
        {
            if (!request.Headers.TryAddWithoutValidation(name, value))
            {
                request.Content!.Headers.TryAddWithoutValidation(name, value);
            }
        }

        request.Headers.TryAddWithoutValidation(
            "Authorization", $"AWS4-HMAC-SHA256 Credential={accessKeyId}/{Scope}, SignedHeaders={signedHeaders}, Signature={signature}");
        LastSignature = signature;
        return request;
    }

    public string LastSignature { get; private set; } = string.Empty;

    /// <summary>An aws-chunked body of <paramref name="chunks"/>, each signed in the chain from <paramref name="seed"/>;
    /// <paramref name="signedAs"/> replaces a chunk's bytes in its signature only (a tampered chunk).</summary>
    public byte[] ChunkedBody(string seed, IReadOnlyList<byte[]> chunks, Func<int, byte[], byte[]>? signedAs = null)
    {
        using var body = new MemoryStream();
        var previous = seed;
        for (var i = 0; i <= chunks.Count; i++)
        {
            var chunk = i < chunks.Count ? chunks[i] : [];
            var signedBytes = signedAs?.Invoke(i, chunk) ?? chunk;
            previous = Hmac(Key, $"AWS4-HMAC-SHA256-PAYLOAD\n{date}\n{Scope}\n{previous}\n{EmptyHash}\n{Hex(SHA256.HashData(signedBytes))}");
            body.Write(Encoding.ASCII.GetBytes($"{chunk.Length:x};chunk-signature={previous}\r\n"));
            body.Write(chunk);
            body.Write("\r\n"u8);
        }

        return body.ToArray();
    }

    public static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);

    private static string Hmac(byte[] key, string value) => Hex(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(value)));
}
