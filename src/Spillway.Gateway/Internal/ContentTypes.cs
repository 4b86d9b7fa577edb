namespace Spillway.Gateway.Internal;

/// <summary>Parses <c>Content-Type</c> without allocating: the media type decides the framing, and the only charset
/// accepted is UTF-8 (RFC 8259 requires it for JSON exchanged between systems).</summary>
internal static class ContentTypes
{
    public static bool TryParse(string? contentType, out BodyFormat format)
    {
        format = BodyFormat.Json;
        if (string.IsNullOrEmpty(contentType))
        {
            return false;
        }

        var span = contentType.AsSpan();
        var semicolon = span.IndexOf(';');
        var mediaType = (semicolon < 0 ? span : span[..semicolon]).Trim();
        if (mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase))
        {
            format = BodyFormat.Json;
        }
        else if (mediaType.Equals("application/x-ndjson", StringComparison.OrdinalIgnoreCase)
                 || mediaType.Equals("application/ndjson", StringComparison.OrdinalIgnoreCase)
                 || mediaType.Equals("application/jsonl", StringComparison.OrdinalIgnoreCase))
        {
            format = BodyFormat.NdJson;
        }
        else
        {
            return false;
        }

        while (semicolon >= 0)
        {
            span = span[(semicolon + 1)..];
            semicolon = span.IndexOf(';');
            var parameter = (semicolon < 0 ? span : span[..semicolon]).Trim();
            var equals = parameter.IndexOf('=');
            if (equals < 0)
            {
                if (!parameter.IsEmpty)
                {
                    return false;
                }

                continue;
            }

            if (parameter[..equals].Trim().Equals("charset", StringComparison.OrdinalIgnoreCase))
            {
                var value = parameter[(equals + 1)..].Trim().Trim('"');
                if (!value.Equals("utf-8", StringComparison.OrdinalIgnoreCase) && !value.Equals("utf8", StringComparison.OrdinalIgnoreCase))
                {
                    return false;
                }
            }
        }

        return true;
    }
}
