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
            QueueCommands.Queues(),
            QueueCommands.DeadLetters(),
            StatusCommand.Create(),
            QueueCommands.Tail(),
            SendCommand.Create(),
            TraceCommand.Create(),
            BenchCommand.Create(),
        };
        return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
    }
}
