using System.Diagnostics;
using RabbitMQ.Client;
using Spillway.Bench.RabbitMq;

namespace Spillway.Bench.Stream;

/// <summary>
/// A RabbitMQ stream queue (<c>x-queue-type: stream</c>) over AMQP 0-9-1, used as carefully as the engine: persistent
/// messages, each batch published with its publisher confirms awaited (the counterpart of a durable put of a batch), and
/// one consumer reading the queue from its first offset (<c>x-stream-offset: first</c>) with manual acks, which a stream
/// consumer needs for its credit. A fresh queue per run, deleted afterwards.
/// </summary>
internal sealed class RabbitMqStreamContender(IConnection publishing, IConnection consuming, int producers, int batchSize) : StreamContender
{
    private const int Prefetch = 1000;
    private const int AckEvery = 100;

    public override string Name => "rabbitmq stream";

    public static async Task<RabbitMqStreamContender> ConnectAsync(Uri amqp, int producers, int batchSize, CancellationToken cancellationToken)
    {
        var factory = new ConnectionFactory { Uri = amqp };

        // Separate connections, as RabbitMQ advises: flow control on the publishing one must not hold back the reader.
        var publishing = await factory.CreateConnectionAsync("spillway-bench-stream-publish", cancellationToken).ConfigureAwait(false);
        var consuming = await factory.CreateConnectionAsync("spillway-bench-stream-consume", cancellationToken).ConfigureAwait(false);
        return new RabbitMqStreamContender(publishing, consuming, producers, batchSize);
    }

    public override async Task<double> RunAsync(byte[] body, int records, CancellationToken cancellationToken)
    {
        var queue = "spillway-bench-stream-" + Guid.NewGuid().ToString("N");
        await using var admin = await publishing.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        await admin.QueueDeclareAsync(
            queue,
            durable: true,
            exclusive: false,
            autoDelete: false,
            arguments: new Dictionary<string, object?> { ["x-queue-type"] = "stream" },
            cancellationToken: cancellationToken).ConfigureAwait(false);
        try
        {
            // The client completes a publish once its confirm arrives; its default limiter would delay publishes once
            // half of its permits are taken, and each producer already bounds what it has in flight to one batch.
            var confirming = new CreateChannelOptions(
                publisherConfirmationsEnabled: true,
                publisherConfirmationTrackingEnabled: true,
                outstandingPublisherConfirmationsRateLimiter: null);
            var channels = new IChannel[producers];
            for (var i = 0; i < channels.Length; i++)
            {
                channels[i] = await publishing.CreateChannelAsync(confirming, cancellationToken).ConfigureAwait(false);
            }

            await using var reading = await consuming.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            await reading.BasicQosAsync(0, Prefetch, global: false, cancellationToken).ConfigureAwait(false);
            var tally = new DeliveryTally(records);
            var consumer = new CountingConsumer(reading, tally, AckEvery);
            try
            {
                var clock = Stopwatch.StartNew();
                var tag = await reading.BasicConsumeAsync(
                    queue,
                    autoAck: false,
                    consumerTag: "",
                    noLocal: false,
                    exclusive: false,
                    arguments: new Dictionary<string, object?> { ["x-stream-offset"] = "first" },
                    consumer,
                    cancellationToken).ConfigureAwait(false);
                var dealer = new BatchDealer(records, batchSize);
                await Task.WhenAll(channels.Select(channel => PublishAsync(channel, queue, body, dealer, cancellationToken))).ConfigureAwait(false);
                await tally.Completed.WaitAsync(cancellationToken).ConfigureAwait(false);
                var seconds = clock.Elapsed.TotalSeconds;
                await consumer.AckHeldAsync(cancellationToken).ConfigureAwait(false);
                await reading.BasicCancelAsync(tag, noWait: false, cancellationToken).ConfigureAwait(false);
                return seconds;
            }
            finally
            {
                foreach (var channel in channels)
                {
                    await channel.DisposeAsync().ConfigureAwait(false);
                }
            }
        }
        finally
        {
            // Not the caller's token: a cancelled run still leaves no queue behind.
            if (admin.IsOpen)
            {
                await admin.QueueDeleteAsync(queue, ifUnused: false, ifEmpty: false, cancellationToken: CancellationToken.None)
                    .ConfigureAwait(false);
            }
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await publishing.DisposeAsync().ConfigureAwait(false);
        await consuming.DisposeAsync().ConfigureAwait(false);
    }

    private static async Task PublishAsync(IChannel channel, string queue, byte[] body, BatchDealer dealer, CancellationToken cancellationToken)
    {
        await Task.Yield();
        var publishes = new List<Task>();
        while (dealer.TryTake(out _, out var count))
        {
            publishes.Clear();
            for (var i = 0; i < count; i++)
            {
                // One properties object per message: with confirm tracking the client writes each one's sequence number
                // into its headers.
                var properties = new BasicProperties { Persistent = true };
                publishes.Add(channel.BasicPublishAsync(string.Empty, queue, mandatory: true, properties, body, cancellationToken).AsTask());
            }

            await Task.WhenAll(publishes).ConfigureAwait(false);
        }
    }
}
