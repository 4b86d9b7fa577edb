using System.Buffers.Binary;
using System.Text;

namespace Spillway.Messaging.Internal;

/// <summary>Record types of a queue's log (the Storage layer treats them as opaque bytes).</summary>
internal static class RecordType
{
    public const byte Send = 1;
    public const byte Delete = 2;
    public const byte Received = 3;
    public const byte Purge = 4;
    public const byte KeyCheckpoint = 5;
    public const byte Relocate = 6;
}

/// <summary>A message as stored in a send record's entry.</summary>
internal struct EntryData
{
    public Guid Id;
    public long SentAtMs;
    public long VisibleAtMs;
    public int ReceiveCount;
    public string? SourceQueue;
    public IReadOnlyDictionary<string, MessageAttributeValue>? Attributes;
    public ReadOnlyMemory<byte> Body;

    /// <summary>FIFO: the message group; null on standard queues.</summary>
    public string? GroupId;

    /// <summary>FIFO: the deduplication id (given or content hash).</summary>
    public string? DeduplicationId;

    /// <summary>FIFO: the entry was sent (not moved) here, so recovery rebuilds its deduplication id.</summary>
    public bool Deduplicates;
}

/// <summary>
/// Byte layout of the Messaging records (see docs/storage-format.md). Little-endian; every payload starts with a
/// format version byte so a later version can add fields.
/// </summary>
internal static class RecordCodec
{
    public const byte Version = 1;

    /// <summary>Offset of the first sequence number in a send payload, patched under the queue lock.</summary>
    public const int SendFirstSeqOffset = 1;

    /// <summary>Offset of an entry's flags byte.</summary>
    public const int EntryFlagsOffset = 36;

    /// <summary>The entry's flag for "sent here, rebuild its deduplication id at recovery".</summary>
    public const byte DeduplicatesFlag = 8;

    private const int EntryFixedSize = 16 + 8 + 8 + 4 + 1 + 4;
    private const byte HasAttributes = 1;
    private const byte HasSource = 2;
    private const byte HasFifo = 4;
    private const byte StringAttribute = 0;
    private const byte BinaryAttribute = 1;

    // ---- send: u8 version, i64 firstSeq, i64 sentAtMs, u16 keyLength, key, i32 count, then per message
    //      i32 entryLength + entry (guid id, i64 sentAtMs, i64 visibleAtMs, i32 receiveCount, u8 flags,
    //      [u8 len + source], [FIFO: u8 len + group id, u8 len + deduplication id], [u8 count + attributes], i32 bodyLength, body).

    public static byte[] EncodeSend(ReadOnlySpan<EntryData> entries, string? key, long sentAtMs, Span<int> entryOffsets)
    {
        var keyBytes = key is null ? 0 : Encoding.UTF8.GetByteCount(key);
        var size = 1 + 8 + 8 + 2 + keyBytes + 4;
        foreach (ref readonly var entry in entries)
        {
            size += 4 + EntrySize(entry);
        }

        var payload = GC.AllocateUninitializedArray<byte>(size);
        var span = payload.AsSpan();
        span[0] = Version;
        BinaryPrimitives.WriteInt64LittleEndian(span[1..], 0);
        BinaryPrimitives.WriteInt64LittleEndian(span[9..], sentAtMs);
        BinaryPrimitives.WriteUInt16LittleEndian(span[17..], (ushort)keyBytes);
        var offset = 19;
        if (key is not null)
        {
            offset += Encoding.UTF8.GetBytes(key, span[offset..]);
        }

        BinaryPrimitives.WriteInt32LittleEndian(span[offset..], entries.Length);
        offset += 4;
        for (var i = 0; i < entries.Length; i++)
        {
            var length = EntrySize(entries[i]);
            BinaryPrimitives.WriteInt32LittleEndian(span[offset..], length);
            offset += 4;
            entryOffsets[i] = offset;
            WriteEntry(span.Slice(offset, length), entries[i]);
            offset += length;
        }

        return payload;
    }

    public static void PatchFirstSeq(byte[] payload, long firstSeq) =>
        BinaryPrimitives.WriteInt64LittleEndian(payload.AsSpan(SendFirstSeqOffset), firstSeq);

