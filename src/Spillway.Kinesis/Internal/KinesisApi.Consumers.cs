using System.Collections.Concurrent;
using Spillway.Aws;
using Spillway.Aws.Protocols;
using Spillway.Messaging.Streams;

namespace Spillway.Kinesis.Internal;

/// <summary>Enhanced fan-out: registered consumers, and SubscribeToShard's event stream.</summary>
internal sealed partial class KinesisApi
{
    // Kinesis's subscription lasts five minutes; the client subscribes again from ContinuationSequenceNumber.
    private static readonly TimeSpan SubscriptionLifetime = TimeSpan.FromMinutes(5);

    // An idle subscription still sends an event this often, so the client knows it is alive.
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(5);

    // One subscription per consumer and shard at a time, as in Kinesis (a second one is ResourceInUseException).
    private readonly ConcurrentDictionary<(string Consumer, string Shard), bool> subscriptions = new();

    private async ValueTask RegisterConsumerAsync(AwsCall call)
    {
        var stream = StreamOfArn(Required(call, "StreamARN"));
        var consumer = await stream.RegisterConsumerAsync(Required(call, "ConsumerName"), call.Aborted).ConfigureAwait(false);
        var r = call.Response;
        r.Begin(call.Action);
        r.BeginStructure("Consumer");
        WriteConsumer(r, stream, consumer);
        r.EndStructure("Consumer");
        r.End(call.Action, call.RequestId);
    }

    private ValueTask DescribeConsumer(AwsCall call)
    {
        var (stream, consumer) = Consumer(call);
        var r = call.Response;
        r.Begin(call.Action);
        r.BeginStructure("ConsumerDescription");
        WriteConsumer(r, stream, consumer);
        r.String("StreamARN", StreamArn(stream.Name));
        r.EndStructure("ConsumerDescription");
        r.End(call.Action, call.RequestId);
        return ValueTask.CompletedTask;
    }

    private ValueTask ListConsumers(AwsCall call)
    {
        var stream = StreamOfArn(Required(call, "StreamARN"));
        var limit = Bounded(call, "MaxResults", 1, 10_000) ?? 100;
        var after = call.Input.String("NextToken") is { } token ? ListToken.Read(token, "consumers", time).After : null;
        var consumers = stream.Consumers.Where(c => after is null || string.CompareOrdinal(c.Name, after) > 0).ToList();
        var r = call.Response;
        r.Begin(call.Action);
        r.BeginList("Consumers");
        foreach (var consumer in consumers.Take(limit))
        {
            r.BeginItem("member");
            WriteConsumer(r, stream, consumer);
            r.EndItem("member");
        }

        r.EndList();
        if (consumers.Count > limit)
        {
            r.String("NextToken", ListToken.Issue("consumers", consumers[limit - 1].Name, time));
        }

        r.End(call.Action, call.RequestId);
        return ValueTask.CompletedTask;
    }

    private async ValueTask DeregisterConsumerAsync(AwsCall call)
    {
        var (stream, consumer) = Consumer(call);
        await stream.DeregisterConsumerAsync(consumer.Name, call.Aborted).ConfigureAwait(false);
        call.Response.Empty(call.Action, call.RequestId);
    }

