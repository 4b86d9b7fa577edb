using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

using Spillway.Bench.Support;

namespace Spillway.Exports.Bench;

/// <summary>One export's figures, from the job's own start and end times on the server.</summary>
internal sealed record ExportRun(long Rows, double Seconds, long MemoryBaseline, long MemoryGrowth)
{
    public double Rate => Rows / Seconds;
}

/// <summary>
/// Accepted ingest requests over one window, the growth of the server's resident memory in it, and the shares of the
/// machine's CPU time that were idle and waiting on the disk.
/// </summary>
internal sealed record IngestWindow(long Accepted, double Seconds, long MemoryGrowth, string Cpu)
{
    public double Rate => Accepted / Seconds;
}

/// <summary>
/// `spillway serve` as a child process with the users sink on the benchmark's PostgreSQL table, no keys (loopback),
/// driven over its HTTP API: exports through /v1/exports, accepted ingest read from /metrics.
/// </summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private readonly ServerChild child;
    private readonly HttpClient http;

    private ServerProcess(ServerChild child)
    {
        this.child = child;
        http = new HttpClient { BaseAddress = child.BaseAddress, Timeout = TimeSpan.FromMinutes(1) };
    }

    public Uri BaseAddress => child.BaseAddress;

    public static async Task<ServerProcess> StartAsync(
        BenchSettings settings, IEnumerable<string> serverSettings, string dataDirectory, string table) => new(
        await ServerChild.StartAsync(
            settings.SpillwayDll,
            dataDirectory,
            ["--Spillway:Sinks:users:DatabaseUrl=" + settings.DatabaseUrl, "--Spillway:Sinks:users:Table=" + table, .. serverSettings.Select(s => "--" + s)],
            "healthz"));

    /// <summary>Runs one CSV export of users to its end, sampling the server's resident memory every 20 ms.</summary>
    public async Task<ExportRun> ExportAsync()
    {
        child.Process.Refresh();
        var baseline = child.Process.WorkingSet64;
        var peak = baseline;
        using var created = await http.PostAsync(
            "v1/exports", new StringContent("""{"table":"users","format":"csv"}""", Encoding.UTF8, "application/json"));
        var text = await created.Content.ReadAsStringAsync();
        if (created.StatusCode != HttpStatusCode.Accepted)
        {
            throw new InvalidOperationException($"POST /v1/exports answered {(int)created.StatusCode}: {text}");
        }

        string id;
        using (var body = JsonDocument.Parse(text))
        {
            id = body.RootElement.GetProperty("id").GetString()!;
        }

        var deadline = Stopwatch.StartNew();
        for (var tick = 0; deadline.Elapsed < TimeSpan.FromMinutes(10); tick++)
        {
            child.Process.Refresh();
            peak = Math.Max(peak, child.Process.WorkingSet64);
            if (tick % 5 == 4)
            {
                using var status = JsonDocument.Parse(await http.GetStringAsync($"v1/exports/{id}"));
                var job = status.RootElement;
                switch (job.GetProperty("state").GetString())
                {
                    case "done":
                        var seconds = (Time(job, "finishedAt") - Time(job, "startedAt")).TotalSeconds;
                        return new ExportRun(job.GetProperty("rows").GetInt64(), seconds, baseline, peak - baseline);
                    case "failed":
                        throw new InvalidOperationException("The export failed: " + job.GetProperty("reason").GetString());
                }
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"Export {id} did not end in 10 minutes.");
    }

    /// <summary>Ingest requests the server accepted (messages stored in the submit queue) while <paramref name="during"/> ran.</summary>
    public async Task<IngestWindow> MeasureIngestAsync(Func<Task> during)
    {
        child.Process.Refresh();
        var baseline = child.Process.WorkingSet64;
        var peak = baseline;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                child.Process.Refresh();
                peak = Math.Max(peak, child.Process.WorkingSet64);
                await Task.Delay(20, CancellationToken.None);
            }
        });
        var first = await AcceptedAsync();
        var cpu = CpuTimes.Read();
        var watch = Stopwatch.StartNew();
        await during();
        var seconds = watch.Elapsed.TotalSeconds;
        var cpuShares = cpu is { } start && CpuTimes.Read() is { } end ? end.Since(start) : "CPU shares unknown (no /proc/stat)";
        var accepted = await AcceptedAsync() - first;
        await sampling.CancelAsync();
        await sampler;
        return new IngestWindow(accepted, seconds, peak - baseline, cpuShares);
    }

    public async ValueTask DisposeAsync()
    {
        http.Dispose();
        await child.DisposeAsync();
    }

    private async Task<long> AcceptedAsync()
    {
        const string Prefix = "spillway_queue_messages_sent_total{";
        foreach (var line in (await http.GetStringAsync("metrics")).Split('\n'))
        {
            if (line.StartsWith(Prefix, StringComparison.Ordinal) && line.Contains("queue=\"submit\"", StringComparison.Ordinal))
            {
                return long.Parse(line[(line.LastIndexOf(' ') + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException("/metrics has no spillway_queue_messages_sent_total for the submit queue.");
    }

    private static DateTimeOffset Time(JsonElement job, string name) =>
        DateTimeOffset.Parse(job.GetProperty(name).GetString()!, CultureInfo.InvariantCulture);
}
