using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Spillway.Bench.Support;

namespace Spillway.Bench.Spike;

/// <summary>
/// The spike benchmark of issue 2: N records from C clients at /submit, against a bare Kestrel endpoint measured in
/// the same run; then the drain of a backlog into the database against PostgreSQL COPY of the same rows.
/// </summary>
public static class SpikeBenchmark
{
    // Enough requests for tiered compilation to settle in both servers before anything is measured. A smoke run (the
    // end-to-end test of the command) lowers it with SPILLWAY_BENCH_WARMUP; its figures then mean nothing.
    private static readonly int WarmupRecords = PositiveFromEnvironment("SPILLWAY_BENCH_WARMUP") ?? 30_000;

    public static async Task<int> RunAsync(SpikeOptions options, TextWriter output, CancellationToken cancellationToken)
    {
        var work = Directory.CreateTempSubdirectory("spillway-bench-");
        try
        {
            var databaseUrl = options.DatabaseUrl ?? "sqlite:///" + Path.Combine(work.FullName, "bench.db").TrimStart('/');
            var database = new BenchDatabase(databaseUrl);
            var stamp = DateTime.UtcNow.ToString("HHmmss", CultureInfo.InvariantCulture);

            output.WriteLine($"spike: {options.Records:N0} records, {options.Clients} clients, database {Redact(databaseUrl)}");
            var bare = await MeasureBareKestrelAsync(options, output, cancellationToken).ConfigureAwait(false);
            var spike = await MeasureSpikeAsync(options, database, work.FullName, "spike_" + stamp, output, cancellationToken)
                .ConfigureAwait(false);
            var drain = await MeasureDrainAsync(options, database, work.FullName, "drain_" + stamp, output, cancellationToken)
                .ConfigureAwait(false);
            double? copyPerSecond = null;
            if (database.IsPostgres)
            {
                var copyTable = "copy_" + stamp;
                var copy = await database.CopyAsync(copyTable, options.Records, Row).ConfigureAwait(false);
                await database.DropAsync(copyTable).ConfigureAwait(false);
                copyPerSecond = options.Records / copy.TotalSeconds;
                output.WriteLine($"PostgreSQL COPY baseline: {copyPerSecond:N0} rows/s ({copy.TotalSeconds:F2} s)");
            }

            var ingestRatio = spike.Load.PerSecond / bare.PerSecond;
            output.WriteLine();
            output.WriteLine($"ingest: {spike.Load.PerSecond:N0} accepted/s vs bare Kestrel {bare.PerSecond:N0} req/s = {ingestRatio:F2}x");
            output.WriteLine($"drain:  {drain.RowsPerSecond:N0} rows/s" +
                (copyPerSecond is { } c ? $" vs COPY {c:N0} rows/s = {drain.RowsPerSecond / c:F2}x" : " (COPY baseline needs PostgreSQL)") +
                $", peak database connections {drain.PeakConnections}");
            var complete = spike.Rows == spike.Load.Accepted + WarmupRecords && drain.Rows == options.Records;
            output.WriteLine(complete ? "every accepted record is in the table" : "ROWS MISSING OR DOUBLED");
            if (options.Json)
            {
                output.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object?>
                {
                    ["records"] = options.Records,
                    ["clients"] = options.Clients,
                    ["acceptedPerSecond"] = Math.Round(spike.Load.PerSecond),
                    ["bareKestrelPerSecond"] = Math.Round(bare.PerSecond),
                    ["ingestRatio"] = Math.Round(ingestRatio, 3),
                    ["p50Ms"] = spike.Load.PercentileMs(0.50),
                    ["p99Ms"] = spike.Load.PercentileMs(0.99),
                    ["maxMs"] = spike.Load.MaxMs,
                    ["nonSuccess"] = spike.Load.NonSuccess,
                    ["spikeDrainSeconds"] = spike.DrainSeconds,
                    ["drainRowsPerSecond"] = Math.Round(drain.RowsPerSecond),
                    ["copyRowsPerSecond"] = copyPerSecond is { } cps ? Math.Round(cps) : null,
                    ["drainRatio"] = copyPerSecond is { } cr ? Math.Round(drain.RowsPerSecond / cr, 3) : null,
                    ["peakConnections"] = drain.PeakConnections,
                    ["complete"] = complete,
                }));
            }