    private async ValueTask SubscribeToShardAsync(AwsCall call)
    {
        var arn = Required(call, "ConsumerARN");
        var (stream, consumer) = ConsumerOfArn(arn);
        var shard = Required(call, "ShardId");
        var starting = call.Input.Structure("StartingPosition")
            ?? throw KinesisErrors.Shape("1 validation error detected: Value null at 'startingPosition' failed to satisfy constraint: Member must not be null.");
        var start = IteratorStartOf(starting.String("Type") ?? string.Empty, "startingPosition.type");
        var sequence = starting.String("SequenceNumber");
        var position = Seek(stream, shard, start, sequence, starting.Timestamp("Timestamp"));
        var key = (arn, shard);
        if (!subscriptions.TryAdd(key, true))
        {
            throw new AwsException(KinesisErrors.ResourceInUse, $"Consumer {consumer.Name} already has a subscription to shard {shard}.");
        }

        try
        {
            var events = await AwsEventStream.OpenAsync(call).ConfigureAwait(false);
            await events.SendAsync("initial-response", static _ => { }).ConfigureAwait(false);
            var continuation = start == IteratorStart.AfterSequenceNumber ? sequence : null;
            var deadline = time.GetUtcNow() + SubscriptionLifetime;
            while (!call.Aborted.IsCancellationRequested)
            {
                var remaining = deadline - time.GetUtcNow();
                if (remaining <= TimeSpan.Zero)
                {
                    return;
                }

                // An idle shard is waited on (woken by the next put), up to the heartbeat, then reported as an empty event.
                await stream.WaitForRecordsAsync(position, remaining < Heartbeat ? remaining : Heartbeat, call.Aborted).ConfigureAwait(false);
                ShardReadResult read;
                try
                {
                    read = stream.Read(position, StreamLimits.MaxGetRecordsLimit, StreamLimits.ShardReadBytesPerSecond);
                }
                catch (StreamNotFoundException gone)
                {
                    await events.SendErrorAsync(KinesisErrors.ResourceNotFound, gone.Message).ConfigureAwait(false);
                    return;
                }

                // Every event carries where to subscribe again from (AFTER_SEQUENCE_NUMBER), even one before any record.
                if (read.Records.Count > 0)
                {
                    continuation = read.Records[^1].SequenceNumber;
                }
                else
                {
                    continuation ??= stream.SequenceNumberBefore(position);
                }

                await events.SendAsync("SubscribeToShardEvent", r =>
                {
                    WriteRecords(r, read.Records);
                    r.String("ContinuationSequenceNumber", read.Next is null ? null : continuation);
                    r.Number("MillisBehindLatest", read.MillisBehindLatest);
                    WriteChildShards(r, read.ChildShards);
                }).ConfigureAwait(false);
                if (read.Next is not { } next)
                {
                    return;
                }

                position = next;
            }
        }
        catch (OperationCanceledException) when (call.Aborted.IsCancellationRequested)
        {
            // The client ended the subscription.
        }
        finally
        {
            subscriptions.TryRemove(key, out _);
        }
    }

    private DataStream StreamOfArn(string arn)
    {
        var name = NameOfArn(arn, "StreamARN");
        return streams.TryGet(name, out var stream) ? stream : throw NotFound(name);
    }

    /// <summary>The consumer a request names by <c>ConsumerARN</c>, or by <c>StreamARN</c> and <c>ConsumerName</c>.</summary>
    private (DataStream Stream, RegisteredConsumer Consumer) Consumer(AwsCall call)
    {
        if (call.Input.String("ConsumerARN") is { } arn)
        {
            return ConsumerOfArn(arn);
        }

        var stream = StreamOfArn(call.Input.String("StreamARN")
            ?? throw KinesisErrors.Invalid("Either ConsumerARN, or StreamARN and ConsumerName, must be provided."));
        var name = Required(call, "ConsumerName");
        return (stream, stream.Consumers.FirstOrDefault(c => c.Name == name) ?? throw ConsumerNotFound(name, stream));
    }

    private (DataStream Stream, RegisteredConsumer Consumer) ConsumerOfArn(string arn)
    {
        var marker = arn.IndexOf("/consumer/", StringComparison.Ordinal);
        if (marker < 0)
        {
            throw KinesisErrors.Shape($"1 validation error detected: Value '{arn}' at 'consumerARN' is not a consumer ARN.");
        }

        var stream = StreamOfArn(arn[..marker]);
        var consumer = stream.Consumers.FirstOrDefault(c => ConsumerArn(stream, c) == arn)
            ?? throw ConsumerNotFound(arn[(marker + "/consumer/".Length)..].Split(':')[0], stream);
        return (stream, consumer);
    }

    private AwsException ConsumerNotFound(string name, DataStream stream) => new(
        KinesisErrors.ResourceNotFound, $"Consumer {name} of stream {stream.Name} under account {account.AccountId} not found.");

    private void WriteConsumer(AwsResponse r, DataStream stream, RegisteredConsumer consumer)
    {
        r.String("ConsumerName", consumer.Name);
        r.String("ConsumerARN", ConsumerArn(stream, consumer));
        r.String("ConsumerStatus", "ACTIVE");
        r.Timestamp("ConsumerCreationTimestamp", consumer.CreatedAt);
    }
}
