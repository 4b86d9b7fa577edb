using System.Buffers.Binary;
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
