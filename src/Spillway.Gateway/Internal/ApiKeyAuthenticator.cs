using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Spillway.Gateway.Internal;

/// <summary>
/// Checks <c>Authorization: Bearer &lt;key&gt;</c> or <c>X-Api-Key: &lt;key&gt;</c> against the configured keys. Only the
/// SHA-256 of each key is kept, and the presented key's hash is compared with every one of them in constant time, so
/// neither the content nor the length of a key leaks through timing.
/// </summary>
internal sealed class ApiKeyAuthenticator
{
    private readonly byte[][] keyHashes;

    public ApiKeyAuthenticator(IReadOnlyList<string> keys)
    {
        keyHashes = new byte[keys.Count][];
        for (var i = 0; i < keys.Count; i++)
        {
            keyHashes[i] = SHA256.HashData(Encoding.UTF8.GetBytes(keys[i]));
        }
    }

    public bool IsEnabled => keyHashes.Length > 0;

    public bool IsAuthorized(HttpRequest request)
    {
        if (!IsEnabled)
        {
            return true;
        }

        var presented = PresentedKey(request.Headers);
        if (presented.IsEmpty || presented.Length > GatewayOptions.MaxApiKeyLength)
        {
            return false;
        }

        Span<byte> utf8 = stackalloc byte[GatewayOptions.MaxApiKeyLength * 3];
        var length = Encoding.UTF8.GetBytes(presented, utf8);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(utf8[..length], hash);
        var match = false;
        foreach (var candidate in keyHashes)
        {
            match |= CryptographicOperations.FixedTimeEquals(hash, candidate);
        }

        return match;
    }

    private static ReadOnlySpan<char> PresentedKey(IHeaderDictionary headers)
    {
        if (headers.TryGetValue("X-Api-Key", out var apiKey))
        {
            return Single(apiKey);
        }

        var authorization = Single(headers.Authorization);
        if (authorization.Length > 7 && authorization[..7].Equals("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return authorization[7..].Trim();
        }

        return default;
    }

    private static ReadOnlySpan<char> Single(StringValues values) => values.Count == 1 ? (values[0] ?? "").AsSpan().Trim() : default;
}
