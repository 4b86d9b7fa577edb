using System.Globalization;
using System.Text.Json;
using System.Text.Unicode;

namespace Spillway.Sinks;

/// <summary>
/// What a valid JSON value of each <see cref="ColumnType"/> is, defined once for every path into a table: the HTTP
/// ingest route checks its fields with it before it answers 202, and the sink maps records with it, so a value the
/// route accepts is never refused by the sink. The rule is what all three databases can hold: text without U+0000
/// (PostgreSQL cannot store it) or unpaired surrogates, lengths counted in characters, 64-bit integers and finite
/// double-precision numbers.
/// </summary>
public static class ColumnValues
{
    /// <summary>
    /// Checks the value <paramref name="reader"/> is on against a column of <paramref name="type"/>. Returns null when
    /// it fits, otherwise why not, worded to follow the field's name ("must be a string"). A JSON null is for the
    /// caller to judge (a required field's rule). A <see cref="ColumnType.Json"/> object or array is read to its end,
    /// so the reader is left on the value's last token whatever the answer.
    /// </summary>
    /// <param name="json">The input <paramref name="reader"/> reads, where a Json value's length is counted.</param>
    /// <param name="reader">A reader on the value's first token.</param>
    /// <param name="type">The column type.</param>
    /// <param name="maxLength">Most characters of text or JSON text; null for no limit.</param>
    public static string? Check(ReadOnlySpan<byte> json, ref Utf8JsonReader reader, ColumnType type, int? maxLength)
        => Check(json, ref reader, type, maxLength, out _);

    /// <summary>Like <see cref="Check(ReadOnlySpan{byte}, ref Utf8JsonReader, ColumnType, int?)"/>, also giving a
    /// timestamp's UTC value, so the sink does not parse it twice.</summary>
    internal static string? Check(
        ReadOnlySpan<byte> json, ref Utf8JsonReader reader, ColumnType type, int? maxLength, out DateTime timestamp)
    {
        timestamp = default;
        var token = reader.TokenType;
        switch (type)
        {
            case ColumnType.Text:
                return token == JsonTokenType.String ? CheckText(ref reader, maxLength) : "must be a string";

            case ColumnType.Integer:
                return token == JsonTokenType.Number && reader.TryGetInt64(out _) ? null : "must be a 64-bit integer";

            case ColumnType.Real:
                if (token != JsonTokenType.Number)
                {
                    return "must be a number";
                }

                return reader.TryGetDouble(out var real) && double.IsFinite(real) ? null : "is out of range for a double-precision number";

            case ColumnType.Boolean:
                return token is JsonTokenType.True or JsonTokenType.False ? null : "must be true or false";

            case ColumnType.Timestamp:
                return token == JsonTokenType.String && TryReadTimestamp(ref reader, out timestamp)
                    ? null
                    : "must be an ISO-8601 timestamp string";

            case ColumnType.Json:
                return CheckJson(json, ref reader, maxLength);

            default:
                return "has a column type this version does not know";
        }
    }

    /// <summary>Counts the Unicode scalar values of valid UTF-8: every byte that does not continue a sequence.</summary>
    internal static int CountCharacters(ReadOnlySpan<byte> utf8)
    {
        var continuation = 0;
        foreach (var b in utf8)
        {
            if ((b & 0xC0) == 0x80)
            {
                continuation++;
            }
        }

        return utf8.Length - continuation;
    }

    private static string? CheckText(ref Utf8JsonReader reader, int? maxLength)
    {
        if (!reader.ValueIsEscaped)
        {
            // JSON allows no raw control character in a string, so unescaped text cannot hold a NUL.
            var raw = reader.ValueSpan;
            if (!Utf8.IsValid(raw))
            {
                return "is not valid UTF-8";
            }

            return maxLength is { } max && raw.Length > max && CountCharacters(raw) > max ? TooLong(max) : null;
        }

        // Escapes are rare in practice; decoding them is the slow path.
        string text;
        try
        {
            text = reader.GetString()!;
        }
        catch (InvalidOperationException)
        {
            // An escaped unpaired surrogate ("\ud800") or invalid UTF-8 beside an escape: no database stores it as text.
            return "is not valid Unicode text";
        }

        if (text.Contains('\0', StringComparison.Ordinal))
        {
            return "must not contain U+0000 (NUL)";
        }

        return maxLength is { } limit && text.Length > limit && CountRunes(text) > limit ? TooLong(limit) : null;
    }

    /// <summary>Any JSON value, whose strings (names too) must be text a database's JSON type holds.</summary>
    private static string? CheckJson(ReadOnlySpan<byte> json, ref Utf8JsonReader reader, int? maxLength)
    {
        var start = (int)reader.TokenStartIndex;
        string? problem = null;
        if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
        {
            // Read to the end even after a problem, so the caller's reader stays in step with the document.
            var depth = reader.CurrentDepth;
            while (reader.Read() && reader.CurrentDepth > depth)
            {
                if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName)
                {
                    problem ??= CheckText(ref reader, null);
                }
            }
        }
        else if (reader.TokenType == JsonTokenType.String)
        {
            problem = CheckText(ref reader, null);
        }

        if (problem is not null || maxLength is not { } max)
        {
            return problem;
        }

        var text = json[start..(int)reader.BytesConsumed];
        return text.Length > max && CountCharacters(text) > max ? TooLong(max) : null;
    }

    private static bool TryReadTimestamp(ref Utf8JsonReader reader, out DateTime utc)
    {
        utc = default;
        string text;
        try
        {
            text = reader.GetString()!;
        }
        catch (InvalidOperationException)
        {
            return false;
        }

        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var timestamp))
        {
            return false;
        }

        utc = timestamp.UtcDateTime;
        return true;
    }

    /// <summary>Characters as the databases count them (code points), not UTF-16 units.</summary>
    private static int CountRunes(string text)
    {
        var count = 0;
        foreach (var _ in text.EnumerateRunes())
        {
            count++;
        }

        return count;
    }

    private static string TooLong(int max) => $"must be at most {max} characters long";
}
