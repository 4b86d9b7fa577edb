using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace Spillway.Messaging.Topics.Internal;

/// <summary>
/// A topic's journal records. A publish with subscribers to deliver to is written here first, with the subscriptions it
/// matched; once every one of those queues holds it, a done record follows. After a crash, each publish without its done
/// record is delivered again under the same idempotency keys, so every matching queue ends up holding it exactly once.
/// </summary>
internal static class TopicJournal
{
    public const byte PublishType = 1;
    public const byte DoneType = 2;
    public const byte PublishBinaryType = 3;

    private const byte BinaryVersion = 1;

    /// <summary>
    /// A publish record in binary: u8 version, 16-byte id, i64 timestamp (ms), the message, subject, i32 attribute count
    /// (-1 for none) and per attribute its name, data type, string value and binary value, then the group id, the
    /// deduplication id given, the sequence number, the deduplication id, the message structure, and i32 target count
    /// with 16 bytes per target. Strings are an i32 UTF-8 length (-1 for null) and the bytes; binary values likewise.
    /// </summary>
    public static byte[] EncodePublishBinary(Notification notification, Subscription[] targets)
    {
        var published = notification.Published;
        var size = 1 + 16 + 8 + Size(published.Message) + Size(published.Subject) + 4;
        if (published.Attributes is { } attributes)
        {
            foreach (var (name, value) in attributes)
            {
                size += Size(name) + Size(value.DataType) + Size(value.StringValue) + 4 + (value.BinaryValue?.Length ?? 0);
            }
        }

        size += Size(published.MessageGroupId) + Size(published.MessageDeduplicationId) + Size(notification.SequenceNumber)
            + Size(notification.DeduplicationId) + Size(published.MessageStructure) + 4 + (16 * targets.Length);
        var bytes = new byte[size];
        var writer = new Writer(bytes);
        writer.Byte(BinaryVersion);
        writer.Guid(notification.MessageId);
        writer.Int64(notification.Timestamp.ToUnixTimeMilliseconds());
        writer.String(published.Message);
        writer.String(published.Subject);
        if (published.Attributes is { } written)
        {
            writer.Int32(written.Count);
            foreach (var (name, value) in written)
            {
                writer.String(name);
                writer.String(value.DataType);
                writer.String(value.StringValue);
                writer.Bytes(value.BinaryValue);
            }
        }
        else
        {
            writer.Int32(-1);
        }

        writer.String(published.MessageGroupId);
        writer.String(published.MessageDeduplicationId);
        writer.String(notification.SequenceNumber);
        writer.String(notification.DeduplicationId);
        writer.String(published.MessageStructure);
        writer.Int32(targets.Length);
        foreach (var target in targets)
        {
            writer.Guid(target.Id);
        }

        return writer.Offset == bytes.Length ? bytes : throw new InvalidOperationException("A topic journal record's size was miscounted.");
    }

    public static (Notification Notification, Guid[] Targets) DecodePublishBinary(ReadOnlySpan<byte> payload)
    {
        var reader = new Reader(payload);
        if (reader.Byte() != BinaryVersion)
        {
            throw new InvalidDataException($"A topic journal publish record of version {payload[0]}, not {BinaryVersion}.");
        }

        var id = reader.Guid();
        var timestampMs = reader.Int64();
        var message = reader.String() ?? throw new InvalidDataException("A topic journal publish record without a message.");
        var subject = reader.String();
        var count = reader.Int32();
        Dictionary<string, MessageAttributeValue>? attributes = null;
        if (count >= 0)
        {
            attributes = new Dictionary<string, MessageAttributeValue>(count, StringComparer.Ordinal);
            for (var i = 0; i < count; i++)
            {
                var name = reader.String() ?? throw new InvalidDataException("A topic journal attribute without a name.");
                var dataType = reader.String() ?? throw new InvalidDataException("A topic journal attribute without a data type.");
                attributes[name] = new MessageAttributeValue(dataType, reader.String(), reader.Bytes());
            }
        }

        var published = new TopicMessage(message)
        {
            Subject = subject,
            Attributes = attributes,
            MessageGroupId = reader.String(),
            MessageDeduplicationId = reader.String(),
        };
        var sequenceNumber = reader.String();
        var deduplicationId = reader.String();
        published = published with { MessageStructure = reader.String() };
        var targets = new Guid[reader.Int32()];
        for (var i = 0; i < targets.Length; i++)
        {
            targets[i] = reader.Guid();
        }

        if (!reader.AtEnd)
        {
            throw new InvalidDataException("A topic journal publish record has bytes after its targets.");
        }

        return (new Notification(id, DateTimeOffset.FromUnixTimeMilliseconds(timestampMs), published, sequenceNumber, deduplicationId), targets);
    }

    private static int Size(string? value) => 4 + (value is null ? 0 : Encoding.UTF8.GetByteCount(value));

