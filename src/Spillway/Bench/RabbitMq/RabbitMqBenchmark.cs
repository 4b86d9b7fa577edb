using System.Diagnostics;
using RabbitMQ.Client;

namespace Spillway.Bench.RabbitMq;

/// <summary>Figures of one RabbitMQ run.</summary>
/// <param name="MessagesPerSecond">Confirmed publish + delivery + ack, end to end, with publishers and consumers concurrent
/// (the counterpart of the engine's send + receive + delete headline figure).</param>
/// <param name="PublishOnlyPerSecond">Confirmed publishes per second with no consumer attached.</param>
/// <param name="ConsumeOnlyPerSecond">Deliveries + acks per second of the messages the publish-only phase left.</param>
/// <param name="P99ConfirmMilliseconds">99th percentile time from publish call to broker confirm, concurrent phase.</param>
public sealed record RabbitMqBenchmarkResult(
    double MessagesPerSecond,
    double PublishOnlyPerSecond,
    double ConsumeOnlyPerSecond,
    double P99ConfirmMilliseconds);

/// <summary>
/// The baseline of issue 3: the same workload as <c>spillway bench queue</c> against a RabbitMQ quorum queue, with
/// persistent messages, publisher confirms and manual acks, measured phase by phase as the engine is: a warm-up,
/// publishers and consumers together (the headline), then publish alone, then consume alone.
/// </summary>
public static class RabbitMqBenchmark
{
    // As the engine benchmark's: long enough for the client's code to reach its optimised tier.
    private const int WarmUpMessages = 100_000;

    /// <summary>Runs the benchmark on a fresh quorum queue, deleted afterwards.</summary>
    public static async Task<RabbitMqBenchmarkResult> RunAsync(RabbitMqBenchmarkOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var body = new byte[options.BodyBytes];
        Array.Fill(body, (byte)'x');
        var factory = new ConnectionFactory { Uri = options.Amqp };

        // Publishers and consumers on separate connections, as RabbitMQ advises: flow control that blocks a
        // publishing connection must not hold back the acks that would relieve it.
        await using var publishing = await factory.CreateConnectionAsync("spillway-bench-publish", cancellationToken).ConfigureAwait(false);
        await using var consuming = await factory.CreateConnectionAsync("spillway-bench-consume", cancellationToken).ConfigureAwait(false);
        await using var admin = await publishing.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        var queue = "spillway-bench-" + Guid.NewGuid().ToString("N");
        await admin.QueueDeclareAsync(
            queue,
            durable: true,
            exclusive: false,
            autoDelete: false,
            arguments: new Dictionary<string, object?> { ["x-queue-type"] = "quorum" },
            cancellationToken: cancellationToken).ConfigureAwait(false);
        try
        {
            var publishChannels = await OpenPublishChannelsAsync(publishing, options.PublisherChannels, cancellationToken).ConfigureAwait(false);
            var consumeChannels = await OpenConsumeChannelsAsync(consuming, options, cancellationToken).ConfigureAwait(false);
            try
            {
                var warmUp = Math.Min(options.Messages, WarmUpMessages);
                await PublishAsync(publishChannels, queue, body, warmUp, options.Publishers, null, cancellationToken).ConfigureAwait(false);
                await ConsumeAsync(consumeChannels, queue, warmUp, options.AckEvery, cancellationToken).ConfigureAwait(false);

                // Phase 1: publishers and consumers together (the headline figure). The consumers are attached first,
                // as the engine benchmark starts its drain before its senders.
                var latencies = new double[options.Messages];
                var clock = Stopwatch.StartNew();
                var consumed = ConsumeAsync(consumeChannels, queue, options.Messages, options.AckEvery, cancellationToken);
                await PublishAsync(publishChannels, queue, body, options.Messages, options.Publishers, latencies, cancellationToken)
                    .ConfigureAwait(false);
                await consumed.ConfigureAwait(false);
                var concurrentSeconds = clock.Elapsed.TotalSeconds;

                // Phase 2: publish alone, then consume alone.
                clock.Restart();
                await PublishAsync(publishChannels, queue, body, options.Messages, options.Publishers, null, cancellationToken)
                    .ConfigureAwait(false);
                var publishSeconds = clock.Elapsed.TotalSeconds;
                clock.Restart();
                await ConsumeAsync(consumeChannels, queue, options.Messages, options.AckEvery, cancellationToken).ConfigureAwait(false);
                var consumeSeconds = clock.Elapsed.TotalSeconds;

                Array.Sort(latencies);
                return new RabbitMqBenchmarkResult(
                    options.Messages / concurrentSeconds,
                    options.Messages / publishSeconds,
                    options.Messages / consumeSeconds,
                    latencies[(int)(latencies.Length * 0.99)]);
            }
            finally
            {
                foreach (var channel in publishChannels.Concat(consumeChannels))
                {
                    await channel.DisposeAsync().ConfigureAwait(false);
                }
            }
        }
        finally
        {
            // Not the caller's token: a cancelled run must still leave no queue behind. A closed channel means the
            // broker is gone or has failed the run; its error is the one to report, not a second one from here.
            if (admin.IsOpen)
            {
                await admin.QueueDeleteAsync(queue, ifUnused: false, ifEmpty: false, cancellationToken: CancellationToken.None)
                    .ConfigureAwait(false);
            }
        }
    }