    /// <summary>Reads a send record's header; <paramref name="entriesOffset"/> is where the first entry length is.</summary>
    public static void ReadSendHeader(
        ReadOnlySpan<byte> payload, out long firstSeq, out long sentAtMs, out string? key, out int count, out int entriesOffset)
    {
        CheckVersion(payload);
        firstSeq = BinaryPrimitives.ReadInt64LittleEndian(payload[1..]);
        sentAtMs = BinaryPrimitives.ReadInt64LittleEndian(payload[9..]);
        var keyLength = BinaryPrimitives.ReadUInt16LittleEndian(payload[17..]);
        key = keyLength == 0 ? null : Encoding.UTF8.GetString(payload.Slice(19, keyLength));
        count = BinaryPrimitives.ReadInt32LittleEndian(payload[(19 + keyLength)..]);
        entriesOffset = 19 + keyLength + 4;
    }

    /// <summary>Reads the fixed part of an entry (what recovery needs).</summary>
    public static void ReadEntryHead(ReadOnlySpan<byte> entry, out Guid id, out long sentAtMs, out long visibleAtMs, out int receiveCount)
    {
        id = new Guid(entry[..16]);
        sentAtMs = BinaryPrimitives.ReadInt64LittleEndian(entry[16..]);
        visibleAtMs = BinaryPrimitives.ReadInt64LittleEndian(entry[24..]);
        receiveCount = BinaryPrimitives.ReadInt32LittleEndian(entry[32..]);
    }

    /// <summary>Decodes a whole entry; the body is a slice of <paramref name="entry"/>'s memory (no copy).</summary>
    public static EntryData ReadEntry(ReadOnlyMemory<byte> entry)
    {
        var span = entry.Span;
        ReadEntryHead(span, out var id, out var sentAtMs, out var visibleAtMs, out var receiveCount);
        var flags = span[36];
        var offset = 37;
        string? source = null;
        if ((flags & HasSource) != 0)
        {
            var length = span[offset];
            source = Encoding.UTF8.GetString(span.Slice(offset + 1, length));
            offset += 1 + length;
        }

        string? groupId = null;
        string? deduplicationId = null;
        if ((flags & HasFifo) != 0)
        {
            groupId = ReadShortString(span, ref offset);
            deduplicationId = ReadShortString(span, ref offset);
        }

        Dictionary<string, MessageAttributeValue>? attributes = null;
        if ((flags & HasAttributes) != 0)
        {
            int count = span[offset++];
            attributes = new Dictionary<string, MessageAttributeValue>(count, StringComparer.Ordinal);
            for (var i = 0; i < count; i++)
            {
                var name = ReadShortString(span, ref offset);
                var dataType = ReadShortString(span, ref offset);
                var kind = span[offset++];
                var length = BinaryPrimitives.ReadInt32LittleEndian(span[offset..]);
                offset += 4;
                var value = span.Slice(offset, length);
                attributes[name] = kind == BinaryAttribute
                    ? new MessageAttributeValue(dataType, null, value.ToArray())
                    : new MessageAttributeValue(dataType, Encoding.UTF8.GetString(value));
                offset += length;
            }
        }

        var bodyLength = BinaryPrimitives.ReadInt32LittleEndian(span[offset..]);
        return new EntryData
        {
            Id = id,
            SentAtMs = sentAtMs,
            VisibleAtMs = visibleAtMs,
            ReceiveCount = receiveCount,
            SourceQueue = source,
            Attributes = attributes,
            Body = entry.Slice(offset + 4, bodyLength),
            GroupId = groupId,
            DeduplicationId = deduplicationId,
            Deduplicates = (flags & DeduplicatesFlag) != 0,
        };
    }

    /// <summary>Reads only the FIFO fields of an entry (what recovery needs); false for an entry without them.</summary>
    public static bool ReadFifoFields(ReadOnlySpan<byte> entry, out string groupId, out string deduplicationId, out bool deduplicates)
    {
        var flags = entry[36];
        groupId = deduplicationId = string.Empty;
        deduplicates = (flags & DeduplicatesFlag) != 0;
        if ((flags & HasFifo) == 0)
        {
            return false;
        }

        var offset = 37;
        if ((flags & HasSource) != 0)
        {
            offset += 1 + entry[offset];
        }

        groupId = ReadShortString(entry, ref offset);
        deduplicationId = ReadShortString(entry, ref offset);
        return true;
    }

    // ---- delete: u8 version, i32 count, i64 seq...
    // ---- received: u8 version, i64 atMs, i32 count, (i64 seq, i32 receiveCount)...

    public static byte[] EncodeSeqList(ReadOnlySpan<long> seqs)
    {
        var payload = GC.AllocateUninitializedArray<byte>(1 + 4 + (8 * seqs.Length));
        payload[0] = Version;
        BinaryPrimitives.WriteInt32LittleEndian(payload.AsSpan(1), seqs.Length);
        for (var i = 0; i < seqs.Length; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(payload.AsSpan(5 + (8 * i)), seqs[i]);
        }

        return payload;
    }

