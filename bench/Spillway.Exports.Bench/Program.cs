using System.Diagnostics;
using System.Globalization;
using System.Text;
using Spillway.Exports;
using Spillway.Messaging;
using Spillway.Sinks;

// Exports the seed's users table from PostgreSQL to CSV through the real export job (engine queue, streamed query,
// local object store with fsync) and compares it with `psql \copy (same query) to` a file, in the same run.
// Prints rows/s of both, the ratio (target >= 0.5x) and the growth of this process's resident memory during the
// export (target < 50 MB).
var url = args.Length > 0 ? args[0] : Environment.GetEnvironmentVariable("SPILLWAY_TEST_POSTGRES")
    ?? throw new InvalidOperationException("Pass a postgresql:// URL or set SPILLWAY_TEST_POSTGRES.");
var rows = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1_000_000;
var work = Directory.CreateTempSubdirectory("spillway-export-bench-").FullName;
var sinkOptions = new SqlSinkOptions { Name = "users", DatabaseUrl = url, Table = "bench_export_users" };
try
{
    await using (var sink = SqlSinkFactory.Create(sinkOptions))
    {
        await sink.EnsureSchemaAsync();
        await Psql(url, "TRUNCATE bench_export_users");
        Console.WriteLine($"filling {rows:N0} rows…");
        var start = DateTimeOffset.UtcNow.AddDays(-1);
        var batch = new List<SinkRecord>(10_000);
        for (var i = 0; i < rows; i++)
        {
            var at = start.AddTicks(i * 10L);
            batch.Add(new SinkRecord(
                Guid.CreateVersion7(at), Encoding.UTF8.GetBytes($"{{\"name\":\"user {i}\",\"email\":\"user{i}@example.com\"}}"), at));
            if (batch.Count == batch.Capacity || i == rows - 1)
            {
                await sink.WriteAsync(batch);
                batch.Clear();
            }
        }

        await Psql(url, "VACUUM ANALYZE bench_export_users");
    }

    await using var reader = SqlSinkFactory.CreateReader(new TableReaderOptions { Sink = sinkOptions });
    var tables = new Dictionary<string, ExposedTable> { ["users"] = new("users", reader, ["id"]) };
    await using var engine = await QueueEngine.OpenAsync(new QueueEngineOptions { DataDirectory = Path.Combine(work, "queues") });
    await engine.CreateQueueAsync(new QueueDefinition { Name = "spillway-exports", VisibilityTimeout = TimeSpan.FromHours(1) });
    engine.TryGetQueue("spillway-exports", out var queue);
    var ended = new SemaphoreSlim(0);
    await using var exports = new ExportService(
        new ExportOptions { JobDirectory = Path.Combine(work, "jobs") }, tables, queue!, new LocalDirectoryObjectStore(Path.Combine(work, "files")))
    {
        JobEnded = _ => ended.Release(),
    };
    await exports.StartAsync();

    // Warm-up: JIT, pools and buffers are in place before memory is measured.
    await RunExportAsync(exports, ended, new Dictionary<string, string> { ["id.lt"] = Guid.CreateVersion7(DateTimeOffset.UtcNow.AddDays(-1).AddSeconds(1)).ToString() });

    var copyFile = Path.Combine(work, "copy.csv");
    var copySeconds = await TimeAsync(() => Psql(url,
        $"\\copy (SELECT id, name, email, created_at FROM bench_export_users ORDER BY id) TO '{copyFile}' WITH (FORMAT csv, HEADER)"));

    GC.Collect();
    GC.WaitForPendingFinalizers();
    using var process = Process.GetCurrentProcess();
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
            await Task.Delay(20).ConfigureAwait(false);
        }
    });
    var watch = Stopwatch.StartNew();
    var job = await RunExportAsync(exports, ended, null);
    var exportSeconds = watch.Elapsed.TotalSeconds;
    await sampling.CancelAsync();
    await sampler;
    if (job.State != ExportState.Done || job.Rows != rows)
    {
        throw new InvalidOperationException($"The export ended {job.State} with {job.Rows} rows: {job.Reason}");
    }

    // Ingest beside the export: the seed's writer settings (2 writers, batches of 500) into another table, alone and
    // then while a second export runs, to see what the export costs the writes.
    await using var ingest = SqlSinkFactory.Create(new SqlSinkOptions { Name = "ingest", DatabaseUrl = url, Table = "bench_export_ingest" });
    await ingest.EnsureSchemaAsync();
    var alone = await IngestAsync(ingest, () => Task.Delay(TimeSpan.FromSeconds(exportSeconds)));
    var alongside = await IngestAsync(ingest, () => RunExportAsync(exports, ended, null));

    var copyRate = rows / copySeconds;
    var exportRate = rows / exportSeconds;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""
        psql \copy to file : {copySeconds,7:0.00} s  {copyRate,12:N0} rows/s  {new FileInfo(copyFile).Length / 1e6,8:0.0} MB
        spillway export    : {exportSeconds,7:0.00} s  {exportRate,12:N0} rows/s  {job.Bytes / 1e6,8:0.0} MB (CSV, fsynced, via the job queue)
        ratio              : {exportRate / copyRate:0.00}x (target >= 0.5x)
        resident memory    : {(peak - baseline) / 1e6:0.0} MB growth during the export (target < 50 MB; baseline {baseline / 1e6:0} MB)
        ingest alone       : {alone,12:N0} rows/s (2 writers, batches of 500)
        ingest + export    : {alongside,12:N0} rows/s while an export runs ({alongside / alone:0.00}x)
        """));
}
finally
{
    await Psql(url, "DROP TABLE IF EXISTS bench_export_users");
    await Psql(url, "DROP TABLE IF EXISTS bench_export_ingest");
    Directory.Delete(work, recursive: true);
}

static async Task<ExportJob> RunExportAsync(ExportService exports, SemaphoreSlim ended, Dictionary<string, string>? filters)
{
    var submitted = await exports.SubmitAsync(new ExportRequest("users", ExportFormat.Csv, Filters: filters));
    await ended.WaitAsync(TimeSpan.FromMinutes(10));
    return exports.Get(submitted.Id)!;
}

static async Task<double> IngestAsync(ISqlSink sink, Func<Task> during)
{
    long written = 0;
    using var stop = new CancellationTokenSource();
    var writers = Enumerable.Range(0, 2).Select(w => Task.Run(async () =>
    {
        var batch = new SinkRecord[500];
        while (!stop.IsCancellationRequested)
        {
            var now = DateTimeOffset.UtcNow;
            for (var i = 0; i < batch.Length; i++)
            {
                batch[i] = new SinkRecord(Guid.CreateVersion7(now), "{\"name\":\"ingest\",\"email\":\"ingest@example.com\"}"u8.ToArray(), now);
            }

            await sink.WriteAsync(batch);
            Interlocked.Add(ref written, batch.Length);
        }
    })).ToList();
    var watch = Stopwatch.StartNew();
    await during();
    var seconds = watch.Elapsed.TotalSeconds;
    var count = Interlocked.Read(ref written);
    await stop.CancelAsync();
    await Task.WhenAll(writers);
    return count / seconds;
}

static async Task<double> TimeAsync(Func<Task> action)
{
    var watch = Stopwatch.StartNew();
    await action();
    return watch.Elapsed.TotalSeconds;
}

static async Task Psql(string url, string command)
{
    var uri = new Uri(url);
    var user = uri.UserInfo.Split(':', 2);
    var bin = Environment.GetEnvironmentVariable("SPILLWAY_TEST_PG_BIN");
    var start = new ProcessStartInfo(string.IsNullOrEmpty(bin) ? "psql" : Path.Combine(bin, "psql"))
    {
        RedirectStandardError = true,
        RedirectStandardOutput = true,
    };
    foreach (var argument in new[] { "-h", uri.Host, "-p", uri.Port.ToString(CultureInfo.InvariantCulture), "-U", Uri.UnescapeDataString(user[0]),
                 "-d", uri.AbsolutePath.Trim('/'), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", command })
    {
        start.ArgumentList.Add(argument);
    }

    start.Environment["PGPASSWORD"] = user.Length > 1 ? Uri.UnescapeDataString(user[1]) : "";
    using var psql = Process.Start(start)!;
    var error = psql.StandardError.ReadToEndAsync();
    await psql.StandardOutput.ReadToEndAsync();
    await psql.WaitForExitAsync();
    if (psql.ExitCode != 0)
    {
        throw new InvalidOperationException("psql failed: " + await error);
    }
}
