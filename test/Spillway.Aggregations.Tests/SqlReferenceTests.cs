using Spillway.TestKit;

namespace Spillway.Aggregations.Tests;

/// <summary>Each window kind gives what a plain SQL GROUP BY over the same records gives in PostgreSQL.</summary>
public sealed class SqlReferenceTests
{
    // Per key and window: count, sum, min, max, avg, distinct users, and the p99 value by the lower-rank convention.
    private const string Measures = """
        count(*), sum(temp), min(temp), max(temp), avg(temp), count(DISTINCT usr),
        (array_agg(temp ORDER BY temp))[floor(0.99 * (count(*) - 1))::int + 1]
        """;

    private const string Select = """
        SELECT device, n, sum_temp, min_temp, max_temp, avg_temp, users, p99, window_start, window_end FROM readings
        """;

    private const string Aggregates =
        "COUNT(*) AS n, SUM(temp) AS sum_temp, MIN(temp) AS min_temp, MAX(temp) AS max_temp, AVG(temp) AS avg_temp, COUNT(DISTINCT user) AS users, PERCENTILE(temp, 0.99) AS p99";

    [Fact]
    public async Task Tumbling_windows_equal_date_bin_group_by()
    {
        var readings = Reading.Generate(6_000, 25, seed: 1);
        var rows = Run($"SELECT device, {Aggregates} FROM readings GROUP BY device, TUMBLE(ts, INTERVAL '1' MINUTE)", readings);
        await using var db = await ReferenceDatabase.CreateAsync();
        await db.LoadAsync(readings);
        var expected = await db.QueryAsync($"""
            SELECT device, date_bin('1 minute', ts, timestamptz 'epoch') AS ws, date_bin('1 minute', ts, timestamptz 'epoch') + interval '1 minute', {Measures}
            FROM readings GROUP BY 1, 2
            """);

        AssertSame(expected, rows);
    }

    [Fact]
    public async Task Hopping_windows_equal_a_group_by_over_generated_window_starts()
    {
        var readings = Reading.Generate(5_000, 20, seed: 2);
        var rows = Run(
            $"SELECT device, {Aggregates} FROM readings GROUP BY device, HOP(ts, INTERVAL '1' MINUTE, INTERVAL '5' MINUTE)", readings);
        await using var db = await ReferenceDatabase.CreateAsync();
        await db.LoadAsync(readings);
        var expected = await db.QueryAsync($"""
            SELECT device, w.ws, w.ws + interval '5 minutes', {Measures}
            FROM readings CROSS JOIN LATERAL generate_series(
                date_bin('1 minute', ts, timestamptz 'epoch') - interval '4 minutes',
                date_bin('1 minute', ts, timestamptz 'epoch'), interval '1 minute') AS w(ws)
            GROUP BY 1, 2
            """);

        AssertSame(expected, rows);
    }

    [Fact]
    public async Task Session_windows_equal_a_gaps_and_islands_query()
    {
        var readings = Reading.Generate(4_000, 15, seed: 3);
        var rows = Run($"SELECT device, {Aggregates} FROM readings GROUP BY device, SESSION(ts, INTERVAL '30' SECOND)", readings);
        await using var db = await ReferenceDatabase.CreateAsync();
        await db.LoadAsync(readings);
        var expected = await db.QueryAsync($"""
            WITH marked AS (
                SELECT *, CASE WHEN ts - lag(ts) OVER (PARTITION BY device ORDER BY ts) <= interval '30 seconds' THEN 0 ELSE 1 END AS brk
                FROM readings),
            numbered AS (
                SELECT *, sum(brk) OVER (PARTITION BY device ORDER BY ts, brk DESC ROWS UNBOUNDED PRECEDING) AS session FROM marked)
            SELECT device, min(ts), max(ts) + interval '30 seconds', {Measures}
            FROM numbered GROUP BY device, session
            """);

        Assert.True(expected.Count > 100, "the readings split into many sessions");
        AssertSame(expected, rows);
    }

    internal static List<AggregateResult> Run(string sql, IReadOnlyList<Reading> readings)
    {
        var clock = new ManualTimeProvider(Reading.Start);
        var engine = new AggregationEngine(AggregationSql.Parse(sql, "reference"), clock);
        var i = 0;
        foreach (var r in readings)
        {
            engine.Add(r.Json(isoTime: i++ % 2 == 0));
        }

        clock.Advance(TimeSpan.FromHours(1));
        engine.Tick();
        var output = engine.TakeOutput();
        Assert.Empty(output.Late);
        Assert.All(output.Rows, r => Assert.Equal(ResultKind.Final, r.Kind));
        return [.. output.Rows];
    }

    private static void AssertSame(List<object?[]> expected, List<AggregateResult> actual)
    {
        var byWindow = actual.ToDictionary(r => ((string)r.Keys[0]!, r.WindowStart.ToUnixTimeMilliseconds()));
        Assert.Equal(expected.Count, actual.Count);
        foreach (var e in expected)
        {
            var start = new DateTimeOffset((DateTime)e[1]!).ToUnixTimeMilliseconds();
            Assert.True(byWindow.TryGetValue(((string)e[0]!, start), out var row), $"a row for {e[0]} at {e[1]}");
            Assert.Equal(new DateTimeOffset((DateTime)e[2]!), row.WindowEnd);
            Assert.Equal((long)e[3]!, row.Values[0]);
            Assert.Equal((double)e[4]!, (double)row.Values[1]!, 1e-6);
            Assert.Equal((double)e[5]!, row.Values[2]);
            Assert.Equal((double)e[6]!, row.Values[3]);
            Assert.Equal((double)e[7]!, (double)row.Values[4]!, 1e-9);
            var users = (long)e[8]!;
            Assert.InRange((long)row.Values[5]!, users - Math.Max(1, users / 50), users + Math.Max(1, users / 50));
            var p99 = (double)e[9]!;
            Assert.InRange((double)row.Values[6]!, p99 * 0.99, p99 * 1.01);
        }
    }
}