    public static int ReadSeqListCount(ReadOnlySpan<byte> payload)
    {
        CheckVersion(payload);
        return BinaryPrimitives.ReadInt32LittleEndian(payload[1..]);
    }

    public static long ReadSeqListItem(ReadOnlySpan<byte> payload, int index) =>
        BinaryPrimitives.ReadInt64LittleEndian(payload[(5 + (8 * index))..]);

    public static byte[] EncodeReceived(long atMs, ReadOnlySpan<(long Seq, int ReceiveCount)> items)
    {
        var payload = GC.AllocateUninitializedArray<byte>(1 + 8 + 4 + (12 * items.Length));
        var span = payload.AsSpan();
        span[0] = Version;
        BinaryPrimitives.WriteInt64LittleEndian(span[1..], atMs);
        BinaryPrimitives.WriteInt32LittleEndian(span[9..], items.Length);
        for (var i = 0; i < items.Length; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(span[(13 + (12 * i))..], items[i].Seq);
            BinaryPrimitives.WriteInt32LittleEndian(span[(21 + (12 * i))..], items[i].ReceiveCount);
        }

        return payload;
    }

    public static void ReadReceivedHeader(ReadOnlySpan<byte> payload, out long atMs, out int count)
    {
        CheckVersion(payload);
        atMs = BinaryPrimitives.ReadInt64LittleEndian(payload[1..]);
        count = BinaryPrimitives.ReadInt32LittleEndian(payload[9..]);
    }

    public static (long Seq, int ReceiveCount) ReadReceivedItem(ReadOnlySpan<byte> payload, int index) => (
        BinaryPrimitives.ReadInt64LittleEndian(payload[(13 + (12 * index))..]),
        BinaryPrimitives.ReadInt32LittleEndian(payload[(21 + (12 * index))..]));

    // ---- purge: u8 version, i64 belowSeq.

    public static byte[] EncodePurge(long belowSeq)
    {
        var payload = new byte[9];
        payload[0] = Version;
        BinaryPrimitives.WriteInt64LittleEndian(payload.AsSpan(1), belowSeq);
        return payload;
    }

    public static long ReadPurge(ReadOnlySpan<byte> payload)
    {
        CheckVersion(payload);
        return BinaryPrimitives.ReadInt64LittleEndian(payload[1..]);
    }

    // ---- key checkpoint: u8 version, i32 count, then per key u16 keyLength, key, i64 sentAtMs, i32 n, (guid, i64 seq)...

    public static byte[] EncodeKeyCheckpoint(IReadOnlyList<(string Key, long SentAtMs, SentMessage[] Messages)> keys)
    {
        var size = 1 + 4;
        foreach (var (key, _, messages) in keys)
        {
            size += 2 + Encoding.UTF8.GetByteCount(key) + 8 + 4 + (24 * messages.Length);
        }

        var payload = new byte[size];
        var span = payload.AsSpan();
        span[0] = Version;
        BinaryPrimitives.WriteInt32LittleEndian(span[1..], keys.Count);
        var offset = 5;
        foreach (var (key, sentAtMs, messages) in keys)
        {
            var written = Encoding.UTF8.GetBytes(key, span[(offset + 2)..]);
            BinaryPrimitives.WriteUInt16LittleEndian(span[offset..], (ushort)written);
            offset += 2 + written;
            BinaryPrimitives.WriteInt64LittleEndian(span[offset..], sentAtMs);
            BinaryPrimitives.WriteInt32LittleEndian(span[(offset + 8)..], messages.Length);
            offset += 12;
            foreach (var message in messages)
            {
                message.MessageId.TryWriteBytes(span[offset..]);
                BinaryPrimitives.WriteInt64LittleEndian(span[(offset + 16)..], message.SequenceNumber);
                offset += 24;
            }
        }

        return payload;
    }

