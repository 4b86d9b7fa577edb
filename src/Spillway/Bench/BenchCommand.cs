using System.CommandLine;
using Spillway.Bench.Queue;
using Spillway.Bench.Spike;
using Spillway.Bench.Support;

namespace Spillway.Bench;

/// <summary>
/// <c>spillway bench …</c>: benchmark programs that print figures and ratios against a baseline measured in the same
/// run. They ship in the executable because they are how an operator sizes a machine, a disk, a database or a broker
/// before trusting it with a burst; the micro benchmarks and the scripts that alternate rounds live in <c>bench/</c>.
/// </summary>
internal static class BenchCommand
{
    public static Command Create() => new("bench", "Benchmarks: figures and ratios against baselines measured in the same run.")
    {
        Spike(),
        Queue(),
        Spillway.Bench.RabbitMq.RabbitMqCommand.Create(),
        Spillway.Bench.Sqs.SqsCommand.Create(),
        Spillway.Bench.Stream.StreamCommand.Create(),
        Spillway.Bench.Topic.TopicCommand.Create(),
        Spillway.Bench.Delivery.DeliveryCommand.Create(),
        Spillway.Bench.Windows.WindowsCommand.Create(),
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
        var senders = new Option<int>("--senders") { Description = "Concurrent single-message senders.", DefaultValueFactory = _ => 256 };
        var backlog = new Option<int>("--backlog")
        {
            Description = "Also measure with this many messages waiting (rate, ratio to the empty queue, memory, reopen time).",
        };
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
                QueueBenchmarkReport.Write(Console.Out, figures, result.GetValue(json));
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
