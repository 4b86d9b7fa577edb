using System.Buffers.Binary;
using System.Text;

namespace Spillway.DeliveryStreams.Internal;

/// <summary>
/// The records of a delivery stream's log. A put appends <see cref="Record"/>s (arrival time, partition, data). A file
/// begins as a <see cref="Cut"/>: the partition's records before a position, fixed durably before the file is written,
/// so that after a crash the same file is written again with the same records under the same key. <see cref="Delivered"/>
/// follows once the file is stored. Recovery replays the three to rebuild the buffers and the files still owed.
/// A stream fed from a Spillway stream writes <see cref="SourcedRecord"/>s instead, each carrying the shard and sequence
/// number it was read at, so the log itself says where reading resumes, record by record, even after a torn write; a
/// <see cref="Positions"/> record carries every shard's position forward before older segments are deleted.
/// </summary>
internal static class DeliveryLog
{
    public const byte Record = 1;
    public const byte Cut = 2;
    public const byte Delivered = 3;
    public const byte SourcedRecord = 4;
    public const byte Positions = 5;

    /// <summary>The partition of records that failed: their error type follows this mark.</summary>
    public const char ErrorMark = '\u0001';

    public static int RecordSize(string partition, int dataLength) => 8 + 2 + Encoding.UTF8.GetByteCount(partition) + dataLength;

    public static void WriteRecord(Span<byte> destination, long arrivalMs, string partition, ReadOnlySpan<byte> data)
    {
        BinaryPrimitives.WriteInt64LittleEndian(destination, arrivalMs);
        var length = Encoding.UTF8.GetBytes(partition, destination[10..]);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[8..], (ushort)length);
        data.CopyTo(destination[(10 + length)..]);
    }

    /// <summary>The bytes a record's source position takes in a <see cref="SourcedRecord"/>: its length, then the shard
    /// and the sequence number joined by a NUL.</summary>
    public static int SourceSize(string shard, string sequence) => 2 + Encoding.UTF8.GetByteCount(shard) + 1 + Encoding.ASCII.GetByteCount(sequence);

    /// <summary>A <see cref="SourcedRecord"/>: a <see cref="Record"/>'s fields with the source position before the data.</summary>
    public static void WriteSourcedRecord(Span<byte> destination, long arrivalMs, string partition, string shard, string sequence, ReadOnlySpan<byte> data)
    {
        BinaryPrimitives.WriteInt64LittleEndian(destination, arrivalMs);
        var length = Encoding.UTF8.GetBytes(partition, destination[10..]);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[8..], (ushort)length);
        var source = destination[(10 + length)..];
        var sourceLength = Encoding.UTF8.GetBytes(shard, source[2..]);
        source[2 + sourceLength++] = 0;
        sourceLength += Encoding.ASCII.GetBytes(sequence, source[(2 + sourceLength)..]);
        BinaryPrimitives.WriteUInt16LittleEndian(source, (ushort)sourceLength);
        data.CopyTo(source[(2 + sourceLength)..]);
    }

    /// <summary>A <see cref="Record"/> or <see cref="SourcedRecord"/>: its arrival, partition, where its data starts, and
    /// its source position (none for a direct put).</summary>
    public static (long ArrivalMs, string Partition, int DataOffset, (string Shard, string Sequence)? Source) ReadRecord(byte type, ReadOnlySpan<byte> payload)
    {
        var length = BinaryPrimitives.ReadUInt16LittleEndian(payload[8..]);
        var arrival = BinaryPrimitives.ReadInt64LittleEndian(payload);
        var partition = Encoding.UTF8.GetString(payload.Slice(10, length));
        if (type != SourcedRecord)
        {
            return (arrival, partition, 10 + length, null);
        }

        var source = payload[(10 + length)..];
        var sourceLength = BinaryPrimitives.ReadUInt16LittleEndian(source);
        var (shard, sequence) = SplitSource(source.Slice(2, sourceLength));
        return (arrival, partition, 10 + length + 2 + sourceLength, (shard, sequence));
    }

    /// <summary>A <see cref="Positions"/> record: every shard's last position, one joined pair after another.</summary>
    public static byte[] EncodePositions(IEnumerable<KeyValuePair<string, string>> positions)
    {
        using var bytes = new MemoryStream();
        Span<byte> length = stackalloc byte[2];
        foreach (var (shard, sequence) in positions)
        {
            var pair = Encoding.UTF8.GetBytes(shard + "\0" + sequence);
            BinaryPrimitives.WriteUInt16LittleEndian(length, (ushort)pair.Length);
            bytes.Write(length);
            bytes.Write(pair);
        }

        return bytes.ToArray();
    }

    public static List<(string Shard, string Sequence)> ReadPositions(ReadOnlySpan<byte> payload)
    {
        var positions = new List<(string, string)>();
        while (!payload.IsEmpty)
        {
            var length = BinaryPrimitives.ReadUInt16LittleEndian(payload);
            positions.Add(SplitSource(payload.Slice(2, length)));
            payload = payload[(2 + length)..];
        }

        return positions;
    }

    /// <summary>Whether sequence number <paramref name="a"/> comes after <paramref name="b"/>: both are decimal numbers.</summary>
    public static bool IsAfter(string a, string b) => a.Length != b.Length ? a.Length > b.Length : string.CompareOrdinal(a, b) > 0;

    private static (string Shard, string Sequence) SplitSource(ReadOnlySpan<byte> joined)
    {
        var at = joined.IndexOf((byte)0);
        return (Encoding.UTF8.GetString(joined[..at]), Encoding.ASCII.GetString(joined[(at + 1)..]));
    }

    public static byte[] EncodeCut(long before, string partition)
    {
        var bytes = new byte[8 + Encoding.UTF8.GetByteCount(partition)];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, before);
        Encoding.UTF8.GetBytes(partition, bytes.AsSpan(8));
        return bytes;
    }

    public static (long Before, string Partition) ReadCut(ReadOnlySpan<byte> payload) =>
        (BinaryPrimitives.ReadInt64LittleEndian(payload), Encoding.UTF8.GetString(payload[8..]));

    public static byte[] EncodeDelivered(long cut)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, cut);
        return bytes;
    }

    public static long ReadDelivered(ReadOnlySpan<byte> payload) => BinaryPrimitives.ReadInt64LittleEndian(payload);
}
