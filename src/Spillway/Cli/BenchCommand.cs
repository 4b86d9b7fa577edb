using System.CommandLine;
using Spillway.Bench.Spike;
using Spillway.Bench.Support;

namespace Spillway.Cli;

/// <summary><c>spillway bench …</c>: benchmark programs that print figures and ratios against a baseline measured in the same run.</summary>
internal static class BenchCommand
{
    public static Command Create() => new("bench", "Benchmarks: figures and ratios against baselines measured in the same run.")
    {
        Spike(),
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
