using System.Diagnostics;
using System.Globalization;
using RabbitMQ.Client;

namespace Spillway.Bench.Topic;

/// <summary>
/// RabbitMQ's own way to fan out by attribute: a headers exchange bound to durable quorum queues, one binding per slot a
/// queue takes (<c>x-match: all</c> on the <c>slot</c> header), persistent messages, and publisher confirms, which a
/// broker sends once every queue the message was routed to has it. Each publisher awaits its confirm before its next
/// publish, as an SNS client awaits its answer. A fresh exchange and queues per run, deleted afterwards.
/// </summary>
internal sealed class RabbitMqHeadersContender(IConnection connection, int queues, int publishers) : TopicContender
{
    public override string Name => "rabbitmq headers";

    public static async Task<RabbitMqHeadersContender> ConnectAsync(Uri amqp, int queues, int publishers, CancellationToken cancellationToken)
    {
        var connection = await new ConnectionFactory { Uri = amqp }
            .CreateConnectionAsync("spillway-bench-topic", cancellationToken).ConfigureAwait(false);
        return new RabbitMqHeadersContender(connection, queues, publishers);
    }

    public override async Task<double> RunAsync(byte[] body, int messages, CancellationToken cancellationToken)
    {
        var run = "spillway-bench-topic-" + Guid.NewGuid().ToString("N")[..12];
        var names = Enumerable.Range(0, queues).Select(q => $"{run}-{q}").ToArray();
        await using var admin = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        await admin.ExchangeDeclareAsync(run, ExchangeType.Headers, durable: true, autoDelete: false, cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        try
        {
            for (var q = 0; q < queues; q++)
            {
                await admin.QueueDeclareAsync(
                    names[q],
                    durable: true,
                    exclusive: false,
                    autoDelete: false,
                    arguments: new Dictionary<string, object?> { ["x-queue-type"] = "quorum" },
                    cancellationToken: cancellationToken).ConfigureAwait(false);
                foreach (var slot in SlotsOf(q, queues))
                {
                    await admin.QueueBindAsync(
                        names[q],
                        run,
                        string.Empty,
                        new Dictionary<string, object?> { ["x-match"] = "all", ["slot"] = slot.ToString(CultureInfo.InvariantCulture) },
                        cancellationToken: cancellationToken).ConfigureAwait(false);
                }
            }

            var confirming = new CreateChannelOptions(
                publisherConfirmationsEnabled: true,
                publisherConfirmationTrackingEnabled: true,
                outstandingPublisherConfirmationsRateLimiter: null);
            var channels = new IChannel[publishers];
            for (var i = 0; i < channels.Length; i++)
            {
                channels[i] = await connection.CreateChannelAsync(confirming, cancellationToken).ConfigureAwait(false);
            }

            try
            {
                var dealer = new Dealer(messages);
                var clock = Stopwatch.StartNew();
                await Task.WhenAll(channels.Select(channel => PublishAsync(channel, run, body, dealer, cancellationToken))).ConfigureAwait(false);
                var seconds = clock.Elapsed.TotalSeconds;
                for (var q = 0; q < queues; q++)
                {
                    var held = (await admin.QueueDeclarePassiveAsync(names[q], cancellationToken).ConfigureAwait(false)).MessageCount;
                    if (held != ExpectedIn(q, queues, messages))
                    {
                        throw new InvalidOperationException(
                            $"Queue {q} holds {held} messages; the bindings select {ExpectedIn(q, queues, messages)}.");
                    }
                }

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
            // Not the caller's token: a cancelled run still leaves nothing behind.
            if (admin.IsOpen)
            {
                foreach (var name in names)
                {
                    await admin.QueueDeleteAsync(name, ifUnused: false, ifEmpty: false, cancellationToken: CancellationToken.None).ConfigureAwait(false);
                }

                await admin.ExchangeDeleteAsync(run, ifUnused: false, cancellationToken: CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    public override ValueTask DisposeAsync() => connection.DisposeAsync();

    private async Task PublishAsync(IChannel channel, string exchange, byte[] body, Dealer dealer, CancellationToken cancellationToken)
    {
        await Task.Yield();
        while (dealer.TryTake(out var index))
        {
            var properties = new BasicProperties
            {
                Persistent = true,
                Headers = new Dictionary<string, object?> { ["slot"] = (index % queues).ToString(CultureInfo.InvariantCulture) },
            };
            await channel.BasicPublishAsync(exchange, string.Empty, mandatory: true, properties, body, cancellationToken).ConfigureAwait(false);
        }
    }
}
