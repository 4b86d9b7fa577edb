using System.CommandLine;

namespace Spillway.Cli;

/// <summary>The <c>spillway</c> command line: <c>serve</c>, and client and benchmark subcommands.</summary>
internal static class SpillwayCli
{
    public static async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("Spillway: durable HTTP ingest → embedded queue → bounded workers → SQL database.")
        {
            ServeCommand.Create(),
            StatusCommand.Create(),
            SendCommand.Create(),
            QueueCommands.Queues(),
            QueueCommands.DeadLetters(),
            StreamCommands.Create(),
            TopicCommands.Create(),
            FirehoseCommands.Create(),
            AggregationCommands.Create(),
            ObjectCommands.Create(),
            TailCommand.Create(),
            TraceCommand.Create(),
            Bench.BenchCommand.Create(),
        };
        return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
    }
}
