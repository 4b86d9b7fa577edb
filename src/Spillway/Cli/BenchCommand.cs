using System.CommandLine;
using System.Text.Json;
using Spillway.Bench.Queue;
using Spillway.Bench.Spike;
using Spillway.Bench.Support;

namespace Spillway.Cli;

/// <summary><c>spillway bench …</c>: benchmark programs that print figures and ratios against a baseline measured in the same run.</summary>
internal static class BenchCommand
{
    public static Command Create() => new("bench", "Benchmarks: figures and ratios against baselines measured in the same run.")
    {
        Spike(),
        Queue(),
        Spillway.Bench.RabbitMq.RabbitMqCommand.Create(),
        Spillway.Bench.Sqs.SqsCommand.Create(),
        BareKestrelServer(),
    };

    private static Command Spike()
    {
        var records = new Option<int>("--records") { Description = "Records to fire.", DefaultValueFactory = _ => 100_000 };
        var clients = new Option<int>("--clients") { Description = "Concurrent clients.", DefaultValueFactory = _ => 256 };
        var database = new Option<string?>("--database") { Description = "postgresql://… to drain into (default: SQLite in a temp dir)." };
        var json = new Option<bool>("--json") { Description = "Print a JSON summary as the last line." };
        var command = new Command("spike", "Fire a burst at /submit; compare with bare Kestrel and PostgreSQL COPY.")
        {
            records, clients, database, json,
        };
        command.SetAction((result, cancellationToken) => SpikeBenchmark.RunAsync(
            new SpikeOptions(result.GetValue(records), result.GetValue(clients), result.GetValue(database), result.GetValue(json)),
            Console.Out,
            cancellationToken));
        return command;
    }

    private static Command Queue()
    {
        var messages = new Option<int>("--messages") { Description = "Messages to send, receive and delete.", DefaultValueFactory = _ => 200_000 };
        var senders = new Option<int>("--senders") { Description = "Concurrent single-message senders.", DefaultValueFactory = _ => 64 };
        var backlog = new Option<int>("--backlog") { Description = "Messages left waiting in the queue before measuring." };
        var dataDir = new Option<string?>("--data-dir") { Description = "Where to put the queue (default: a temp dir on the same disk as /tmp)." };
        var json = new Option<bool>("--json") { Description = "Print a JSON object with messagesPerSecond as the last line." };
        var command = new Command("queue", "Durable send + receive + delete through the embedded engine, in process.")
        {
            messages, senders, backlog, dataDir, json,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            var directory = result.GetValue(dataDir) is { } given
                ? Directory.CreateDirectory(Path.Combine(given, "bench-" + Guid.NewGuid().ToString("N")))
                : Directory.CreateTempSubdirectory("spillway-bench-queue-");
            try
            {
                var figures = await QueueBenchmark.RunAsync(
                    new QueueBenchmarkOptions
                    {
                        DataDirectory = directory.FullName,
                        Messages = result.GetValue(messages),
                        Senders = result.GetValue(senders),
                        Backlog = result.GetValue(backlog),
                    },
                    cancellationToken).ConfigureAwait(false);
                Console.WriteLine($"messages/s (send + receive + delete, concurrent): {figures.MessagesPerSecond:N0}");
                Console.WriteLine($"send-only messages/s: {figures.SendOnlyPerSecond:N0}; drain-only messages/s: {figures.DrainPerSecond:N0}");
                Console.WriteLine($"fsyncs/s: {figures.FsyncsPerSecond:N0}; messages per fsync: {figures.MessagesPerFsync:N1}");
                Console.WriteLine($"p99 time to durable: {figures.P99SendMilliseconds:F2} ms");
                if (result.GetValue(json))
                {
                    Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, double>
                    {
                        ["messagesPerSecond"] = Math.Round(figures.MessagesPerSecond),
                        ["sendOnlyPerSecond"] = Math.Round(figures.SendOnlyPerSecond),
                        ["drainPerSecond"] = Math.Round(figures.DrainPerSecond),
                        ["fsyncsPerSecond"] = Math.Round(figures.FsyncsPerSecond),
                        ["messagesPerFsync"] = Math.Round(figures.MessagesPerFsync, 1),
                        ["p99DurableMilliseconds"] = Math.Round(figures.P99SendMilliseconds, 3),
                    }));
                }

                return 0;
            }
            finally
            {
                directory.Delete(recursive: true);
            }
        });
        return command;
    }

    private static Command BareKestrelServer()
    {
        var urls = new Option<string>("--urls") { Required = true };
        var command = new Command("bare-kestrel", "The baseline server: reads the body, answers 202.") { urls };
        command.Hidden = true;
        command.SetAction(async (result, cancellationToken) =>
        {
            await BareKestrel.RunAsync(result.GetValue(urls)!, cancellationToken).ConfigureAwait(false);
            return 0;
        });
        return command;
    }
}
