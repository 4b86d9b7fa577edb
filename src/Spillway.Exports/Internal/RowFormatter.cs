using System.Buffers;
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

/// <summary>RFC 4180 by <see cref="CsvFields"/>: a header row of the column names, then a record per row.</summary>
internal sealed class CsvFormatter(IReadOnlyList<ReadColumn> columns) : RowFormatter
{
    public override void WriteHeader(IBufferWriter<byte> output)
    {
        for (var i = 0; i < columns.Count; i++)
        {
            if (i > 0)
            {
                CsvFields.WriteSeparator(output);
            }

            CsvFields.WriteText(output, columns[i].Name);
        }

        CsvFields.WriteRecordEnd(output);
    }

    public override void WriteRow(TableRow row, IBufferWriter<byte> output)
    {
        CsvFields.WriteId(output, row.Id);
        for (var i = 1; i < columns.Count; i++)
        {
            CsvFields.WriteSeparator(output);
            if (row.IsNull(i))
            {
                continue;
            }

            switch (columns[i].Type)
            {
                case ColumnType.Integer:
                    CsvFields.WriteInteger(output, row.GetInt64(i));
                    break;
                case ColumnType.Real:
                    CsvFields.WriteReal(output, row.GetDouble(i));
                    break;
                case ColumnType.Boolean:
                    CsvFields.WriteBoolean(output, row.GetBoolean(i));
                    break;
                case ColumnType.Timestamp:
                    CsvFields.WriteTimestamp(output, row.GetTimestamp(i));
                    break;
                default:
                    CsvFields.WriteText(output, row.GetString(i));
                    break;
            }
        }

        CsvFields.WriteRecordEnd(output);
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
