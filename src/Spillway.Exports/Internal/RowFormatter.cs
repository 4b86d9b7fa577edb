using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Spillway.Sinks;

namespace Spillway.Exports.Internal;

/// <summary>Turns streamed rows into a file format's bytes.</summary>
internal abstract class RowFormatter
{
    public static RowFormatter For(ExportFormat format, IReadOnlyList<ReadColumn> columns) =>
        format == ExportFormat.Csv ? new CsvFormatter(columns) : new NdjsonFormatter();

    public abstract void WriteHeader(IBufferWriter<byte> output);

    public abstract void WriteRow(TableRow row, IBufferWriter<byte> output);
}

/// <summary>
/// RFC 4180: a header row of the column names, CRLF after every record, a field in double quotes when it holds a
/// comma, a double quote or a line break, with inner quotes doubled. NULL is an empty field; times are ISO-8601
/// UTC, booleans true/false, numbers invariant (round-trip for reals).
/// </summary>
internal sealed class CsvFormatter(IReadOnlyList<ReadColumn> columns) : RowFormatter
{
    private static readonly SearchValues<char> NeedsQuotes = SearchValues.Create(",\"\r\n");

    public override void WriteHeader(IBufferWriter<byte> output)
    {
        for (var i = 0; i < columns.Count; i++)
        {
            if (i > 0)
            {
                Write(output, ","u8);
            }

            WriteText(output, columns[i].Name);
        }

        Write(output, "\r\n"u8);
    }

    public override void WriteRow(TableRow row, IBufferWriter<byte> output)
    {
        WriteFormattable(output, row.Id, "D");
        for (var i = 1; i < columns.Count; i++)
        {
            Write(output, ","u8);
            if (row.IsNull(i))
            {
                continue;
            }

            switch (columns[i].Type)
            {
                case ColumnType.Integer:
                    WriteFormattable(output, row.GetInt64(i), null);
                    break;
                case ColumnType.Real:
                    WriteFormattable(output, row.GetDouble(i), "R");
                    break;
                case ColumnType.Boolean:
                    Write(output, row.GetBoolean(i) ? "true"u8 : "false"u8);
                    break;
                case ColumnType.Timestamp:
                    WriteFormattable(output, row.GetTimestamp(i), "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'");
                    break;
                default:
                    WriteText(output, row.GetString(i));
                    break;
            }
        }

        Write(output, "\r\n"u8);
    }

    private static void WriteText(IBufferWriter<byte> output, string text)
    {
        if (text.AsSpan().IndexOfAny(NeedsQuotes) >= 0)
        {
            text = "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
        }

        var span = output.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length));
        output.Advance(Encoding.UTF8.GetBytes(text, span));
    }

    private static void WriteFormattable<T>(IBufferWriter<byte> output, T value, string? format)
        where T : IUtf8SpanFormattable
    {
        var span = output.GetSpan(64);
        if (!value.TryFormat(span, out var written, format, CultureInfo.InvariantCulture))
        {
            throw new InvalidOperationException($"A {typeof(T).Name} did not fit in 64 bytes.");
        }

        output.Advance(written);
    }

    private static void Write(IBufferWriter<byte> output, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(output.GetSpan(bytes.Length));
        output.Advance(bytes.Length);
    }
}

/// <summary>One JSON object per line, LF-terminated, as the read API writes its items.</summary>
internal sealed class NdjsonFormatter : RowFormatter
{
    private Utf8JsonWriter? writer;

    public override void WriteHeader(IBufferWriter<byte> output)
    {
    }

    public override void WriteRow(TableRow row, IBufferWriter<byte> output)
    {
        if (writer is null)
        {
            writer = new Utf8JsonWriter(output);
        }
        else
        {
            writer.Reset(output);
        }

        row.WriteJson(writer);
        writer.Flush();
        output.GetSpan(1)[0] = (byte)'\n';
        output.Advance(1);
    }
}
