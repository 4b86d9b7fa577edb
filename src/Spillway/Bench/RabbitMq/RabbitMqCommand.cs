using System.CommandLine;
using RabbitMQ.Client.Exceptions;
using static Spillway.Bench.Support.BenchCommandLine;

namespace Spillway.Bench.RabbitMq;

/// <summary><c>spillway bench rabbitmq</c>: the RabbitMQ quorum-queue baseline that <c>bench/queue-vs-rabbitmq.sh</c>
/// compares the engine with.</summary>
public static class RabbitMqCommand
{
    public static Command Create()
    {
        var defaults = new RabbitMqBenchmarkOptions { Amqp = new Uri("amqp://localhost/") };
        var amqp = new Option<string>("--amqp") { Description = "The broker: amqp://user:password@host:port/vhost.", Required = true };
        var messages = Int("--messages", "Messages to publish, consume and ack per phase.", defaults.Messages);
        var publishers = Int("--publishers", "Concurrent publishers, one message in flight each.", defaults.Publishers);
        var channels = Int("--channels", "Channels the publishers share.", defaults.PublisherChannels);
        var consumers = Int("--consumers", "Concurrent consumers, one channel each.", defaults.Consumers);
        var prefetch = Int("--prefetch", "Unacknowledged deliveries per consumer (basic.qos).", defaults.Prefetch);
        var ackEvery = Int("--ack-every", "Ack with multiple=true every this many deliveries (1: ack each one).", defaults.AckEvery);
        var json = new Option<bool>("--json") { Description = "Print a JSON object with messagesPerSecond as the last line." };
        var command = new Command("rabbitmq", "Baseline: the same workload against a RabbitMQ quorum queue (confirms, manual acks).")
        {
            amqp, messages, publishers, channels, consumers, prefetch, ackEvery, json,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            if (!Uri.TryCreate(result.GetValue(amqp), UriKind.Absolute, out var address))
            {
                await Console.Error.WriteLineAsync("--amqp must be an absolute amqp:// address").ConfigureAwait(false);
                return 2;
            }

            var options = new RabbitMqBenchmarkOptions
            {
                Amqp = address,
                Messages = result.GetValue(messages),
                Publishers = result.GetValue(publishers),
                PublisherChannels = result.GetValue(channels),
                Consumers = result.GetValue(consumers),
                Prefetch = result.GetValue(prefetch),
                AckEvery = result.GetValue(ackEvery),
            };
            if (!await TryValidateAsync(options.Validate).ConfigureAwait(false))
            {
                return 2;
            }

            return await RunAsync(options, result.GetValue(json), cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    private static async Task<int> RunAsync(RabbitMqBenchmarkOptions options, bool json, CancellationToken cancellationToken)
    {
        Console.WriteLine(
            $"rabbitmq: {options.RedactedAmqp}, quorum queue, {options.Messages:N0} persistent messages of {options.BodyBytes} bytes; " +
            $"{options.Publishers} publishers on {options.PublisherChannels} channels awaiting confirms; " +
            $"{options.Consumers} consumers, prefetch {options.Prefetch}, " +
            (options.AckEvery == 1 ? "one ack per delivery" : $"one multiple-ack per {options.AckEvery} deliveries"));
        RabbitMqBenchmarkResult figures;
        try
        {
            figures = await RabbitMqBenchmark.RunAsync(options, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is BrokerUnreachableException or OperationInterruptedException or RabbitMQClientException)
        {
            // The client's messages name the endpoint and the broker's reply, never the password.
            await Console.Error.WriteLineAsync($"RabbitMQ at {options.RedactedAmqp} failed: {Describe(e)}").ConfigureAwait(false);
            return 1;
        }

        Console.WriteLine($"messages/s (publish + consume + ack, concurrent): {figures.MessagesPerSecond:N0}");
        Console.WriteLine($"publish-only messages/s: {figures.PublishOnlyPerSecond:N0}; consume-only messages/s: {figures.ConsumeOnlyPerSecond:N0}");
        Console.WriteLine($"p99 time to confirm: {figures.P99ConfirmMilliseconds:F2} ms");
        if (json)
        {
            WriteJson(new Dictionary<string, double>
            {
                ["messagesPerSecond"] = Math.Round(figures.MessagesPerSecond),
                ["publishOnlyPerSecond"] = Math.Round(figures.PublishOnlyPerSecond),
                ["consumeOnlyPerSecond"] = Math.Round(figures.ConsumeOnlyPerSecond),
                ["p99ConfirmMilliseconds"] = Math.Round(figures.P99ConfirmMilliseconds, 3),
            });
        }

        return 0;
    }

    private static string Describe(Exception e) => e.InnerException is { } inner ? $"{e.Message} ({inner.Message})" : e.Message;
}
