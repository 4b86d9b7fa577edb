using System.Diagnostics;
using System.Globalization;
using System.Text;
using Spillway.Exports.Bench;
using Spillway.Sinks;

// On a running Spillway server whose users sink is the PostgreSQL table being exported, measured in the same run:
//   1. `psql \copy (same query) to` a file, then the server's export job with the write path quiet: rows/s of both and
//      their ratio (target >= 0.5x), and the growth of the server's resident memory during it (target < 50 MB);
//   2. HTTP ingest (POST /submit, 202 after the queue's fsync, driven by wrk) alone, then while an export runs, then
//      alone again: requests/s the server accepted in each window and the ratio (target: full speed).
// With --busy-caps a,b,… both are repeated on a fresh server for each Spillway:Exports:BusyMaxRowsPerSecond.
var settings = BenchSettings.Parse(args);
var url = settings.DatabaseUrl;
var work = Directory.CreateTempSubdirectory("spillway-export-bench-").FullName;
const string Table = "bench_export_users";
var results = new List<string>();
try
{
    await using (var sink = SqlSinkFactory.Create(new SqlSinkOptions { Name = "users", DatabaseUrl = url, Table = Table }))
    {
        await sink.EnsureSchemaAsync();
        await Psql.RunAsync(url, $"TRUNCATE {Table}");
        Console.WriteLine($"filling {settings.Rows:N0} rows…");
        var start = DateTimeOffset.UtcNow.AddDays(-1);
        var batch = new List<SinkRecord>(10_000);
        for (var i = 0; i < settings.Rows; i++)
        {
            var at = start.AddTicks(i * 10L);
            batch.Add(new SinkRecord(
                Guid.CreateVersion7(at), Encoding.UTF8.GetBytes($"{{\"name\":\"user {i}\",\"email\":\"user{i}@example.com\"}}"), at));
            if (batch.Count == batch.Capacity || i == settings.Rows - 1)
            {
                await sink.WriteAsync(batch);
                batch.Clear();
            }
        }
    }

    foreach (var cap in settings.BusyCaps.DefaultIfEmpty(null))
    {
        // Each server starts from the same table: the rows an earlier round ingested go (the seed rows are a day old),
        // and a checkpoint writes the dirty pages out now rather than under the measurements.
        await Psql.RunAsync(url, $"DELETE FROM {Table} WHERE created_at > now() - interval '12 hours'");
        await Psql.RunAsync(url, $"VACUUM ANALYZE {Table}");
        await Psql.RunAsync(url, "CHECKPOINT");
        List<string> serverSettings = cap is { } c ? [.. settings.ServerSettings, $"Spillway:Exports:BusyMaxRowsPerSecond={c}"] : [.. settings.ServerSettings];
        await using var server = await ServerProcess.StartAsync(settings, serverSettings, Path.Combine(work, $"data-{cap}"), Table);
        var label = serverSettings.Count == 0 ? "defaults" : string.Join(' ', serverSettings);
        Console.WriteLine($"server ({label}): warming up…");

        // Warm-up, a whole export: JIT (through its tiers), pools, buffers and the table's pages are in place first.
        await server.ExportAsync();

        var (copySeconds, copyRows) = await CopyWithPsqlAsync();
        var copyRate = copyRows / copySeconds;

        var quiet = await server.ExportAsync();
        if (quiet.Rows != copyRows)
        {
            throw new InvalidOperationException($"The export wrote {quiet.Rows} rows, psql {copyRows}.");
        }

        var think = settings.ThinkMilliseconds > 0 ? $", each connection waiting {settings.ThinkMilliseconds} ms between requests" : "";
        Console.WriteLine($"ingest: wrk -t2 -c{settings.Connections}{think}, {settings.WindowSeconds} s windows…");
        IngestWindow before, during, duringPsql, after;
        (double Seconds, long Rows) busyCopy = default;
        ExportRun? busy = null;
        await using (var load = Wrk.Start(settings, server.BaseAddress))
        {
            await Task.Delay(TimeSpan.FromSeconds(5));
            before = await server.MeasureIngestAsync(() => Task.Delay(TimeSpan.FromSeconds(settings.WindowSeconds)));
            during = await server.MeasureIngestAsync(async () => busy = await server.ExportAsync());
            // The baseline of what extracting the table costs ingest: the same rows by psql, during the same load.
            duringPsql = await server.MeasureIngestAsync(async () => busyCopy = await CopyWithPsqlAsync());
            after = await server.MeasureIngestAsync(() => Task.Delay(TimeSpan.FromSeconds(settings.WindowSeconds)));
            load.EnsureRunning();
        }

        var alone = (before.Accepted + after.Accepted) / (before.Seconds + after.Seconds);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""
            psql \copy to file      : {copySeconds,7:0.00} s  {copyRate,12:N0} rows/s  ({copyRows:N0} rows)
            export, write path quiet: {quiet.Seconds,7:0.00} s  {quiet.Rate,12:N0} rows/s  = {quiet.Rate / copyRate:0.00}x psql (target >= 0.5x; CSV, fsynced, via the job queue)
            resident memory         : +{quiet.MemoryGrowth / 1e6:0.0} MB during that export (server process, baseline {quiet.MemoryBaseline / 1e6:0} MB; target < 50 MB)
            ingest alone            : {alone,12:N0} req/s (before {before.Rate:N0}, after {after.Rate:N0}; POST /submit, 202 after fsync)
                                      before: {before.Cpu}; after: {after.Cpu}
            ingest during an export : {during.Rate,12:N0} req/s = {during.Rate / alone:0.00}x alone ({during.Seconds:0.0} s; {during.Cpu})
            ingest during psql \copy: {duringPsql.Rate,12:N0} req/s = {duringPsql.Rate / alone:0.00}x alone ({duringPsql.Seconds:0.0} s, {busyCopy.Rows / busyCopy.Seconds:N0} rows/s; {duringPsql.Cpu}): the baseline
            export during ingest    : {busy!.Seconds,7:0.00} s  {busy.Rate,12:N0} rows/s  = {busy.Rate / copyRate:0.00}x psql ({busy.Rows:N0} rows)
            resident memory, ingest : +{during.MemoryGrowth / 1e6:0.0} MB over the export window, +{before.MemoryGrowth / 1e6:0.0} MB over the first window alone

            """));
        results.Add(string.Create(CultureInfo.InvariantCulture,
            $"| {label} | {copyRate:N0} | {quiet.Rate:N0} ({quiet.Rate / copyRate:0.00}x) | {quiet.MemoryGrowth / 1e6:0.0} MB | {alone:N0} | {during.Rate:N0} ({during.Rate / alone:0.00}x) | {duringPsql.Rate:N0} ({duringPsql.Rate / alone:0.00}x) | {busy.Rate:N0} ({busy.Rate / copyRate:0.00}x) |"));
    }

    Console.WriteLine("| server | psql \\copy rows/s | export rows/s, quiet | RSS growth | ingest req/s alone | ingest req/s during export | ingest req/s during psql \\copy | export rows/s during ingest |");
    Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    results.ForEach(Console.WriteLine);
}
finally
{
    await Psql.RunAsync(url, $"DROP TABLE IF EXISTS {Table}");
    Directory.Delete(work, recursive: true);
}

// psql's \copy of the export's query into a file: seconds and rows.
async Task<(double Seconds, long Rows)> CopyWithPsqlAsync()
{
    var file = Path.Combine(work, "copy.csv");
    var watch = Stopwatch.StartNew();
    await Psql.RunAsync(url, $"\\copy (SELECT id, name, email, created_at FROM {Table} ORDER BY id) TO '{file}' WITH (FORMAT csv, HEADER)");
    var seconds = watch.Elapsed.TotalSeconds;
    var rows = CountLines(file) - 1;
    File.Delete(file);
    return (seconds, rows);
}

static long CountLines(string path)
{
    using var file = File.OpenRead(path);
    var buffer = new byte[1 << 16];
    long lines = 0;
    int read;
    while ((read = file.Read(buffer)) > 0)
    {
        lines += buffer.AsSpan(0, read).Count((byte)'\n');
    }

    return lines;
}
