using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

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
    private readonly Process process;
    private readonly HttpClient http;

    private ServerProcess(Process process, Uri baseAddress)
    {
        this.process = process;
        BaseAddress = baseAddress;
        http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromMinutes(1) };
    }

    public Uri BaseAddress { get; }

    public static async Task<ServerProcess> StartAsync(
        BenchSettings settings, IEnumerable<string> serverSettings, string dataDirectory, string table)
    {
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])[
                     settings.SpillwayDll, "serve", "--urls", $"http://127.0.0.1:{port}", "--data-dir", dataDirectory,
                     "--Logging:LogLevel:Default=Warning", "--Spillway:Sinks:users:DatabaseUrl=" + settings.DatabaseUrl,
                     "--Spillway:Sinks:users:Table=" + table])
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var set in serverSettings)
        {
            start.ArgumentList.Add("--" + set);
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                Console.Error.WriteLine("server: " + e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new ServerProcess(process, new Uri($"http://127.0.0.1:{port}/"));
        for (var i = 0; ; i++)
        {
            try
            {
                using var health = await server.http.GetAsync("healthz");
                if (health.IsSuccessStatusCode)
                {
                    return server;
                }
            }
            catch (HttpRequestException) when (i < 600 && !process.HasExited)
            {
            }

            if (i >= 600 || process.HasExited)
            {
                await server.DisposeAsync();
                throw new InvalidOperationException("The server did not start.");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Runs one CSV export of users to its end, sampling the server's resident memory every 20 ms.</summary>
    public async Task<ExportRun> ExportAsync()
    {
        process.Refresh();
        var baseline = process.WorkingSet64;
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
            process.Refresh();
            peak = Math.Max(peak, process.WorkingSet64);
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
        process.Refresh();
        var baseline = process.WorkingSet64;
        var peak = baseline;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                process.Refresh();
                peak = Math.Max(peak, process.WorkingSet64);
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
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
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

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