    private static async Task<IChannel[]> OpenPublishChannelsAsync(IConnection connection, int count, CancellationToken cancellationToken)
    {
        // The client tracks confirms and completes each publish when its confirm arrives. Its default limiter would
        // add delays of up to a second once half of 128 permits are taken; the publishers themselves already bound
        // what is outstanding (one message each), so no limiter.
        var options = new CreateChannelOptions(
            publisherConfirmationsEnabled: true,
            publisherConfirmationTrackingEnabled: true,
            outstandingPublisherConfirmationsRateLimiter: null);
        var channels = new IChannel[count];
        for (var i = 0; i < count; i++)
        {
            channels[i] = await connection.CreateChannelAsync(options, cancellationToken).ConfigureAwait(false);
        }

        return channels;
    }

    private static async Task<IChannel[]> OpenConsumeChannelsAsync(
        IConnection connection, RabbitMqBenchmarkOptions options, CancellationToken cancellationToken)
    {
        var channels = new IChannel[options.Consumers];
        for (var i = 0; i < channels.Length; i++)
        {
            channels[i] = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            await channels[i].BasicQosAsync(0, (ushort)options.Prefetch, global: false, cancellationToken).ConfigureAwait(false);
        }

        return channels;
    }

    private static async Task PublishAsync(
        IChannel[] channels, string queue, byte[] body, int total, int publishers, double[]? latencies, CancellationToken cancellationToken)
    {
        var next = -1;
        var tasks = Enumerable.Range(0, publishers).Select(async publisher =>
        {
            await Task.Yield();
            var channel = channels[publisher % channels.Length];

            // One properties object per publisher: with confirm tracking on, the client writes each message's sequence
            // number into its headers, so a shared one would be written by several publishers at once.
            var properties = new BasicProperties { Persistent = true };
            int index;
            while ((index = Interlocked.Increment(ref next)) < total)
            {
                var started = Stopwatch.GetTimestamp();

                // mandatory: an unroutable message comes back as an error instead of being confirmed and dropped.
                await channel.BasicPublishAsync(string.Empty, queue, mandatory: true, properties, body, cancellationToken)
                    .ConfigureAwait(false);
                if (latencies is not null)
                {
                    latencies[index] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                }
            }
        });
        await Task.WhenAll(tasks).ConfigureAwait(false);
    }

    private static async Task ConsumeAsync(IChannel[] channels, string queue, int total, int ackEvery, CancellationToken cancellationToken)
    {
        var tally = new DeliveryTally(total);
        var consumers = channels.Select(channel => new CountingConsumer(channel, tally, ackEvery)).ToArray();
        var tags = new string[consumers.Length];
        for (var i = 0; i < consumers.Length; i++)
        {
            tags[i] = await channels[i].BasicConsumeAsync(queue, autoAck: false, consumers[i], cancellationToken).ConfigureAwait(false);
        }

        await tally.Completed.WaitAsync(cancellationToken).ConfigureAwait(false);

        // Ack what each consumer still holds, then cancel and wait for cancel-ok: the broker's channel handles frames in
        // order, so the phase ends only once it has taken every ack. AMQP confirms no ack, so this is as end to end as
        // the protocol allows.
        for (var i = 0; i < consumers.Length; i++)
        {
            await consumers[i].AckHeldAsync(cancellationToken).ConfigureAwait(false);
            await channels[i].BasicCancelAsync(tags[i], noWait: false, cancellationToken).ConfigureAwait(false);
        }
    }
}
