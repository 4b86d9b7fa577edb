using System.CommandLine;
using System.Globalization;
using RabbitMQ.Client.Exceptions;
using static Spillway.Bench.Support.BenchCommandLine;

namespace Spillway.Bench.Stream;

/// <summary><c>spillway bench stream</c>: durable stream puts read back, against a RabbitMQ stream queue and the disk's
/// fdatasync bandwidth, in the same run (<c>bench/streams-vs-rabbitmq.sh</c> starts the broker).</summary>
internal static class StreamCommand
{
    public static Command Create()
    {
        var defaults = new StreamBenchmarkOptions { DataDirectory = "" };
        var records = Int("--records", "100-byte records per run.", defaults.SmallRecords);
        var largeRecords = Int("--records-4k", "4 KiB records per run.", defaults.LargeRecords);
        var batch = Int("--batch", "Records per put (a PutRecords call takes at most 500).", defaults.BatchSize);
        var producers = Int("--producers", "Concurrent producers, one batch in flight each.", defaults.Producers);
        var shards = Int("--shards", "Shards of the engine's stream.", defaults.Shards);
        var rounds = Int("--rounds", "Rounds, each contender once per record size per round, in rotating order.", defaults.Rounds);
        var amqp = new Option<string?>("--amqp") { Description = "A RabbitMQ broker (amqp://user:password@host:port/vhost) for the stream-queue baseline." };
        var kinesis = new Option<bool>("--kinesis") { Description = "Also measure the Kinesis API of a `spillway serve` started on a free loopback port." };
        var dataDir = new Option<string?>("--data-dir") { Description = "Where the engine and the fdatasync file write (default: a temp dir)." };
        var json = new Option<bool>("--json") { Description = "Print a JSON object of the medians and ratios as the last line." };
        var command = new Command("stream", "Durable stream puts + reads: engine, Kinesis API, RabbitMQ stream queue, fdatasync.")
        {
            records, largeRecords, batch, producers, shards, rounds, amqp, kinesis, dataDir, json,
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
                ? Directory.CreateDirectory(Path.Combine(parent, "bench-stream-" + Guid.NewGuid().ToString("N")))
                : Directory.CreateTempSubdirectory("spillway-bench-stream-");
            try
            {
                var options = new StreamBenchmarkOptions
                {
                    DataDirectory = directory.FullName,
                    SmallRecords = result.GetValue(records),
                    LargeRecords = result.GetValue(largeRecords),
                    BatchSize = result.GetValue(batch),
                    Producers = result.GetValue(producers),
                    Shards = result.GetValue(shards),
                    Rounds = result.GetValue(rounds),
                    Amqp = broker,
                };
                if (!await TryValidateAsync(options.Validate).ConfigureAwait(false))
                {
                    return 2;
                }

                return await RunAsync(options, result.GetValue(kinesis), result.GetValue(json), cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                directory.Delete(recursive: true);
            }
        });
        return command;
    }

    private static async Task<int> RunAsync(StreamBenchmarkOptions options, bool kinesis, bool json, CancellationToken cancellationToken)
    {
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"stream: {options.SmallRecords:N0} records of 100 B and {options.LargeRecords:N0} of 4 KiB per run; puts of {options.BatchSize} " +
            $"from {options.Producers} producers, each durable before the next; {options.Shards} shard(s); {options.Rounds} round(s)"));
        var contenders = new List<StreamContender>();
        try
        {
            var engineDirectory = Directory.CreateDirectory(Path.Combine(options.DataDirectory, "engine")).FullName;
            contenders.Add(await EngineStreamContender.OpenAsync(
                engineDirectory, options.Shards, options.Producers, options.BatchSize, cancellationToken).ConfigureAwait(false));
            if (kinesis)
            {
                contenders.Add(await KinesisApiContender.StartAsync(
                    options.DataDirectory, options.Shards, options.Producers, options.BatchSize, cancellationToken).ConfigureAwait(false));
            }

            if (options.Amqp is { } amqp)
            {
                contenders.Add(await RabbitMqStreamContender.ConnectAsync(amqp, options.Producers, options.BatchSize, cancellationToken)
                    .ConfigureAwait(false));
            }

            contenders.Add(new FdatasyncContender(options.DataDirectory));
            var figures = await StreamBenchmark.RunAsync(options, contenders, Console.Out, cancellationToken).ConfigureAwait(false);
            StreamBenchmarkReport.Write(Console.Out, figures, json);
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
