using System.CommandLine;
using System.Globalization;
using Spillway.Aggregations;
using static Spillway.Bench.Support.BenchCommandLine;

namespace Spillway.Bench.Windows;

/// <summary>
/// <c>spillway bench windows</c>: device readings through the aggregation engine, per-minute tumbling and
/// 5-minute/1-minute hopping windows with count, avg and p99 per device, against PostgreSQL computing the same windows
/// from the readings loaded into a table, in the same run (<c>bench/windows.sh</c> starts PostgreSQL). A first, untimed
/// run of each kind checks the engine's counts and averages against PostgreSQL's; then rounds run every contender once
/// in a rotating order, and the verdicts take the median of the rounds against issue 19's goals (at least 2x
/// PostgreSQL's rate, at least 500,000 readings/s).
/// </summary>
internal static class WindowsCommand
{
    private const double RatioGoal = 2;
    private const double RateGoal = 500_000;

    public static Command Create()
    {
        var readings = Int("--readings", "Readings per run.", 1_000_000);
        var devices = Int("--devices", "Devices the readings come from.", 10_000);
        var minutes = Int("--minutes", "Minutes of event time the readings span.", 100);
        var rounds = Int("--rounds", "Rounds, each contender once per round, in rotating order.", 3);
        var database = new Option<string>("--database") { Description = "The PostgreSQL of the baseline (postgresql://…).", Required = true };
        var json = new Option<bool>("--json") { Description = "Print a JSON object of the medians and ratios as the last line." };
        var command = new Command("windows", "Windowed aggregations (tumbling, hopping) through the engine against PostgreSQL's date_bin GROUP BY.")
        {
            readings, devices, minutes, rounds, database, json,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            var (count, deviceCount) = (result.GetValue(readings), result.GetValue(devices));
            var (span, runs) = (result.GetValue(minutes), result.GetValue(rounds));
            if (count < 1 || deviceCount < 1 || span < 1 || runs < 1)
            {
                await Console.Error.WriteLineAsync("--readings, --devices, --minutes and --rounds must be positive").ConfigureAwait(false);
                return 2;
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"windows: {count:N0} readings of {deviceCount:N0} devices over {span} minutes of event time (up to {Readings.JitterMs / 1000} s " +
                $"out of order), count + avg + p99 per device; {runs} round(s)"));
            var input = Readings.Generate(count, deviceCount, TimeSpan.FromMinutes(span), seed: 19);
            await using var postgres = await PostgresWindows.LoadAsync(result.GetValue(database)!, input, cancellationToken).ConfigureAwait(false);
            var kinds = new[]
            {
                new WindowKindRun("tumbling", Definition("tumbling_1m", "TUMBLE(ts, INTERVAL '1' MINUTE)")),
                new WindowKindRun("hopping", Definition("hopping_5m_1m", "HOP(ts, INTERVAL '1' MINUTE, INTERVAL '5' MINUTE)")),
            };
            foreach (var kind in kinds)
            {
                await CheckAsync(kind, input, postgres, cancellationToken).ConfigureAwait(false);
            }

            await RoundsAsync(kinds, input, postgres, runs, cancellationToken).ConfigureAwait(false);
            Report(kinds, count, result.GetValue(json));
            return 0;
        });
        return command;
    }

    private static AggregationDefinition Definition(string name, string window) => AggregationSql.Parse(
        $"SELECT device, COUNT(*) AS n, AVG(temp) AS avg_temp, PERCENTILE(temp, 0.99) AS p99 FROM readings GROUP BY device, {window}", name);

    // The untimed first run of each kind: it warms both up, and its rows are compared.
    private static async Task CheckAsync(WindowKindRun kind, Readings input, PostgresWindows postgres, CancellationToken cancellationToken)
    {
        var engine = await EngineWindows.RunAsync(kind.Definition, input, keepRows: true, cancellationToken).ConfigureAwait(false);
        var expected = await postgres.ResultsAsync(kind.Definition.Window, cancellationToken).ConfigureAwait(false);
        long sum = 0, differing = 0;
        var worstAvg = 0.0;
        foreach (var row in engine.Rows)
        {
            var n = (long)row.Values[0]!;
            sum += n;
            if (!expected.TryGetValue(((string)row.Keys[0]!, row.WindowStart.ToUnixTimeMilliseconds()), out var theirs) || theirs.Count != n)
            {
                differing++;
                continue;
            }

            worstAvg = Math.Max(worstAvg, Math.Abs((double)row.Values[1]! - theirs.Avg));
        }

        var expectedSum = expected.Values.Sum(v => v.Count);
        kind.Correct = differing == 0 && engine.Rows.Count == expected.Count && sum == expectedSum && worstAvg < 1e-9;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"check {kind.Name,-8}: engine {engine.Rows.Count:N0} rows counting {sum:N0} readings, PostgreSQL {expected.Count:N0} rows " +
            $"counting {expectedSum:N0}; {differing:N0} (device, window) counts differ, averages within {worstAvg:G2}; " +
            $"{engine.Statistics.LateRecords} late: {(kind.Correct ? "equal" : "DIFFERENT")}"));
    }

    private static async Task RoundsAsync(
        WindowKindRun[] kinds, Readings input, PostgresWindows postgres, int rounds, CancellationToken cancellationToken)
    {
        var contenders = kinds.SelectMany(k => new[] { (Kind: k, Engine: true), (Kind: k, Engine: false) }).ToArray();
        for (var round = 0; round < rounds; round++)
        {
            // A rotating order, so no contender always runs first, or always right after the same one.
            for (var i = 0; i < contenders.Length; i++)
            {
                var (kind, engine) = contenders[(i + round) % contenders.Length];

                // The garbage of the run before is not this run's to collect.
                GC.Collect();
                GC.WaitForPendingFinalizers();
                string detail;
                if (engine)
                {
                    var run = await EngineWindows.RunAsync(kind.Definition, input, keepRows: false, cancellationToken).ConfigureAwait(false);
                    kind.Engine.Add(run.Seconds);
                    detail = string.Create(CultureInfo.InvariantCulture,
                        $"{run.RowCount:N0} rows, {run.Writes} writes, largest checkpoint {run.CheckpointBytes / 1024.0:N0} KiB");
                }
                else
                {
                    kind.Postgres.Add(await postgres.RunAsync(kind.Definition.Window, cancellationToken).ConfigureAwait(false));
                    detail = "";
                }

                var seconds = engine ? kind.Engine[^1] : kind.Postgres[^1];
                var line = string.Create(CultureInfo.InvariantCulture,
                    $"round {round + 1}: {kind.Name,-8} {(engine ? "engine" : "PostgreSQL"),-10} {seconds,6:F2} s {input.Count / seconds,11:N0} readings/s");
                Console.WriteLine(detail.Length == 0 ? line : line + "  " + detail);
            }
        }
    }

    private static void Report(WindowKindRun[] kinds, int readings, bool json)
    {
        var figures = new Dictionary<string, double>();
        Console.WriteLine();
        foreach (var kind in kinds)
        {
            var engine = readings / Median(kind.Engine);
            var postgres = readings / Median(kind.Postgres);

            // The ratio of each round against PostgreSQL in the same round, then the median of those.
            var ratio = Median([.. kind.Engine.Zip(kind.Postgres, (mine, theirs) => theirs / mine)]);
            figures[kind.Name + " engine readings/s"] = Math.Round(engine);
            figures[kind.Name + " PostgreSQL readings/s"] = Math.Round(postgres);
            figures[kind.Name + " engine / PostgreSQL"] = Math.Round(ratio, 3);
            figures[kind.Name + " results equal"] = kind.Correct ? 1 : 0;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{kind.Name,-8} median: engine {engine,11:N0} readings/s, PostgreSQL {postgres,11:N0} readings/s, {ratio:F2}x"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{kind.Name,-8} goals: {ratio:F2}x PostgreSQL (goal {RatioGoal}x): {(ratio >= RatioGoal ? "met" : "MISSED")}; " +
                $"{engine:N0} readings/s (goal {RateGoal:N0}): {(engine >= RateGoal ? "met" : "MISSED")}"));
        }

        if (json)
        {
            WriteJson(figures);
        }
    }

    /// <summary>One window kind: its aggregation, whether its results equal PostgreSQL's, each side's seconds per round.</summary>
    private sealed class WindowKindRun(string name, AggregationDefinition definition)
    {
        public string Name { get; } = name;

        public AggregationDefinition Definition { get; } = definition;

        public bool Correct { get; set; }

        public List<double> Engine { get; } = [];

        public List<double> Postgres { get; } = [];
    }
}