            return complete && spike.Load.NonSuccess == 0 ? 0 : 1;
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    internal static (string Name, string Email) Row(int i) =>
        ("user" + i.ToString(CultureInfo.InvariantCulture), "user" + i.ToString(CultureInfo.InvariantCulture) + "@example.com");

    private static string Body(int i)
    {
        var (name, email) = Row(i);
        return $$"""{"name":"{{name}}","email":"{{email}}"}""";
    }

    private static async Task<LoadResult> MeasureBareKestrelAsync(SpikeOptions options, TextWriter output, CancellationToken cancellationToken)
    {
        var port = ChildProcess.FreePort();
        var baseAddress = new Uri($"http://127.0.0.1:{port}");
        await using var server = ChildProcess.StartSelf(["bench", "bare-kestrel", "--urls", baseAddress.ToString()]);
        await server.WaitHealthyAsync(baseAddress, TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        var target = new Uri(baseAddress, "/submit");
        await LoadGenerator.RunAsync(target, WarmupRecords, options.Clients, Body, cancellationToken: cancellationToken).ConfigureAwait(false);
        var result = await LoadGenerator.RunAsync(target, options.Records, options.Clients, Body, cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        Report(output, "bare Kestrel", result);
        return result;
    }

    private static async Task<(LoadResult Load, long Rows, double DrainSeconds)> MeasureSpikeAsync(
        SpikeOptions options, BenchDatabase database, string work, string table, TextWriter output, CancellationToken cancellationToken)
    {
        var port = ChildProcess.FreePort();
        var baseAddress = new Uri($"http://127.0.0.1:{port}");
        await using var server = ChildProcess.StartSelf(ServeArguments(baseAddress, Path.Combine(work, "spike"), database.Url, table, drainTuned: false));
        await server.WaitHealthyAsync(baseAddress, TimeSpan.FromSeconds(60)).ConfigureAwait(false);
        var target = new Uri(baseAddress, "/submit");
        await LoadGenerator.RunAsync(target, WarmupRecords, options.Clients, i => Body(options.Records + i), cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        output.WriteLine($"  watch it live: {new Uri(baseAddress, "/dashboard")}");
        var sent = 0;
        LoadResult load;
        long rows;
        double drainSeconds;
        await using (new LiveProgress(output, baseAddress, "spike", () => $"sent {Volatile.Read(ref sent):N0}/{options.Records:N0}")
            .ConfigureAwait(false))
        {
            load = await LoadGenerator.RunAsync(
                target, options.Records, options.Clients, Body, new Progress<int>(n => Volatile.Write(ref sent, Math.Max(sent, n))),
                cancellationToken).ConfigureAwait(false);
            var drainClock = Stopwatch.StartNew();
            rows = await WaitForRowsAsync(database, table, load.Accepted + WarmupRecords, TimeSpan.FromMinutes(10), null)
                .ConfigureAwait(false);
            drainSeconds = drainClock.Elapsed.TotalSeconds;
        }

        Report(output, "Spillway durable ingest", load);
        var expected = load.Accepted + WarmupRecords;
        output.WriteLine($"  backlog drained {drainSeconds:F2} s after the burst ended; rows in table {rows:N0} (expected {expected:N0})");
        await server.StopAsync().ConfigureAwait(false);
        await database.DropAsync(table).ConfigureAwait(false);
        return (load, rows, drainSeconds);
    }

    private static async Task<(long Rows, double RowsPerSecond, int PeakConnections)> MeasureDrainAsync(
        SpikeOptions options, BenchDatabase database, string work, string table, TextWriter output, CancellationToken cancellationToken)
    {
        var port = ChildProcess.FreePort();
        var baseAddress = new Uri($"http://127.0.0.1:{port}");
        await using var server = ChildProcess.StartSelf(ServeArguments(baseAddress, Path.Combine(work, "drain"), database.Url, table, drainTuned: true));
        await server.WaitHealthyAsync(baseAddress, TimeSpan.FromSeconds(60)).ConfigureAwait(false);
        using var admin = new HttpClient { BaseAddress = baseAddress };
        var target = new Uri(baseAddress, "/submit");

        // Warm the whole path (ingest, worker, sink) first, so the drain below runs compiled code, as a server that
        // has been up for a while does.
        await LoadGenerator.RunAsync(target, WarmupRecords, options.Clients, i => Body(options.Records + i), cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        await WaitForRowsAsync(database, table, WarmupRecords, TimeSpan.FromMinutes(5), null).ConfigureAwait(false);

        // Build the backlog with the worker disabled, then enable it and time the drain alone.
        (await admin.PostAsync(new Uri("/v1/workers/submit/disable", UriKind.Relative), null, cancellationToken).ConfigureAwait(false))
            .EnsureSuccessStatusCode();
        var fill = await LoadGenerator.RunAsync(target, options.Records, options.Clients, Body, cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        if (fill.NonSuccess > 0)
        {
            throw new InvalidOperationException($"{fill.NonSuccess} records were refused while building the backlog");
        }

        var clock = Stopwatch.StartNew();
        (await admin.PostAsync(new Uri("/v1/workers/submit/enable", UriKind.Relative), null, cancellationToken).ConfigureAwait(false))
            .EnsureSuccessStatusCode();
        var peak = 0;
        long rows;
        await using (new LiveProgress(output, baseAddress, "drain", () => $"built a {options.Records:N0} backlog").ConfigureAwait(false))
        {
            rows = await WaitForRowsAsync(database, table, WarmupRecords + options.Records, TimeSpan.FromMinutes(10), async () =>
            {
                peak = Math.Max(peak, await database.CountConnectionsAsync().ConfigureAwait(false));
            }).ConfigureAwait(false) - WarmupRecords;
        }

        var seconds = clock.Elapsed.TotalSeconds;
        var perSecond = rows / seconds;
        output.WriteLine($"Spillway drain of a {options.Records:N0} backlog: {perSecond:N0} rows/s ({seconds:F2} s), " +
            $"rows {rows:N0}, peak connections {peak}");
        await server.StopAsync().ConfigureAwait(false);
        await database.DropAsync(table).ConfigureAwait(false);
        return (rows, perSecond, peak);
    }

    // Both servers run the seed's default worker settings, as a user who sets nothing does: while a backlog waits the
    // SQL worker takes up to 10,000 messages per write on its own. SPILLWAY_BENCH_DRAIN_BATCH and
    // SPILLWAY_BENCH_DRAIN_CONCURRENCY set the drain server's BatchSize and MaxConcurrency, to compare hand-set values.
    private static string[] ServeArguments(Uri baseAddress, string dataDirectory, string databaseUrl, string table, bool drainTuned) =>
    [
        "serve", "--urls", baseAddress.ToString(), "--data-dir", dataDirectory, "--database", databaseUrl,
        $"--Spillway:Sinks:users:Table={table}",
        .. DrainSetting(drainTuned, "SPILLWAY_BENCH_DRAIN_BATCH", "BatchSize"),
        .. DrainSetting(drainTuned, "SPILLWAY_BENCH_DRAIN_CONCURRENCY", "MaxConcurrency"),
        "--Logging:LogLevel:Default=Warning",
    ];

    private static string[] DrainSetting(bool drainTuned, string variable, string key) =>
        drainTuned && Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value
            ? [$"--Spillway:Workers:submit:{key}={value}"]
            : [];

    private static async Task<long> WaitForRowsAsync(BenchDatabase database, string table, long expected, TimeSpan timeout, Func<Task>? sample)
    {
        var deadline = DateTime.UtcNow + timeout;
        long rows = 0;
        while (DateTime.UtcNow < deadline)
        {
            if (sample is not null)
            {
                await sample().ConfigureAwait(false);
            }

            rows = await database.CountRowsAsync(table).ConfigureAwait(false);
            if (rows >= expected)
            {
                return rows;
            }

            // Counting rows costs the database a scan: poll gently so the measurement does not slow what it measures.
            await Task.Delay(100).ConfigureAwait(false);
        }

        return rows;
    }

    private static void Report(TextWriter output, string what, LoadResult result) =>
        output.WriteLine(
            $"{what}: {result.PerSecond:N0} req/s, p50 {result.PercentileMs(0.5):F2} ms, p99 {result.PercentileMs(0.99):F2} ms, " +
            $"max {result.MaxMs:F2} ms, non-2xx {result.NonSuccess}");

    private static string Redact(string url)
    {
        var at = url.IndexOf('@', StringComparison.Ordinal);
        var scheme = url.IndexOf("://", StringComparison.Ordinal);
        return at < 0 || scheme < 0 ? url : url[..(scheme + 3)] + "***" + url[at..];
    }

    private static int? PositiveFromEnvironment(string name) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : null;
}
