using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using System.Text.Json;

namespace Spillway.Kinesis.Tests;

/// <summary>Enhanced fan-out: registering consumers, and SubscribeToShard's event stream read frame by frame.</summary>
public sealed class ConsumerTests : IAsyncLifetime
{
    private KinesisTestServer server = null!;

    public async Task InitializeAsync()
    {
        server = await KinesisTestServer.StartAsync();
        await server.CreateStreamAsync("fan");
    }

    public async Task DisposeAsync() => await server.DisposeAsync();

    [Fact]
    public async Task Consumer_is_registered_described_listed_and_deregistered()
    {
        var registered = await server.JsonAsync("RegisterStreamConsumer", new { StreamARN = KinesisTestServer.StreamArn("fan"), ConsumerName = "app" });
        registered.AssertOk();
        var arn = registered.Body.GetProperty("Consumer").GetProperty("ConsumerARN").GetString()!;
        Assert.StartsWith(KinesisTestServer.StreamArn("fan") + "/consumer/app:", arn, StringComparison.Ordinal);

        var described = await server.JsonAsync("DescribeStreamConsumer", new { ConsumerARN = arn });
        var listed = await server.JsonAsync("ListStreamConsumers", new { StreamARN = KinesisTestServer.StreamArn("fan") });
        Assert.Equal("ACTIVE", described.Body.GetProperty("ConsumerDescription").GetProperty("ConsumerStatus").GetString());
        Assert.Equal(arn, Assert.Single(listed.Body.GetProperty("Consumers").EnumerateArray()).GetProperty("ConsumerARN").GetString());
        (await server.JsonAsync("RegisterStreamConsumer", new { StreamARN = KinesisTestServer.StreamArn("fan"), ConsumerName = "app" }))
            .AssertError("ResourceInUseException");
        (await server.JsonAsync("DeleteStream", new { StreamName = "fan" })).AssertError("ResourceInUseException");

        (await server.JsonAsync("DeregisterStreamConsumer", new { StreamARN = KinesisTestServer.StreamArn("fan"), ConsumerName = "app" })).AssertOk();
        (await server.JsonAsync("DescribeStreamConsumer", new { ConsumerARN = arn })).AssertError("ResourceNotFoundException");
    }

    [Fact]
    public async Task SubscribeToShard_streams_records_as_they_arrive_and_ends_after_five_minutes()
    {
        var arn = await RegisterAsync("efo");
        await server.JsonAsync("PutRecord", new { StreamName = "fan", PartitionKey = "k", Data = Convert.ToBase64String("before"u8.ToArray()) });

        using var response = await SubscribeAsync(arn, "TRIM_HORIZON");
        Assert.Equal("application/vnd.amazon.eventstream", response.Content.Headers.ContentType?.MediaType);
        await using var body = await response.Content.ReadAsStreamAsync();

        var initial = await ReadMessageAsync(body);
        Assert.Equal("initial-response", initial.Headers[":event-type"]);
        var first = await ReadMessageAsync(body);
        Assert.Equal("SubscribeToShardEvent", first.Headers[":event-type"]);
        Assert.Equal("event", first.Headers[":message-type"]);
        Assert.Equal("before", Data(first.Payload)[0]);

        var again = await server.JsonAsync("SubscribeToShard", new
        {
            ConsumerARN = arn, ShardId = "shardId-000000000000", StartingPosition = new { Type = "LATEST" },
        });
        again.AssertError("ResourceInUseException");
        var put = await server.JsonAsync("PutRecord", new { StreamName = "fan", PartitionKey = "k", Data = Convert.ToBase64String("after"u8.ToArray()) });
        var second = await ReadMessageAsync(body);
        Assert.Equal(["after"], Data(second.Payload));
        Assert.Equal(put.String("SequenceNumber"), second.Payload.GetProperty("ContinuationSequenceNumber").GetString());

        server.Clock.Advance(TimeSpan.FromMinutes(5));
        while (await TryReadMessageAsync(body) is { } heartbeat)
        {
            Assert.Empty(Data(heartbeat.Payload));
        }
    }