    public static List<(string Key, long SentAtMs, SentMessage[] Messages)> ReadKeyCheckpoint(ReadOnlySpan<byte> payload)
    {
        CheckVersion(payload);
        var count = BinaryPrimitives.ReadInt32LittleEndian(payload[1..]);
        var result = new List<(string, long, SentMessage[])>(count);
        var offset = 5;
        for (var i = 0; i < count; i++)
        {
            var keyLength = BinaryPrimitives.ReadUInt16LittleEndian(payload[offset..]);
            var key = Encoding.UTF8.GetString(payload.Slice(offset + 2, keyLength));
            offset += 2 + keyLength;
            var sentAtMs = BinaryPrimitives.ReadInt64LittleEndian(payload[offset..]);
            var n = BinaryPrimitives.ReadInt32LittleEndian(payload[(offset + 8)..]);
            offset += 12;
            var messages = new SentMessage[n];
            for (var j = 0; j < n; j++)
            {
                messages[j] = new SentMessage(
                    new Guid(payload.Slice(offset, 16)), BinaryPrimitives.ReadInt64LittleEndian(payload[(offset + 16)..]));
                offset += 24;
            }

            result.Add((key, sentAtMs, messages));
        }

        return result;
    }

    private static int EntrySize(in EntryData entry)
    {
        var size = EntryFixedSize + entry.Body.Length;
        if (entry.SourceQueue is not null)
        {
            size += 1 + Encoding.UTF8.GetByteCount(entry.SourceQueue);
        }

        if (entry.GroupId is not null)
        {
            size += 2 + entry.GroupId.Length + (entry.DeduplicationId?.Length ?? 0); // ASCII only (validated)
        }

        if (entry.Attributes is { Count: > 0 } attributes)
        {
            size += 1;
            foreach (var (name, value) in attributes)
            {
                size += 1 + Encoding.UTF8.GetByteCount(name) + 1 + Encoding.UTF8.GetByteCount(value.DataType)
                    + 1 + 4 + AttributeValueSize(value);
            }
        }

        return size;
    }

    private static int AttributeValueSize(MessageAttributeValue value) =>
        value.BinaryValue is { } binary ? binary.Length : Encoding.UTF8.GetByteCount(value.StringValue ?? string.Empty);

    private static void WriteEntry(Span<byte> span, in EntryData entry)
    {
        entry.Id.TryWriteBytes(span);
        BinaryPrimitives.WriteInt64LittleEndian(span[16..], entry.SentAtMs);
        BinaryPrimitives.WriteInt64LittleEndian(span[24..], entry.VisibleAtMs);
        BinaryPrimitives.WriteInt32LittleEndian(span[32..], entry.ReceiveCount);
        var hasAttributes = entry.Attributes is { Count: > 0 };
        span[36] = (byte)((hasAttributes ? HasAttributes : 0) | (entry.SourceQueue is null ? 0 : HasSource)
            | (entry.GroupId is null ? 0 : HasFifo) | (entry.Deduplicates ? DeduplicatesFlag : 0));
        var offset = 37;
        if (entry.SourceQueue is not null)
        {
            WriteShortString(span, ref offset, entry.SourceQueue);
        }

        if (entry.GroupId is not null)
        {
            WriteShortString(span, ref offset, entry.GroupId);
            WriteShortString(span, ref offset, entry.DeduplicationId ?? string.Empty);
        }

        if (hasAttributes)
        {
            span[offset++] = (byte)entry.Attributes!.Count;
            foreach (var (name, value) in entry.Attributes)
            {
                WriteShortString(span, ref offset, name);
                WriteShortString(span, ref offset, value.DataType);
                var length = AttributeValueSize(value);
                span[offset++] = value.BinaryValue is null ? StringAttribute : BinaryAttribute;
                BinaryPrimitives.WriteInt32LittleEndian(span[offset..], length);
                offset += 4;
                if (value.BinaryValue is { } binary)
                {
                    binary.Span.CopyTo(span[offset..]);
                }
                else
                {
                    Encoding.UTF8.GetBytes(value.StringValue ?? string.Empty, span[offset..]);
                }

                offset += length;
            }
        }

        BinaryPrimitives.WriteInt32LittleEndian(span[offset..], entry.Body.Length);
        entry.Body.Span.CopyTo(span[(offset + 4)..]);
    }

    private static void WriteShortString(Span<byte> span, ref int offset, string value)
    {
        var written = Encoding.UTF8.GetBytes(value, span[(offset + 1)..]);
        span[offset] = (byte)written;
        offset += 1 + written;
    }

    private static string ReadShortString(ReadOnlySpan<byte> span, ref int offset)
    {
        var length = span[offset];
        var value = Encoding.UTF8.GetString(span.Slice(offset + 1, length));
        offset += 1 + length;
        return value;
    }

    private static void CheckVersion(ReadOnlySpan<byte> payload)
    {
        if (payload.Length == 0 || payload[0] != Version)
        {
            throw new InvalidDataException($"Unsupported record version {(payload.Length == 0 ? -1 : payload[0])}.");
        }
    }
}
