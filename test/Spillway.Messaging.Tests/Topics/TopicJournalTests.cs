using System.Text.Json;
using Spillway.Messaging.Topics;
using Spillway.Messaging.Topics.Internal;

namespace Spillway.Messaging.Tests.Topics;

public sealed class TopicJournalTests
{
    private static readonly Guid[] TargetIds = [Guid.NewGuid(), Guid.NewGuid()];

    [Fact]
    public void A_binary_publish_record_gives_back_every_field()
    {
        var published = new TopicMessage("body ✓")
        {
            Subject = "subject",
            Attributes = new Dictionary<string, MessageAttributeValue>
            {
                ["text"] = new("String", "value"),
                ["blob"] = new("Binary", null, new byte[] { 0, 1, 255 }),
                ["number"] = new("Number", "12.5"),
            },
            MessageGroupId = "group",
            MessageDeduplicationId = "given",
            MessageStructure = "json",
        };
        var notification = new Notification(Guid.NewGuid(), DateTimeOffset.FromUnixTimeMilliseconds(1_765_000_000_123), published, "00000000000000000042", "dedup");

        var (decoded, targets) = TopicJournal.DecodePublishBinary(TopicJournal.EncodePublishBinary(notification, Subscriptions()));

        Assert.Equal(TargetIds, targets);
        Assert.Equal(notification.MessageId, decoded.MessageId);
        Assert.Equal(notification.Timestamp, decoded.Timestamp);
        Assert.Equal("00000000000000000042", decoded.SequenceNumber);
        Assert.Equal("dedup", decoded.DeduplicationId);
        Assert.Equal("body ✓", decoded.Published.Message);
        Assert.Equal("subject", decoded.Published.Subject);
        Assert.Equal("group", decoded.Published.MessageGroupId);
        Assert.Equal("given", decoded.Published.MessageDeduplicationId);
        Assert.Equal("json", decoded.Published.MessageStructure);
        var attributes = decoded.Published.Attributes!;
        Assert.Equal(3, attributes.Count);
        Assert.Equal(("String", "value"), (attributes["text"].DataType, attributes["text"].StringValue));
        Assert.Null(attributes["blob"].StringValue);
        Assert.Equal(new byte[] { 0, 1, 255 }, attributes["blob"].BinaryValue!.Value.ToArray());
        Assert.Null(attributes["number"].BinaryValue);
    }

    [Fact]
    public void A_binary_publish_record_keeps_absent_fields_absent()
    {
        var notification = new Notification(Guid.NewGuid(), DateTimeOffset.FromUnixTimeMilliseconds(5), new TopicMessage(""), null, null);

        var (decoded, targets) = TopicJournal.DecodePublishBinary(TopicJournal.EncodePublishBinary(notification, []));

        Assert.Empty(targets);
        Assert.Equal("", decoded.Published.Message);
        Assert.Null(decoded.Published.Attributes);
        Assert.Null(decoded.Published.Subject);
        Assert.Null(decoded.Published.MessageGroupId);
        Assert.Null(decoded.Published.MessageStructure);
        Assert.Null(decoded.SequenceNumber);
        Assert.Null(decoded.DeduplicationId);
    }

    [Fact]
    public void A_damaged_binary_publish_record_is_refused()
    {
        var notification = new Notification(Guid.NewGuid(), DateTimeOffset.UnixEpoch, new TopicMessage("x"), null, null);
        var record = TopicJournal.EncodePublishBinary(notification, Subscriptions());

        Assert.Throws<InvalidDataException>(() => TopicJournal.DecodePublishBinary([.. record, 0]));
        record[0] = 99;
        Assert.Throws<InvalidDataException>(() => TopicJournal.DecodePublishBinary(record));
    }

    [Fact]
    public void A_json_publish_record_of_an_earlier_journal_is_still_read()
    {
        var id = Guid.NewGuid();
        var json = JsonSerializer.SerializeToUtf8Bytes(new
        {
            Id = id,
            TimestampMs = 1_765_000_000_000,
            Message = "old",
            Subject = (string?)null,
            Attributes = new[] { new { Name = "slot", DataType = "String", StringValue = "3", BinaryValue = (byte[]?)null } },
            GroupId = (string?)null,
            DeduplicationIdGiven = (string?)null,
            SequenceNumber = (string?)null,
            DeduplicationId = (string?)null,
            Targets = TargetIds,
        });

        var (decoded, targets) = TopicJournal.DecodePublish(json);

        Assert.Equal(id, decoded.MessageId);
        Assert.Equal("old", decoded.Published.Message);
        Assert.Equal("3", decoded.Published.Attributes!["slot"].StringValue);
        Assert.Equal(TargetIds, targets);
    }

    private static Subscription[] Subscriptions() =>
        [.. TargetIds.Select(id => new Subscription { Id = id, Protocol = "sqs", Endpoint = "q", DeliveryQueue = "q", Confirmed = true })];
}
