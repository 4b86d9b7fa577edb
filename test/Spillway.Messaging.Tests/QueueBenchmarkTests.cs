using Spillway.Messaging.Diagnostics;
using Spillway.Storage.Tests;

namespace Spillway.Messaging.Tests;

/// <summary>Checks that the benchmark program works; the figures themselves are never asserted (this is not a timed test).</summary>
public sealed class QueueBenchmarkTests
{
    [Fact]
    public async Task Benchmark_drains_what_it_sends_and_reports_shared_fsyncs()
    {
        using var temp = new TempDirectory();
        var result = await QueueBenchmark.RunAsync(new QueueBenchmarkOptions
        {
            DataDirectory = temp.Path, Messages = 3000, Senders = 32, Backlog = 1000, BatchSize = 100,
        });

        Assert.True(result.MessagesPerSecond > 0);
        Assert.True(result.SendOnlyPerSecond > 0);
        Assert.True(result.DrainPerSecond > 0);
        Assert.True(result.MessagesPerFsync > 1, $"{result.MessagesPerFsync} messages per fsync: sends did not share fsyncs");
        Assert.True(result.ResidentBytesWithBacklog > 0);
        Assert.True(result.ReopenSecondsWithBacklog > 0);
    }
}
