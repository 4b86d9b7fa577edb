using System.Buffers.Binary;

namespace Spillway.Messaging.Internal;

/// <summary>
/// Layout of the relocation record (type 6) that compaction writes: live message entries copied forward from the
/// oldest segments with their sequence numbers and receive state, so those segments can be deleted.
/// u8 version, i32 count, then per message: i64 seq, i32 receiveCount, i64 firstReceiveMs, i32 entryLength, entry
/// (the entry bytes of the send record, unchanged but for the deduplication flag, which is cleared).
/// </summary>
internal static class RelocationCodec
{
    public const int ItemOverhead = 8 + 4 + 8 + 4;

    /// <summary>Offset of the first item, after the version and the count.</summary>
    public const int FirstItemOffset = HeaderSize;

    private const int HeaderSize = 1 + 4;

    public static int Size(int entries, long entryBytes) => checked((int)(HeaderSize + (entries * (long)ItemOverhead) + entryBytes));

    /// <summary>Writes the header; items follow with <see cref="WriteItem"/> from offset 5.</summary>
    public static int WriteHeader(Span<byte> payload, int count)
    {
        payload[0] = RecordCodec.Version;
        BinaryPrimitives.WriteInt32LittleEndian(payload[1..], count);
        return HeaderSize;
    }

    /// <summary>Writes one item at <paramref name="offset"/>; returns the offset of its entry inside the payload.</summary>
    public static int WriteItem(
        Span<byte> payload, ref int offset, long seq, int receiveCount, long firstReceiveMs, ReadOnlySpan<byte> entry)
    {
        BinaryPrimitives.WriteInt64LittleEndian(payload[offset..], seq);
        BinaryPrimitives.WriteInt32LittleEndian(payload[(offset + 8)..], receiveCount);
        BinaryPrimitives.WriteInt64LittleEndian(payload[(offset + 12)..], firstReceiveMs);
        BinaryPrimitives.WriteInt32LittleEndian(payload[(offset + 20)..], entry.Length);
        var entryOffset = offset + ItemOverhead;
        var destination = payload.Slice(entryOffset, entry.Length);
        entry.CopyTo(destination);

        // The deduplication window is rebuilt only from send records: a relocated entry is outside it by construction.
        destination[RecordCodec.EntryFlagsOffset] &= unchecked((byte)~RecordCodec.DeduplicatesFlag);
        offset = entryOffset + entry.Length;
        return entryOffset;
    }

    public static int ReadCount(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < HeaderSize || payload[0] != RecordCodec.Version)
        {
            throw new InvalidDataException($"Unsupported relocation record version {(payload.Length == 0 ? -1 : payload[0])}.");
        }

        return BinaryPrimitives.ReadInt32LittleEndian(payload[1..]);
    }

    /// <summary>Reads the item at <paramref name="offset"/> (5 for the first) and moves the offset past it.</summary>
    public static (long Seq, int ReceiveCount, long FirstReceiveMs, int EntryOffset, int EntryLength) ReadItem(
        ReadOnlySpan<byte> payload, ref int offset)
    {
        var seq = BinaryPrimitives.ReadInt64LittleEndian(payload[offset..]);
        var receiveCount = BinaryPrimitives.ReadInt32LittleEndian(payload[(offset + 8)..]);
        var firstReceiveMs = BinaryPrimitives.ReadInt64LittleEndian(payload[(offset + 12)..]);
        var length = BinaryPrimitives.ReadInt32LittleEndian(payload[(offset + 20)..]);
        var entryOffset = offset + ItemOverhead;
        offset = entryOffset + length;
        return (seq, receiveCount, firstReceiveMs, entryOffset, length);
    }
}
