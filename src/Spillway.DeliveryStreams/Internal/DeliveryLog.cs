using System.Buffers.Binary;
using System.Text;

namespace Spillway.DeliveryStreams.Internal;

/// <summary>
/// The records of a delivery stream's log. A put appends <see cref="Record"/>s (arrival time, partition, data). A file
/// begins as a <see cref="Cut"/>: the partition's records before a position, fixed durably before the file is written,
/// so that after a crash the same file is written again with the same records under the same key. <see cref="Delivered"/>
/// follows once the file is stored. Recovery replays the three to rebuild the buffers and the files still owed.
/// </summary>
internal static class DeliveryLog
{
    public const byte Record = 1;
    public const byte Cut = 2;
    public const byte Delivered = 3;

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

    public static (long ArrivalMs, string Partition, int DataOffset) ReadRecord(ReadOnlySpan<byte> payload)
    {
        var length = BinaryPrimitives.ReadUInt16LittleEndian(payload[8..]);
        return (BinaryPrimitives.ReadInt64LittleEndian(payload), Encoding.UTF8.GetString(payload.Slice(10, length)), 10 + length);
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
