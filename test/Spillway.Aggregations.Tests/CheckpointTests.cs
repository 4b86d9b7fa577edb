using Spillway.TestKit;

namespace Spillway.Aggregations.Tests;

public sealed class CheckpointTests
{
    private const string Aggregates =
        "COUNT(*) AS n, AVG(temp) AS a, MIN(temp) AS lo, COUNT(DISTINCT user) AS users, PERCENTILE(temp, 0.99) AS p99";

    [Theory]
    [InlineData("TUMBLE(ts, INTERVAL '1' MINUTE)")]
    [InlineData("HOP(ts, INTERVAL '10' SECOND, INTERVAL '20' SECOND)")]
    [InlineData("SESSION(ts, INTERVAL '5' SECOND)")]
    public void Restoring_a_checkpoint_and_continuing_gives_the_rows_of_an_uninterrupted_run(string window)
    {
        // Jitter beyond the out-of-orderness makes late records and, with lateness, updates.
        var readings = Reading.Generate(8_000, 30, seed: 11, jitterMs: 25_000);
        var sql = $"SELECT device, {Aggregates} FROM readings GROUP BY device, {window}";
        var whole = Run(sql, readings, cutAt: null);
        var resumed = Run(sql, readings, cutAt: 3_333);

        Assert.NotEmpty(whole.Late);
        Assert.Contains(whole.Rows, r => r.Kind == ResultKind.Update);
        Assert.Equal(Spell(whole.Rows), Spell(resumed.Rows));
        Assert.Equal(whole.Late.Select(l => l.RecordId), resumed.Late.Select(l => l.RecordId));
    }

    [Fact]
    public void A_damaged_checkpoint_or_one_of_other_windows_is_refused()
    {
        var clock = new ManualTimeProvider(Reading.Start);
        var definition = AggregationSql.Parse("SELECT device, COUNT(*) AS n FROM r GROUP BY device, TUMBLE(ts, INTERVAL '1' MINUTE)", "a");
        var engine = new AggregationEngine(definition, clock);
        engine.Add(EventTimeTests.Record("a", 1_000, 1));
        var checkpoint = engine.Checkpoint(new Dictionary<string, string> { ["shard-0"] = "42" }).Checkpoint!;

        Assert.Equal("42", new AggregationEngine(definition, clock).Restore(checkpoint)["shard-0"]);
        var damaged = checkpoint.ToArray();
        damaged[20] ^= 1;
        Assert.Contains("damaged", Assert.Throws<InvalidDataException>(() => new AggregationEngine(definition, clock).Restore(damaged)).Message);
        var other = AggregationSql.Parse("SELECT device, COUNT(*) AS n FROM r GROUP BY device, TUMBLE(ts, INTERVAL '2' MINUTE)", "a");
        Assert.Contains("other keys, window or aggregates",
            Assert.Throws<InvalidDataException>(() => new AggregationEngine(other, clock).Restore(checkpoint)).Message);
    }

    private static (List<AggregateResult> Rows, List<LateRecord> Late) Run(string sql, List<Reading> readings, int? cutAt)
    {
        var parsed = AggregationSql.Parse(sql, "cp");
        var definition = new AggregationDefinition
        {
            Name = parsed.Name,
            Source = parsed.Source,
            EventTimeField = parsed.EventTimeField,
            KeyFields = parsed.KeyFields,
            Window = parsed.Window,
            Aggregates = parsed.Aggregates,
            AllowedLateness = TimeSpan.FromSeconds(3),
        };
        var clock = new ManualTimeProvider(Reading.Start);
        var engine = new AggregationEngine(definition, clock);
        var rows = new List<AggregateResult>();
        var late = new List<LateRecord>();
        for (var i = 0; i < readings.Count; i++)
        {
            engine.Add(readings[i].Json(isoTime: i % 3 == 0), i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (i == cutAt)
            {
                // Everything after this checkpoint is lost with the engine; a new one restores it and replays the rest.
                var output = engine.Checkpoint(new Dictionary<string, string> { ["p"] = i.ToString(System.Globalization.CultureInfo.InvariantCulture) });
                rows.AddRange(output.Rows);
                late.AddRange(output.Late);
                engine = new AggregationEngine(definition, clock);
                Assert.Equal(i, int.Parse(engine.Restore(output.Checkpoint)["p"], System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        clock.Advance(TimeSpan.FromHours(1));
        engine.Tick();
        var last = engine.TakeOutput();
        rows.AddRange(last.Rows);
        late.AddRange(last.Late);
        return (rows, late);
    }

    // Rows in the order a sink applies them, keyed by key and window: the last one for each wins.
    private static List<string> Spell(List<AggregateResult> rows) =>
    [
        .. rows
            .GroupBy(r => (r.Keys[0], r.WindowStart))
            .Select(g => g.Last())
            .Select(r => $"{r.Keys[0]} {r.WindowStart:O} {r.WindowEnd:O} {string.Join(',', r.Values)}")
            .Order(StringComparer.Ordinal),
    ];
}
