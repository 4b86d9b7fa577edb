using Microsoft.AspNetCore.Http;
using Spillway.Aws;

namespace Spillway.Sqs.Internal;

/// <summary>Queue ARNs and URLs for one account and region.</summary>
internal sealed class SqsNames(AwsAccount account)
{
    private const int MaxIdentifierLength = 80;
    private const string Service = "sqs";

    public string AccountId => account.AccountId;

    public string Arn(string queue) => account.Arn(Service, queue).ToString();

    /// <summary>The queue name an SQS ARN names (<c>arn:aws:sqs:region:account:name</c>); null when it is not one.</summary>
    public static string? QueueNameOfArn(string? text) =>
        Aws.Arn.TryParse(text, out var arn) && arn.Service == Service && !arn.Resource.Contains(':', StringComparison.Ordinal)
            ? arn.Resource
            : null;

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

    /// <summary>Whether a request path is a queue URL's, <c>/&lt;account&gt;/&lt;queue&gt;</c> (a trailing '/' allowed).</summary>
    public static bool IsQueuePath(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "/")
        {
            return false;
        }

        var segments = path.AsSpan().Trim('/');
        var slash = segments.IndexOf('/');
        return slash > 0 && segments[(slash + 1)..].IndexOf('/') < 0 && slash < segments.Length - 1;
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
