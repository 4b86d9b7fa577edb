using System.Buffers;
using System.Globalization;
using System.Text;

namespace Spillway.Sinks;

/// <summary>
/// The fields of an export's CSV (RFC 4180), written as UTF-8: one set of rules whichever way the values arrive, so
/// that a file does not depend on the database it came from. A field is quoted when it holds a comma, a double quote or
/// a line break, and when it is the empty string (so it reads back apart from NULL, an empty field); inner quotes are
/// doubled. Ids are lower-case UUIDs, times ISO-8601 UTC (trailing zeros of the fraction dropped), booleans
/// true/false, numbers invariant (reals round-trip). Records end with CRLF.
/// </summary>
public static class CsvFields
{
    private static readonly SearchValues<byte> NeedsQuotes = SearchValues.Create(",\"\r\n"u8);

    /// <summary>Between two fields.</summary>
    public static void WriteSeparator(IBufferWriter<byte> output) => WriteLiteral(output, ","u8);

    /// <summary>After a record's last field.</summary>
    public static void WriteRecordEnd(IBufferWriter<byte> output) => WriteLiteral(output, "\r\n"u8);

    /// <summary>A text field given as UTF-8.</summary>
    public static void WriteText(IBufferWriter<byte> output, ReadOnlySpan<byte> utf8)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (!utf8.IsEmpty && !utf8.ContainsAny(NeedsQuotes))
        {
            WriteLiteral(output, utf8);
            return;
        }

        var quotes = utf8.Count((byte)'"');
        var span = output.GetSpan(utf8.Length + quotes + 2);
        var at = 0;
        span[at++] = (byte)'"';
        foreach (var b in utf8)
        {
            span[at++] = b;
            if (b == (byte)'"')
            {
                span[at++] = (byte)'"';
            }
        }

        span[at++] = (byte)'"';
        output.Advance(at);
    }

    /// <summary>A text field.</summary>
    public static void WriteText(IBufferWriter<byte> output, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var rented = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(text.Length));
        try
        {
            WriteText(output, rented.AsSpan(0, Encoding.UTF8.GetBytes(text, rented)));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>An id field.</summary>
    public static void WriteId(IBufferWriter<byte> output, Guid id) => WriteFormattable(output, id, "D");

    /// <summary>An integer field.</summary>
    public static void WriteInteger(IBufferWriter<byte> output, long value) => WriteFormattable(output, value, null);

    /// <summary>A real field, in the shortest text that reads back as the same double.</summary>
    public static void WriteReal(IBufferWriter<byte> output, double value) => WriteFormattable(output, value, "R");

    /// <summary>A boolean field.</summary>
    public static void WriteBoolean(IBufferWriter<byte> output, bool value) => WriteLiteral(output, value ? "true"u8 : "false"u8);

    /// <summary>A time field, UTC.</summary>
    public static void WriteTimestamp(IBufferWriter<byte> output, DateTime utc) =>
        WriteFormattable(output, utc, "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'");

    private static void WriteFormattable<T>(IBufferWriter<byte> output, T value, string? format)
        where T : IUtf8SpanFormattable
    {
        ArgumentNullException.ThrowIfNull(output);
        var span = output.GetSpan(64);
        if (!value.TryFormat(span, out var written, format, CultureInfo.InvariantCulture))
        {
            throw new InvalidOperationException($"A {typeof(T).Name} did not fit in 64 bytes.");
        }

        output.Advance(written);
    }

    private static void WriteLiteral(IBufferWriter<byte> output, ReadOnlySpan<byte> bytes)
    {
        ArgumentNullException.ThrowIfNull(output);
        bytes.CopyTo(output.GetSpan(bytes.Length));
        output.Advance(bytes.Length);
    }
}
