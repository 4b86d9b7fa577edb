using System.Diagnostics;
using Spillway.Drain.Bench;

// The seed pipeline's default drain, end to end, against the database's own bulk load of the same rows, in the same
// run: a `spillway serve` with the defaults takes a burst of NDJSON POSTs at /submit (bodies of the route's per-request
// limit) and its worker writes them into `users`; the clock runs from the first POST until the queue is empty, which
// is after the last row committed. The baseline loads the same rows from a CSV file into a table of the same shape
// with `psql \copy` or MariaDB's `LOAD DATA LOCAL INFILE`. Each round measures every build and the baseline, in an
// order that rotates from round to round; the medians judge.
var settings = DrainSettings.Parse(args);
var database = BaselineDatabase.For(settings);
var work = Directory.CreateTempSubdirectory("spillway-drain-bench-").FullName;
const string Table = "users";
const string BaselineTable = "bench_drain_baseline";
var servers = new List<SpillwayServer>();
try
{
    var burst = await Burst.CreateAsync(settings, database, work);
    await database.RunAsync($"DROP TABLE IF EXISTS {Table}");
    for (var i = 0; i < settings.Builds.Count; i++)
    {
        servers.Add(await SpillwayServer.StartAsync(settings, settings.Builds[i].Dll, Path.Combine(work, $"data-{i}")));
    }

    await database.CreateLikeAsync(BaselineTable, Table);
    var label = settings.ServerSettings.Count == 0 ? "the defaults" : string.Join(' ', settings.ServerSettings);
    Console.WriteLine($"{settings.Records:N0} records as {burst.Bodies.Count} NDJSON POSTs from {settings.Clients} clients, "
        + $"servers with {label}; baseline {database.BaselineName}; {settings.Rounds} rounds");

    // Warm-up: JIT through its tiers, pools and the database's caches, on every side, before anything is timed.
    var warmup = burst.Bodies.Take(Math.Max(1, settings.Warmup / settings.PerRequest)).ToList();
    foreach (var server in servers)
    {
        await server.SendAndDrainAsync(warmup, settings.Clients);
        await server.SendAndDrainAsync(warmup, settings.Clients);
    }

    await database.LoadAsync(BaselineTable, burst.CsvPath);

    var names = settings.Builds.Select(b => b.Label).ToList();
    var rates = names.ToDictionary(n => n, _ => new List<double>());
    var ratios = names.ToDictionary(n => n, _ => new List<double>());
    var baseline = new List<double>();
    for (var round = 1; round <= settings.Rounds; round++)
    {
        var runs = new Dictionary<string, BurstRun>();
        double loadSeconds = 0;
        var steps = new List<Func<Task>>();
        for (var i = 0; i < servers.Count; i++)
        {
            var (server, name) = (servers[i], names[i]);
            steps.Add(async () =>
            {
                await database.TruncateAsync(Table);
                await database.SettleAsync();
                runs[name] = await server.SendAndDrainAsync(burst.Bodies, settings.Clients);
                var rows = await database.CountAsync(Table);
                if (rows != settings.Records || await server.WaitingAsync("submit-dlq") != 0)
                {
                    throw new InvalidOperationException($"{Table} has {rows:N0} rows after {name}'s drain, expected {settings.Records:N0}.");
                }
            });
        }

        steps.Add(async () =>
        {
            await database.TruncateAsync(BaselineTable);
            await database.SettleAsync();
            var clock = Stopwatch.StartNew();
            await database.LoadAsync(BaselineTable, burst.CsvPath);
            loadSeconds = clock.Elapsed.TotalSeconds;
            var rows = await database.CountAsync(BaselineTable);
            if (rows != settings.Records)
            {
                throw new InvalidOperationException($"{BaselineTable} has {rows:N0} rows, expected {settings.Records:N0}.");
            }
        });

        // The order rotates, so no side always runs first or always meets another's leftovers.
        for (var i = 0; i < steps.Count; i++)
        {
            await steps[(i + round - 1) % steps.Count]();
        }

        var loadRate = settings.Records / loadSeconds;
        baseline.Add(loadRate);
        Console.WriteLine($"round {round}: {database.BaselineName} {loadRate:N0} rows/s ({loadSeconds:F2} s)");
        foreach (var name in names)
        {
            var run = runs[name];
            var rate = settings.Records / run.DrainedSeconds;
            rates[name].Add(rate);
            ratios[name].Add(rate / loadRate);
            Console.WriteLine($"  {name}: {rate:N0} rows/s ({run.DrainedSeconds:F2} s, last POST answered at {run.IngestSeconds:F2} s, "
                + $"server CPU {run.ServerCpuSeconds:F2} s); ratio {rate / loadRate:F2}");
        }
    }

    Console.WriteLine();
    Console.WriteLine($"{database.BaselineName,-24} median {Median(baseline),9:N0} rows/s ({baseline.Min():N0}–{baseline.Max():N0})");
    foreach (var name in names)
    {
        Console.WriteLine($"{name,-24} median {Median(rates[name]),9:N0} rows/s ({rates[name].Min():N0}–{rates[name].Max():N0}); "
            + $"ratio median {Median(ratios[name]):F2} ({ratios[name].Min():F2}–{ratios[name].Max():F2})");
    }

    await database.RunAsync($"DROP TABLE IF EXISTS {BaselineTable}");
}
finally
{
    foreach (var server in servers)
    {
        await server.DisposeAsync();
    }

    Directory.Delete(work, recursive: true);
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
}
