using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Spillway.Aws.Signing;

/// <summary>The bridge from ASP.NET Core's request to the framework-free <see cref="SignedRequest"/>.</summary>
internal static class HttpSignedRequest
{
    /// <summary>
    /// Reads the method, the raw target as it came over the wire (the signature covers the encoded form, which the
    /// decoded <see cref="HttpRequest.Path"/> has lost) and every header; <paramref name="body"/> is the buffered body,
    /// hashed here so the request need not keep a copy.
    /// </summary>
    public static SignedRequest From(HttpRequest request, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(request);
        var rawTarget = request.HttpContext.Features.Get<IHttpRequestFeature>()?.RawTarget;
        string rawPath;
        string rawQuery;
        if (string.IsNullOrEmpty(rawTarget) || rawTarget[0] != '/')
        {
            rawPath = (request.PathBase + request.Path).ToUriComponent();
            rawQuery = request.QueryString.HasValue ? request.QueryString.Value![1..] : string.Empty;
        }
        else
        {
            var question = rawTarget.IndexOf('?', StringComparison.Ordinal);
            rawPath = question < 0 ? rawTarget : rawTarget[..question];
            rawQuery = question < 0 ? string.Empty : rawTarget[(question + 1)..];
        }

        var headers = new List<KeyValuePair<string, string>>(request.Headers.Count);
        foreach (var (name, values) in request.Headers)
        {
            foreach (var value in values)
            {
                headers.Add(new(name, value ?? string.Empty));
            }
        }

        return new SignedRequest
        {
            Method = request.Method,
            RawPath = rawPath,
            RawQuery = rawQuery,
            Headers = headers,
            PayloadHash = Convert.ToHexStringLower(SHA256.HashData(body)),
        };
    }
}
