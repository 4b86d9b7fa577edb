using System.Text;

namespace Spillway.Aws.Signing.Internal;

/// <summary>The parts of a Signature V4 canonical request, built exactly as the AWS signers build them.</summary>
internal static class Canonical
{
    /// <summary>
    /// The canonical URI. Clients sign the path they send, percent-encoded once more (every service but S3 encodes
    /// twice), so the raw wire path is encoded again here, keeping '/'.
    /// </summary>
    public static string Uri(string rawPath) => rawPath.Length == 0 ? "/" : Encode(rawPath, keepSlash: true);

    /// <summary>
    /// The canonical query string: each name and value decoded, re-encoded strictly, sorted by name then value, with
    /// <paramref name="excluded"/> (the signature itself in the query-string form) left out.
    /// </summary>
    public static string Query(IReadOnlyList<KeyValuePair<string, string>> parameters, string? excluded)
    {
        var encoded = new List<(string Name, string Value)>(parameters.Count);
        foreach (var (name, value) in parameters)
        {
            if (excluded is null || !name.Equals(excluded, StringComparison.Ordinal))
            {
                encoded.Add((Encode(name, keepSlash: false), Encode(value, keepSlash: false)));
            }
        }

        encoded.Sort((a, b) =>
        {
            var byName = string.CompareOrdinal(a.Name, b.Name);
            return byName != 0 ? byName : string.CompareOrdinal(a.Value, b.Value);
        });
        return string.Join('&', encoded.Select(p => p.Name + "=" + p.Value));
    }

    /// <summary>Splits a raw query string into decoded name/value pairs; '+' stays a plus, as AWS reads it.</summary>
    public static List<KeyValuePair<string, string>> ParseQuery(string rawQuery)
    {
        var parameters = new List<KeyValuePair<string, string>>();
        foreach (var piece in rawQuery.TrimStart('?').Split('&'))
        {
            if (piece.Length == 0)
            {
                continue;
            }

            var equals = piece.IndexOf('=', StringComparison.Ordinal);
            parameters.Add(equals < 0
                ? new(Decode(piece), string.Empty)
                : new(Decode(piece[..equals]), Decode(piece[(equals + 1)..])));
        }

        return parameters;
    }

    /// <summary>
    /// The canonical headers block (each "name:value\n", values trimmed with inner whitespace runs collapsed, repeated
    /// headers joined by ',') for the signed header names, which the client lists lower-case and sorted.
    /// </summary>
    public static string Headers(SignedRequest request, IReadOnlyList<string> signedHeaders)
    {
        var builder = new StringBuilder();
        foreach (var name in signedHeaders)
        {
            builder.Append(name).Append(':');
            var value = request.Header(name);
            if (value is not null)
            {
                builder.AppendJoin(' ', value.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
            }

            builder.Append('\n');
        }

        return builder.ToString();
    }

    /// <summary>AWS URI encoding: every byte but A-Z a-z 0-9 - _ . ~ (and '/' in a path) as %XX, upper-case hex.</summary>
    public static string Encode(string value, bool keepSlash)
    {
        var builder = new StringBuilder(value.Length + 8);
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~' || (keepSlash && c == '/'))
            {
                builder.Append(c);
                continue;
            }

            var length = char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1])
                ? Encoding.UTF8.GetBytes(value.AsSpan(i++, 2), utf8)
                : Encoding.UTF8.GetBytes(value.AsSpan(i, 1), utf8);
            foreach (var b in utf8[..length])
            {
                builder.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }

    private static string Decode(string value) => value.Contains('%', StringComparison.Ordinal)
        ? System.Uri.UnescapeDataString(value)
        : value;
}
