using System.CommandLine;
using System.Globalization;
using RabbitMQ.Client.Exceptions;
using static Spillway.Bench.Support.BenchCommandLine;

namespace Spillway.Bench.Topic;

/// <summary><c>spillway bench topic</c>: confirmed fan-out to filtered queues, the engine's topic against a RabbitMQ headers
/// exchange over quorum queues, in the same run (<c>bench/topics-vs-rabbitmq.sh</c> starts the broker).</summary>
internal static class TopicCommand
{
    public static Command Create()
    {
        var defaults = new TopicBenchmarkOptions { DataDirectory = "" };
        var messages = Int("--messages", "Publishes per run.", defaults.Messages);
        var bytes = Int("--message-bytes", "Bytes of each message body.", defaults.MessageBytes);
        var queues = Int("--queues", "Subscribed queues; each one's filter passes half of the messages.", defaults.Queues);
        var publishers = Int("--publishers", "Concurrent publishers, one publish in flight each.", defaults.Publishers);
        var rounds = Int("--rounds", "Rounds, each contender once per round, in rotating order.", defaults.Rounds);
        var amqp = new Option<string?>("--amqp") { Description = "A RabbitMQ broker (amqp://user:password@host:port/vhost) for the headers-exchange baseline." };
        var dataDir = new Option<string?>("--data-dir") { Description = "Where the engine writes (default: a temp dir)." };
        var json = new Option<bool>("--json") { Description = "Print a JSON object of the medians and the ratio as the last line." };
        var command = new Command("topic", "Confirmed fan-out to filtered queues: engine topic against a RabbitMQ headers exchange.")
        {
            messages, bytes, queues, publishers, rounds, amqp, dataDir, json,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            Uri? broker = null;
            if (result.GetValue(amqp) is { } given && !Uri.TryCreate(given, UriKind.Absolute, out broker))
            {
                await Console.Error.WriteLineAsync("--amqp must be an absolute amqp:// address").ConfigureAwait(false);
                return 2;
            }

            var directory = result.GetValue(dataDir) is { } parent
                ? Directory.CreateDirectory(Path.Combine(parent, "bench-topic-" + Guid.NewGuid().ToString("N")))
                : Directory.CreateTempSubdirectory("spillway-bench-topic-");
            try
            {
                var options = new TopicBenchmarkOptions
                {
                    DataDirectory = directory.FullName,
                    Messages = result.GetValue(messages),
                    MessageBytes = result.GetValue(bytes),
                    Queues = result.GetValue(queues),
                    Publishers = result.GetValue(publishers),
                    Rounds = result.GetValue(rounds),
                    Amqp = broker,
                };
                if (!await TryValidateAsync(options.Validate).ConfigureAwait(false))
                {
                    return 2;
                }

                return await RunAsync(options, result.GetValue(json), cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                directory.Delete(recursive: true);
            }
        });
        return command;
    }

    private static async Task<int> RunAsync(TopicBenchmarkOptions options, bool json, CancellationToken cancellationToken)
    {
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"topic: {options.Messages:N0} publishes of {options.MessageBytes} B per run to {options.Queues} filtered queues (each takes half); " +
            $"{options.Publishers} publishers, each awaiting its answer; {options.Rounds} round(s)"));
        var contenders = new List<TopicContender>();
        try
        {
            contenders.Add(await EngineTopicContender.OpenAsync(options.DataDirectory, options.Queues, options.Publishers, cancellationToken)
                .ConfigureAwait(false));
            if (options.Amqp is { } amqp)
            {
                contenders.Add(await RabbitMqHeadersContender.ConnectAsync(amqp, options.Queues, options.Publishers, cancellationToken)
                    .ConfigureAwait(false));
            }

            var figures = await TopicBenchmark.RunAsync(options, contenders, Console.Out, cancellationToken).ConfigureAwait(false);
            TopicBenchmark.Report(Console.Out, options, figures, json);
            return 0;
        }
        catch (Exception e) when (e is BrokerUnreachableException or OperationInterruptedException or RabbitMQClientException)
        {
            // The client's messages name the endpoint and the broker's reply, never the password.
            await Console.Error.WriteLineAsync($"RabbitMQ failed: {e.Message}").ConfigureAwait(false);
            return 1;
        }
        finally
        {
            foreach (var contender in contenders)
            {
                await contender.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
