using System.Buffers.Binary;
using System.Text;
using Spillway.DeliveryStreams.Transform;

namespace Spillway.DeliveryStreams.Internal;

/// <summary>
/// The records of a delivery stream's log. A put appends <see cref="Record"/>s (arrival time, partition, data). A file
/// begins as a <see cref="Cut"/>: the partition's records before a position, fixed durably before the file is written,
/// so that after a crash the same file is written again with the same records under the same key. <see cref="Delivered"/>
/// follows once the file is stored. With a transform, each record's outcome (<see cref="Transformed"/>) and then
/// <see cref="TransformDone"/> are made durable before any file of the cut is written, so a file written again holds what
/// the function answered the first time. A stream fed from a Spillway stream writes <see cref="SourcedRecord"/>s instead
/// of records, each carrying the shard and sequence number it was read at, so the log itself says where reading resumes,
/// record by record, even after a torn write; a <see cref="Positions"/> record carries every shard's position forward
/// before older segments are deleted. Recovery replays them all to rebuild the buffers and the files still owed.
/// </summary>
internal static class DeliveryLog
{
    public const byte Record = 1;
    public const byte Cut = 2;
    public const byte Delivered = 3;
    public const byte Transformed = 4;
    public const byte TransformDone = 5;
    public const byte SourcedRecord = 6;
    public const byte Positions = 7;

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

    public static int TransformedSize(TransformedRecord record) =>
        8 + 4 + 1 + 4 + 8 + 2 + Encoding.UTF8.GetByteCount(record.ErrorCode ?? string.Empty)
        + 4 + Encoding.UTF8.GetByteCount(record.ErrorMessage ?? string.Empty) + record.Data.Length;

    /// <summary>The outcome of the record at <paramref name="index"/> of the cut at <paramref name="cut"/>.</summary>
    public static void WriteTransformed(Span<byte> destination, long cut, int index, TransformedRecord record)
    {
        BinaryPrimitives.WriteInt64LittleEndian(destination, cut);
        BinaryPrimitives.WriteInt32LittleEndian(destination[8..], index);
        destination[12] = (byte)record.Result;
        BinaryPrimitives.WriteInt32LittleEndian(destination[13..], record.Attempts);
        BinaryPrimitives.WriteInt64LittleEndian(destination[17..], record.EndingMs);
        var at = 25;
        var code = Encoding.UTF8.GetBytes(record.ErrorCode ?? string.Empty, destination[(at + 2)..]);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[at..], (ushort)code);
        at += 2 + code;
        var message = Encoding.UTF8.GetBytes(record.ErrorMessage ?? string.Empty, destination[(at + 4)..]);
        BinaryPrimitives.WriteInt32LittleEndian(destination[at..], message);
        at += 4 + message;
        record.Data.Span.CopyTo(destination[at..]);
    }

    public static (long Cut, int Index, TransformedRecord Record) ReadTransformed(ReadOnlySpan<byte> payload)
    {
        var at = 25;
        var codeLength = BinaryPrimitives.ReadUInt16LittleEndian(payload[at..]);
        var code = Encoding.UTF8.GetString(payload.Slice(at + 2, codeLength));
        at += 2 + codeLength;
        var messageLength = BinaryPrimitives.ReadInt32LittleEndian(payload[at..]);
        var message = Encoding.UTF8.GetString(payload.Slice(at + 4, messageLength));
        at += 4 + messageLength;
        var record = new TransformedRecord(
            (TransformResult)payload[12],
            BinaryPrimitives.ReadInt32LittleEndian(payload[13..]),
            BinaryPrimitives.ReadInt64LittleEndian(payload[17..]),
            code.Length == 0 ? null : code,
            message.Length == 0 ? null : message,
            payload[at..].ToArray());
        return (BinaryPrimitives.ReadInt64LittleEndian(payload), BinaryPrimitives.ReadInt32LittleEndian(payload[8..]), record);
    }

    public static byte[] EncodeTransformDone(long cut, int count)
    {
        var bytes = new byte[12];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, cut);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), count);
        return bytes;
    }

    public static (long Cut, int Count) ReadTransformDone(ReadOnlySpan<byte> payload) =>
        (BinaryPrimitives.ReadInt64LittleEndian(payload), BinaryPrimitives.ReadInt32LittleEndian(payload[8..]));
}
