using Microsoft.AspNetCore.Http;

namespace Spillway.Sqs.Internal;

/// <summary>Queue ARNs and URLs for one account and region.</summary>
internal sealed class SqsNames(string accountId, string region)
{
    private const int MaxIdentifierLength = 80;

    private readonly string arnPrefix = $"arn:aws:sqs:{region}:{accountId}:";

    public string AccountId { get; } = accountId;

    public string Arn(string queue) => arnPrefix + queue;

    /// <summary>The URL prefix clients call back: scheme and Host of the request (its port included), then the account.</summary>
    public string UrlBase(HttpRequest request)
    {
        var host = request.Host.HasValue ? request.Host.Value : "localhost";
        return string.Concat(request.Scheme, "://", host, "/", AccountId, "/");
    }

    /// <summary>1-80 letters, digits, '-' or '_': SQS's rule for batch entry ids and permission labels.</summary>
    public static bool IsIdentifier(ReadOnlySpan<char> text)
    {
        if (text.Length is 0 or > MaxIdentifierLength)
        {
            return false;
        }

        foreach (var c in text)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The queue name of a queue URL (its last path segment), or of a bare name.</summary>
    public static string NameOfUrl(string url)
    {
        var span = url.AsSpan().TrimEnd('/');
        var query = span.IndexOfAny('?', '#');
        if (query >= 0)
        {
            span = span[..query].TrimEnd('/');
        }

        var slash = span.LastIndexOf('/');
        return (slash < 0 ? span : span[(slash + 1)..]).ToString();
    }
}
