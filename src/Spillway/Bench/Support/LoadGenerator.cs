using System.Diagnostics;
using System.Net;
using System.Text;

namespace Spillway.Bench.Support;

/// <summary>Fires N single-record POSTs from C concurrent clients and records each request's latency.</summary>
public static class LoadGenerator
{
    public static async Task<LoadResult> RunAsync(
        Uri target, int records, int clients, Func<int, string> body, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        using var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = clients,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
        };
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(60) };
        var latencies = new long[records];
        var statuses = new int[records];
        var next = -1;
        var done = 0;
        var stopwatch = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            while (true)
            {
                var i = Interlocked.Increment(ref next);
                if (i >= records)
                {
                    return;
                }

                using var content = new StringContent(body(i), Encoding.UTF8, "application/json");
                var started = Stopwatch.GetTimestamp();
                try
                {
                    using var response = await client.PostAsync(target, content, cancellationToken).ConfigureAwait(false);
                    statuses[i] = (int)response.StatusCode;
                }
                catch (HttpRequestException)
                {
                    statuses[i] = -1;
                }

                latencies[i] = Stopwatch.GetTimestamp() - started;
                var completed = Interlocked.Increment(ref done);
                if (progress is not null && completed % 1_000 == 0)
                {
                    progress.Report(completed);
                }
            }
        }, cancellationToken)).ToArray();
        await Task.WhenAll(workers).ConfigureAwait(false);
        stopwatch.Stop();
        return new LoadResult(records, stopwatch.Elapsed, latencies, statuses);
    }
}

/// <summary>What a load run measured.</summary>
public sealed class LoadResult(int records, TimeSpan elapsed, long[] latencyTicks, int[] statuses)
{
    private readonly long[] sorted = latencyTicks.Order().ToArray();

    public int Records { get; } = records;

    public TimeSpan Elapsed { get; } = elapsed;

    public int[] Statuses { get; } = statuses;

    public int Accepted => Statuses.Count(s => s is >= 200 and < 300);

    public int NonSuccess => Records - Accepted;

    public double PerSecond => Records / Elapsed.TotalSeconds;

    public double PercentileMs(double p) =>
        sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)] * 1000.0 / Stopwatch.Frequency;

    public double MaxMs => sorted.Length == 0 ? 0 : sorted[^1] * 1000.0 / Stopwatch.Frequency;
}
