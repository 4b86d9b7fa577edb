using System.Buffers;
using System.Buffers.Binary;

namespace Spillway.Sinks.PostgreSql;

/// <summary>
/// Turns PostgreSQL's binary COPY output into CSV records: a signature, flags and a header extension, then per row a
/// 16-bit field count and each field as a 32-bit length (-1 for NULL) and its big-endian value, then a count of -1.
/// The server only copies its stored bytes (no text formatting on its side, where psql's COPY spends its time); the
/// text is made here, by <see cref="CsvFields"/>, on whichever thread reads.
/// </summary>
internal sealed class BinaryCopyCsvSource(Stream copy, IReadOnlyList<ReadColumn> columns) : ICsvRecordSource
{
    private const int HeaderBytes = 19;
    private static readonly DateTime Epoch = new(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private readonly int[] offsets = new int[columns.Count];
    private readonly int[] lengths = new int[columns.Count];
    private byte[] buffer = new byte[64 * 1024];
    private int start;
    private int end;
    private bool started;
    private bool ended;

    private static ReadOnlySpan<byte> Signature => [(byte)'P', (byte)'G', (byte)'C', (byte)'O', (byte)'P', (byte)'Y', (byte)'\n', 0xFF, (byte)'\r', (byte)'\n', 0];

    public int Fill(ArrayBufferWriter<byte> output, int minBytes)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (!started)
        {
            ReadHeader();
            started = true;
        }

        var records = 0;
        var target = output.WrittenCount + minBytes;
        while (!ended && output.WrittenCount < target)
        {
            if (!TryReadRow())
            {
                ReadMore();
                continue;
            }

            if (!ended)
            {
                WriteRecord(output);
                records++;
            }
        }

        return records;
    }

    private void ReadHeader()
    {
        while (end - start < HeaderBytes)
        {
            ReadMore();
        }

        if (!buffer.AsSpan(start, Signature.Length).SequenceEqual(Signature))
        {
            throw new InvalidDataException("The COPY data does not start with PostgreSQL's binary signature.");
        }

        var extension = BinaryPrimitives.ReadInt32BigEndian(buffer.AsSpan(start + 15));
        while (end - start < HeaderBytes + extension)
        {
            ReadMore();
        }

        start += HeaderBytes + extension;
    }

    /// <summary>Finds the fields of the row at <see cref="start"/>; false when the buffer does not hold all of it yet.</summary>
    private bool TryReadRow()
    {
        var span = buffer.AsSpan(start, end - start);
        if (span.Length < 2)
        {
            return false;
        }

        var count = BinaryPrimitives.ReadInt16BigEndian(span);
        if (count == -1)
        {
            ended = true;
            start += 2;
            return true;
        }

        if (count != columns.Count)
        {
            throw new InvalidDataException($"A COPY row has {count} fields; the query selects {columns.Count}.");
        }

        var at = 2;
        for (var i = 0; i < count; i++)
        {
            if (span.Length - at < 4)
            {
                return false;
            }

            var length = BinaryPrimitives.ReadInt32BigEndian(span[at..]);
            at += 4;
            if (length > 0 && span.Length - at < length)
            {
                return false;
            }

            offsets[i] = start + at;
            lengths[i] = length;
            at += Math.Max(length, 0);
        }

        start += at;
        return true;
    }

    private void WriteRecord(ArrayBufferWriter<byte> output)
    {
        for (var i = 0; i < columns.Count; i++)
        {
            if (i > 0)
            {
                CsvFields.WriteSeparator(output);
            }

            if (lengths[i] < 0)
            {
                continue;
            }

            var value = buffer.AsSpan(offsets[i], lengths[i]);
            var column = columns[i];
            if (column.IsId)
            {
                CsvFields.WriteId(output, new Guid(value, bigEndian: true));
                continue;
            }

            switch (column.Type)
            {
                case ColumnType.Integer:
                    CsvFields.WriteInteger(output, BinaryPrimitives.ReadInt64BigEndian(value));
                    break;
                case ColumnType.Real:
                    CsvFields.WriteReal(output, BinaryPrimitives.ReadDoubleBigEndian(value));
                    break;
                case ColumnType.Boolean:
                    CsvFields.WriteBoolean(output, value[0] != 0);
                    break;
                case ColumnType.Timestamp:
                    CsvFields.WriteTimestamp(output, Timestamp(BinaryPrimitives.ReadInt64BigEndian(value)));
                    break;
                default:
                    CsvFields.WriteText(output, value);
                    break;
            }
        }

        CsvFields.WriteRecordEnd(output);
    }

    // Microseconds since 2000-01-01 UTC; the infinities as Npgsql reads them into a DateTime.
    private static DateTime Timestamp(long microseconds) => microseconds switch
    {
        long.MaxValue => DateTime.MaxValue,
        long.MinValue => DateTime.MinValue,
        _ => Epoch.AddTicks(microseconds * TimeSpan.TicksPerMicrosecond),
    };

    /// <summary>Keeps the unread bytes, makes room (a row longer than the buffer doubles it) and reads once more.</summary>
    private void ReadMore()
    {
        if (start > 0)
        {
            buffer.AsSpan(start, end - start).CopyTo(buffer);
            end -= start;
            start = 0;
        }

        if (end == buffer.Length)
        {
            Array.Resize(ref buffer, buffer.Length * 2);
        }

        var read = copy.Read(buffer, end, buffer.Length - end);
        end += read > 0 ? read : throw new InvalidDataException("The COPY data ended inside a row.");
    }
}