    private ref struct Writer(Span<byte> bytes)
    {
        private readonly Span<byte> bytes = bytes;

        public int Offset { get; private set; }

        public void Byte(byte value) => bytes[Offset++] = value;

        public void Int32(int value)
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes[Offset..], value);
            Offset += 4;
        }

        public void Int64(long value)
        {
            BinaryPrimitives.WriteInt64LittleEndian(bytes[Offset..], value);
            Offset += 8;
        }

        public void Guid(Guid value)
        {
            value.TryWriteBytes(bytes[Offset..]);
            Offset += 16;
        }

        public void String(string? value)
        {
            if (value is null)
            {
                Int32(-1);
                return;
            }

            var length = Encoding.UTF8.GetBytes(value, bytes[(Offset + 4)..]);
            Int32(length);
            Offset += length;
        }

        public void Bytes(ReadOnlyMemory<byte>? value)
        {
            if (value is not { } data)
            {
                Int32(-1);
                return;
            }

            Int32(data.Length);
            data.Span.CopyTo(bytes[Offset..]);
            Offset += data.Length;
        }
    }

    private ref struct Reader(ReadOnlySpan<byte> bytes)
    {
        private readonly ReadOnlySpan<byte> bytes = bytes;
        private int offset;

        public readonly bool AtEnd => offset == bytes.Length;

        public byte Byte() => bytes[offset++];

        public int Int32()
        {
            var value = BinaryPrimitives.ReadInt32LittleEndian(bytes[offset..]);
            offset += 4;
            return value;
        }

        public long Int64()
        {
            var value = BinaryPrimitives.ReadInt64LittleEndian(bytes[offset..]);
            offset += 8;
            return value;
        }

        public Guid Guid()
        {
            var value = new Guid(bytes.Slice(offset, 16));
            offset += 16;
            return value;
        }

        public string? String()
        {
            var length = Int32();
            if (length < 0)
            {
                return null;
            }

            var value = Encoding.UTF8.GetString(bytes.Slice(offset, length));
            offset += length;
            return value;
        }

        public ReadOnlyMemory<byte>? Bytes()
        {
            var length = Int32();
            if (length < 0)
            {
                return null; // not an empty value: a null array would convert to one
            }

            var value = bytes.Slice(offset, length).ToArray();
            offset += length;
            return value;
        }
    }

    public static byte[] EncodePublish(Notification notification, IReadOnlyList<Guid> targets) =>
        JsonSerializer.SerializeToUtf8Bytes(new Entry(
            notification.MessageId,
            notification.Timestamp.ToUnixTimeMilliseconds(),
            notification.Published.Message,
            notification.Published.Subject,
            notification.Published.Attributes?.Select(a => new Attribute(a.Key, a.Value.DataType, a.Value.StringValue, a.Value.BinaryValue?.ToArray())).ToArray(),
            notification.Published.MessageGroupId,
            notification.Published.MessageDeduplicationId,
            notification.SequenceNumber,
            notification.DeduplicationId,
            [.. targets],
            notification.Published.MessageStructure));

    public static (Notification Notification, Guid[] Targets) DecodePublish(ReadOnlySpan<byte> payload)
    {
        var entry = JsonSerializer.Deserialize<Entry>(payload) ?? throw new InvalidDataException("An empty topic journal record.");
        var published = new TopicMessage(entry.Message)
        {
            Subject = entry.Subject,
            Attributes = entry.Attributes?.ToDictionary(
                a => a.Name, a => new MessageAttributeValue(a.DataType, a.StringValue, a.BinaryValue), StringComparer.Ordinal),
            MessageGroupId = entry.GroupId,
            MessageDeduplicationId = entry.DeduplicationIdGiven,
            MessageStructure = entry.MessageStructure,
        };
        var notification = new Notification(
            entry.Id, DateTimeOffset.FromUnixTimeMilliseconds(entry.TimestampMs), published, entry.SequenceNumber, entry.DeduplicationId);
        return (notification, entry.Targets);
    }

    /// <summary>A done record: the positions of publishes whose deliveries are all durable.</summary>
    public static byte[] EncodeDone(IReadOnlyList<long> positions)
    {
        var bytes = new byte[positions.Count * sizeof(long)];
        for (var i = 0; i < positions.Count; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(i * sizeof(long)), positions[i]);
        }

        return bytes;
    }

    public static IEnumerable<long> DecodeDone(byte[] payload)
    {
        if (payload.Length % sizeof(long) != 0)
        {
            throw new InvalidDataException($"A topic journal's done record has {payload.Length} bytes, not a multiple of {sizeof(long)}.");
        }

        for (var offset = 0; offset < payload.Length; offset += sizeof(long))
        {
            yield return BinaryPrimitives.ReadInt64LittleEndian(payload.AsSpan(offset));
        }
    }

    private sealed record Attribute(string Name, string DataType, string? StringValue, byte[]? BinaryValue);

    private sealed record Entry(
        Guid Id,
        long TimestampMs,
        string Message,
        string? Subject,
        Attribute[]? Attributes,
        string? GroupId,
        string? DeduplicationIdGiven,
        string? SequenceNumber,
        string? DeduplicationId,
        Guid[] Targets,
        string? MessageStructure = null);
}
