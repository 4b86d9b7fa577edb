using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Spillway.Aws.Signing;

namespace Spillway.S3.Internal;

/// <summary>
/// Which bucket and key a request addresses: virtual-host style (<c>bucket.localhost/key</c>) or path style
/// (<c>/bucket/key</c>). The key is decoded from the raw path, so an encoded '/' or '%' in a key survives.
/// </summary>
internal sealed record S3Address(string? Bucket, string? Key)
{
    /// <summary>The request's address when it is S3's, null when it belongs to another API.</summary>
    public static S3Address? TryRead(HttpRequest request, IReadOnlyList<string> suffixes)
    {
        var host = request.Host.Host;
        string? virtualBucket = null;
        foreach (var suffix in suffixes)
        {
            if (host.Length > suffix.Length + 1 && host.EndsWith("." + suffix, StringComparison.OrdinalIgnoreCase))
            {
                virtualBucket = host[..^(suffix.Length + 1)].ToLowerInvariant();
                break;
            }
        }

        if (virtualBucket is null && RestRequestVerifier.ScopeService(request) != "s3")
        {
            return null;
        }

        var rawTarget = request.HttpContext.Features.Get<IHttpRequestFeature>()?.RawTarget;
        var rawPath = string.IsNullOrEmpty(rawTarget) || rawTarget[0] != '/'
            ? (request.PathBase + request.Path).ToUriComponent()
            : rawTarget.Split('?', 2)[0];
        var path = rawPath.TrimStart('/');
        if (virtualBucket is not null)
        {
            return new S3Address(virtualBucket, path.Length == 0 ? null : Uri.UnescapeDataString(path));
        }

        if (path.Length == 0)
        {
            return new S3Address(null, null);
        }

        var slash = path.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 || slash == path.Length - 1
            ? new S3Address(Uri.UnescapeDataString(slash < 0 ? path : path[..slash]), null)
            : new S3Address(Uri.UnescapeDataString(path[..slash]), Uri.UnescapeDataString(path[(slash + 1)..]));
    }
}
