using System.Text;
using Spillway.Messaging;
using Spillway.Messaging.Streams;
using Spillway.Transport;

namespace Spillway.Processing.Tests;

/// <summary>The "stream" handler against a real embedded stream: what it puts, under which key, and what it refuses.</summary>
public sealed class StreamPutHandlerTests
{
    [Fact]
    public async Task Each_message_becomes_a_record_keyed_by_its_field_else_its_group_else_its_id()
    {
        await using var fixture = await QueueFixture.OpenAsync();
        var stream = await fixture.Engine.Streams.CreateAsync(new StreamDefinition { Name = "readings", ShardCount = 2 });
        var handler = Handler(fixture, "device");
        var byField = Message("""{"device":"d-7","temp":21.5}""");
        var byNumber = Message("""{"device":42}""");
        var byGroup = Message("""{"temp":1}""") with { MessageGroupId = "g-1" };
        var byId = Message("not json");

        var outcome = await handler.HandleAsync(new MessageBatch("in", [byField, byNumber, byGroup, byId]), CancellationToken.None);

        Assert.Empty(outcome.FailedMessageIds);
        var records = stream.Shards
            .SelectMany(s => stream.Read(stream.Seek(s.ShardId, IteratorStart.TrimHorizon), 100).Records)
            .ToDictionary(r => Encoding.UTF8.GetString(r.Data.Span), r => r.PartitionKey);
        Assert.Equal(4, records.Count);
        Assert.Equal("d-7", records["""{"device":"d-7","temp":21.5}"""]);
        Assert.Equal("42", records["""{"device":42}"""]);
        Assert.Equal("g-1", records["""{"temp":1}"""]);
        Assert.Equal(byId.MessageId.ToString("D"), records["not json"]);
    }

    [Fact]
    public async Task A_body_over_the_record_limit_fails_alone_and_a_missing_stream_fails_the_batch()
    {
        await using var fixture = await QueueFixture.OpenAsync();
        var stream = await fixture.Engine.Streams.CreateAsync(new StreamDefinition { Name = "readings", ShardCount = 1 });
        var handler = Handler(fixture, null);
        var huge = Message(new string('x', StreamLimits.MaxRecordBytes));
        var fine = Message("""{"ok":true}""");

        var outcome = await handler.HandleAsync(new MessageBatch("in", [huge, fine]), CancellationToken.None);

        Assert.Equal([huge.MessageId], outcome.FailedMessageIds);
        var kept = stream.Read(stream.Seek(stream.Shards[0].ShardId, IteratorStart.TrimHorizon), 100).Records;
        Assert.Equal("""{"ok":true}""", Encoding.UTF8.GetString(Assert.Single(kept).Data.Span));

        var nowhere = new StreamPutHandler("missing", null, new EmbeddedStreamTransport(fixture.Engine).FindProducer);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => nowhere.HandleAsync(new MessageBatch("in", [fine]), CancellationToken.None).AsTask());
        Assert.Contains("missing", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_batch_larger_than_one_put_goes_in_several_puts_in_order()
    {
        await using var fixture = await QueueFixture.OpenAsync();
        var stream = await fixture.Engine.Streams.CreateAsync(new StreamDefinition { Name = "readings", ShardCount = 1 });
        var messages = Enumerable.Range(0, StreamLimits.MaxPutRecords * 2 + 7).Select(i => Message($$"""{"n":{{i}}}""")).ToList();

        var outcome = await Handler(fixture, "device").HandleAsync(new MessageBatch("in", messages), CancellationToken.None);

        Assert.Empty(outcome.FailedMessageIds);
        var kept = stream.Read(stream.Seek(stream.Shards[0].ShardId, IteratorStart.TrimHorizon), 10_000).Records;
        Assert.Equal(messages.Select(m => Encoding.UTF8.GetString(m.Body.Span)), kept.Select(r => Encoding.UTF8.GetString(r.Data.Span)));
    }

    [Fact]
    public void The_factory_builds_it_from_configuration_and_names_a_missing_stream_key()
    {
        var streams = (Func<string, IStreamProducer?>)(_ => null);
        var handler = Assert.IsType<StreamPutHandler>(MessageHandlerFactory.Create(
            new MessageHandlerOptions { Kind = "stream", Stream = "readings", PartitionKeyField = "device" }, streams: streams));
        Assert.Equal(("readings", "device"), (handler.StreamName, handler.PartitionKeyField));

        var error = Assert.Throws<ArgumentException>(() => MessageHandlerFactory.Create(
            new MessageHandlerOptions { Kind = "stream" }, streams: streams, section: "Workers:w:Handler"));
        Assert.Equal("Workers:w:Handler:Stream is required for a \"stream\" handler", error.Message.Split(" (Parameter")[0]);
    }

    private static StreamPutHandler Handler(QueueFixture fixture, string? field) =>
        new("readings", field, new EmbeddedStreamTransport(fixture.Engine).FindProducer);

    private static ReceivedMessage Message(string body) =>
        new(Guid.NewGuid(), "r", Encoding.UTF8.GetBytes(body), 1, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, 0);
}
