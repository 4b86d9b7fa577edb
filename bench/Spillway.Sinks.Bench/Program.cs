using System.Diagnostics;
using System.Globalization;
using System.Text;
using Spillway.Sinks;

// Writes the same rows (name, email) into PostgreSQL three ways and prints rows/s and the ratios:
//   1. psql \copy users(name, email) from a CSV file (the id comes from the column default, gen_random_uuid)
//   2. psql \copy users(id, name, email) with time-ordered ids like Spillway's message ids
//   3. the PostgreSQL sink: JSON bodies mapped and written by concurrent writers in batches through the capped pool
var url = args.Length > 0 ? args[0] : Environment.GetEnvironmentVariable("SPILLWAY_TEST_POSTGRES")
    ?? throw new InvalidOperationException("Pass a postgresql:// URL or set SPILLWAY_TEST_POSTGRES.");
var rows = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1_000_000;
var writers = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 4;
var batchSize = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 5_000;
var rounds = args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 2;
var psql = Path.Combine(Environment.GetEnvironmentVariable("SPILLWAY_TEST_PG_BIN") ?? "", "psql");
var parsed = DatabaseUrl.Parse(url);

var ids = Enumerable.Range(0, rows).Select(_ => Guid.CreateVersion7()).ToArray();
var csvDir = Directory.CreateTempSubdirectory("spillway-bench-");
var nameEmailCsv = Path.Combine(csvDir.FullName, "name-email.csv");
var idCsv = Path.Combine(csvDir.FullName, "id-name-email.csv");
await using (var plain = new StreamWriter(nameEmailCsv))
await using (var withId = new StreamWriter(idCsv))
{
    for (var i = 0; i < rows; i++)
    {
        await plain.WriteLineAsync($"name {i},user{i}@example.com");
        await withId.WriteLineAsync($"{ids[i]},name {i},user{i}@example.com");
    }
}

var records = new SinkRecord[rows];
var sentAt = DateTimeOffset.UtcNow;
for (var i = 0; i < rows; i++)
{
    records[i] = new SinkRecord(ids[i], Encoding.UTF8.GetBytes($$"""{"name":"name {{i}}","email":"user{{i}}@example.com"}"""), sentAt);
}

Console.WriteLine($"{rows:N0} rows, sink: {writers} writers, batch {batchSize:N0}, pool cap 10; {rounds} rounds, best of each");
double bestCopy = 0, bestCopyWithId = 0, bestSink = 0;
for (var round = 1; round <= rounds; round++)
{
    bestCopy = Math.Max(bestCopy, await CopyAsync("bench_copy", "name, email", nameEmailCsv));
    bestCopyWithId = Math.Max(bestCopyWithId, await CopyAsync("bench_copy_id", "id, name, email", idCsv));
    bestSink = Math.Max(bestSink, await SinkAsync());
}

Console.WriteLine();
Console.WriteLine($"psql \\copy (name, email)      {bestCopy,12:N0} rows/s");
Console.WriteLine($"psql \\copy (id, name, email)  {bestCopyWithId,12:N0} rows/s");
Console.WriteLine($"sink (JSON → binary COPY)     {bestSink,12:N0} rows/s");
Console.WriteLine($"ratio sink / copy (name, email)     {bestSink / bestCopy:0.00}");
Console.WriteLine($"ratio sink / copy (id, name, email) {bestSink / bestCopyWithId:0.00}");
csvDir.Delete(recursive: true);

async Task<double> CopyAsync(string table, string columns, string file)
{
    await using (var sink = Sink(table))
    {
        await sink.EnsureSchemaAsync();
    }

    await Psql($"TRUNCATE {table}");
    var watch = Stopwatch.StartNew();
    await Psql($"\\copy {table}({columns}) from '{file}' csv");
    var rate = rows / watch.Elapsed.TotalSeconds;
    await Check(table);
    Console.WriteLine($"  \\copy {table}({columns}): {watch.Elapsed.TotalSeconds:0.00} s, {rate:N0} rows/s");
    return rate;
}

async Task<double> SinkAsync()
{
    await using var sink = Sink("bench_sink");
    await sink.EnsureSchemaAsync();
    await Psql("TRUNCATE bench_sink");
    var next = -1;
    var watch = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, writers).Select(_ => Task.Run(async () =>
    {
        int batch;
        while ((batch = Interlocked.Increment(ref next)) * batchSize < rows)
        {
            var from = batch * batchSize;
            var result = await sink.WriteAsync(new ArraySegment<SinkRecord>(records, from, Math.Min(batchSize, rows - from)));
            if (result.Rejected.Count > 0)
            {
                throw new InvalidOperationException(result.Rejected[0].Reason);
            }
        }
    })));
    var rate = rows / watch.Elapsed.TotalSeconds;
    await Check("bench_sink");
    Console.WriteLine($"  sink: {watch.Elapsed.TotalSeconds:0.00} s, {rate:N0} rows/s, peak connections {sink.PoolStatistics.PeakInUse}");
    return rate;
}

ISqlSink Sink(string table) => SqlSinkFactory.Create(new SqlSinkOptions { Name = "bench", DatabaseUrl = url, Table = table });

async Task Check(string table)
{
    var count = int.Parse(await Psql($"SELECT count(*) FROM {table}"), CultureInfo.InvariantCulture);
    if (count != rows)
    {
        throw new InvalidOperationException($"{table} has {count} rows, expected {rows}");
    }
}

async Task<string> Psql(string command)
{
    var start = new ProcessStartInfo(psql) { RedirectStandardOutput = true, RedirectStandardError = true };
    var port = parsed.Port!.Value.ToString(CultureInfo.InvariantCulture);
    foreach (var arg in new[] { "-h", parsed.Host!, "-p", port, "-U", parsed.User ?? "", "-d", parsed.Database!,
                 "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-c", command })
    {
        start.ArgumentList.Add(arg);
    }

    // psql reads the password from its environment; the benchmark's test URL carries it, the command line does not.
    start.Environment["PGPASSWORD"] = Uri.UnescapeDataString(new Uri(url).UserInfo.Split(':', 2).ElementAtOrDefault(1) ?? "");
    using var process = Process.Start(start)!;
    var output = await process.StandardOutput.ReadToEndAsync();
    var error = await process.StandardError.ReadToEndAsync();
    await process.WaitForExitAsync();
    return process.ExitCode == 0 ? output.Trim() : throw new InvalidOperationException($"psql failed: {error}");
}