    [Fact]
    public async Task Empty_event_before_any_record_carries_a_continuation_that_resumes_where_it_stood()
    {
        var arn = await RegisterAsync("idle");
        await server.JsonAsync("PutRecord", new { StreamName = "fan", PartitionKey = "k", Data = Convert.ToBase64String("old"u8.ToArray()) });

        using var response = await SubscribeAsync(arn, "LATEST");
        await using var body = await response.Content.ReadAsStreamAsync();
        Assert.Equal("initial-response", (await ReadMessageAsync(body)).Headers[":event-type"]);
        // The subscription waits on the injected clock for a heartbeat; move it on until the empty event comes.
        var reading = ReadMessageAsync(body);
        for (var step = 0; step < 50 && await Task.WhenAny(reading, Task.Delay(20)) != reading; step++)
        {
            server.Clock.Advance(TimeSpan.FromSeconds(5));
        }

        var idle = (await reading.WaitAsync(TimeSpan.FromSeconds(10))).Payload;
        Assert.Empty(Data(idle));
        var continuation = idle.GetProperty("ContinuationSequenceNumber").GetString();
        Assert.False(string.IsNullOrEmpty(continuation), "an empty event without a ContinuationSequenceNumber");
        await server.JsonAsync("PutRecord", new { StreamName = "fan", PartitionKey = "k", Data = Convert.ToBase64String("new"u8.ToArray()) });

        var iterator = await server.JsonAsync("GetShardIterator", new
        {
            StreamName = "fan", ShardId = "shardId-000000000000", ShardIteratorType = "AFTER_SEQUENCE_NUMBER", StartingSequenceNumber = continuation,
        });
        var records = await server.JsonAsync("GetRecords", new { ShardIterator = iterator.String("ShardIterator") });
        Assert.Equal(["new"], Data(records.Body));
    }

    private async Task<string> RegisterAsync(string consumer)
    {
        var registered = await server.JsonAsync("RegisterStreamConsumer", new { StreamARN = KinesisTestServer.StreamArn("fan"), ConsumerName = consumer });
        return registered.Body.GetProperty("Consumer").GetProperty("ConsumerARN").GetString()!;
    }

    /// <summary>Subscribes the consumer to shard 0 in JSON and answers once the headers are in; the events follow in the body.</summary>
    private async Task<HttpResponseMessage> SubscribeAsync(string consumerArn, string startingType)
    {
        using var request = KinesisTestServer.Request("SubscribeToShard", JsonSerializer.Serialize(new
        {
            ConsumerARN = consumerArn, ShardId = "shardId-000000000000", StartingPosition = new { Type = startingType },
        }), "application/x-amz-json-1.1");
        return await server.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }

    private static List<string> Data(JsonElement payload) =>
        [.. payload.GetProperty("Records").EnumerateArray().Select(r => Encoding.UTF8.GetString(Convert.FromBase64String(r.GetProperty("Data").GetString()!)))];

    private static async Task<(Dictionary<string, string> Headers, JsonElement Payload)> ReadMessageAsync(Stream body) =>
        await TryReadMessageAsync(body) ?? throw new InvalidOperationException("the event stream ended");

    /// <summary>One event stream message, its CRCs checked; null at the end of the stream.</summary>
    private static async Task<(Dictionary<string, string> Headers, JsonElement Payload)?> TryReadMessageAsync(Stream body)
    {
        var prelude = new byte[12];
        if (await body.ReadAtLeastAsync(prelude, 12, throwOnEndOfStream: false) == 0)
        {
            return null;
        }

        var total = BinaryPrimitives.ReadInt32BigEndian(prelude);
        var headerLength = BinaryPrimitives.ReadInt32BigEndian(prelude.AsSpan(4));
        Assert.Equal(BinaryPrimitives.ReadUInt32BigEndian(prelude.AsSpan(8)), Crc32.HashToUInt32(prelude.AsSpan(0, 8)));
        var message = new byte[total];
        prelude.CopyTo(message, 0);
        await body.ReadExactlyAsync(message.AsMemory(12));
        Assert.Equal(BinaryPrimitives.ReadUInt32BigEndian(message.AsSpan(total - 4)), Crc32.HashToUInt32(message.AsSpan(0, total - 4)));
        var headers = new Dictionary<string, string>();
        var at = 12;
        while (at < 12 + headerLength)
        {
            var name = Encoding.UTF8.GetString(message, at + 1, message[at]);
            at += 1 + message[at];
            Assert.Equal(7, message[at++]);
            var length = BinaryPrimitives.ReadUInt16BigEndian(message.AsSpan(at));
            headers[name] = Encoding.UTF8.GetString(message, at + 2, length);
            at += 2 + length;
        }

        using var payload = JsonDocument.Parse(message.AsMemory(at, total - 4 - at));
        return (headers, payload.RootElement.Clone());
    }
}
