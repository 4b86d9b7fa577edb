using System.Text;
using Spillway.TestKit;

namespace Spillway.Aggregations.Tests;

public sealed class EventTimeTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_window_fires_once_the_watermark_passes_its_end_and_out_of_order_records_within_the_bound_count()
    {
        var (engine, _) = Engine("TUMBLE(ts, INTERVAL '1' MINUTE)");
        engine.Add(Record("a", 10_000, 1));
        engine.Add(Record("a", 64_000, 2));
        engine.Add(Record("a", 58_000, 3));
        Assert.Empty(engine.TakeOutput().Rows);

        engine.Add(Record("a", 65_000, 4));
        var row = Assert.Single(engine.TakeOutput().Rows);

        Assert.Equal(["a"], row.Keys);
        Assert.Equal((T0, T0.AddMinutes(1)), (row.WindowStart, row.WindowEnd));
        Assert.Equal([2L, 4.0], row.Values);
        Assert.Equal(ResultKind.Final, row.Kind);
    }

    [Fact]
    public void A_record_later_than_its_window_goes_to_the_late_records_counted_and_invalid_ones_too()
    {
        var (engine, _) = Engine("TUMBLE(ts, INTERVAL '1' MINUTE)");
        engine.Add(Record("a", 10_000, 1));
        engine.Add(Record("a", 70_000, 1));
        engine.TakeOutput();

        engine.Add(Record("a", 20_000, 5), "shard-1/17");
        engine.Add("""{"device":"a","temp":1}"""u8);
        engine.Add("not json"u8);
        engine.Add("""{"device":"a","ts":"yesterday","temp":1}"""u8);
        var output = engine.TakeOutput();

        Assert.Empty(output.Rows);
        var late = output.Late[0];
        Assert.Equal((LateReason.Late, "shard-1/17", T0.AddSeconds(20)), (late.Reason, late.RecordId, late.EventTime));
        Assert.Equal(T0.AddSeconds(65), late.Watermark);
        Assert.Equal(Record("a", 20_000, 5), late.Data.ToArray());
        Assert.Equal([LateReason.Invalid, LateReason.Invalid, LateReason.Invalid], output.Late.Skip(1).Select(l => l.Reason));
        Assert.Equal((1L, 3L, 6L), (engine.Statistics.LateRecords, engine.Statistics.InvalidRecords, engine.Statistics.RecordsIn));
    }

    [Fact]
    public void Allowed_lateness_updates_a_fired_window_and_emits_its_row_again()
    {
        var (engine, _) = Engine("TUMBLE(ts, INTERVAL '1' MINUTE)", lateness: TimeSpan.FromSeconds(30));
        engine.Add(Record("a", 10_000, 1));
        engine.Add(Record("a", 66_000, 1));
        Assert.Equal(ResultKind.Final, Assert.Single(engine.TakeOutput().Rows).Kind);

        engine.Add(Record("a", 30_000, 9));
        var update = Assert.Single(engine.TakeOutput().Rows);
        Assert.Equal((ResultKind.Update, T0), (update.Kind, update.WindowStart));
        Assert.Equal([2L, 10.0], update.Values);

        // Past end + lateness (watermark 91 s ≥ 60 + 30), the window is gone and a record for it is late.
        engine.Add(Record("a", 96_000, 1));
        engine.Add(Record("a", 40_000, 1));
        var output = engine.TakeOutput();
        Assert.Empty(output.Rows);
        Assert.Equal(LateReason.Late, Assert.Single(output.Late).Reason);
    }

    [Fact]
    public void Idle_input_moves_the_watermark_with_the_clock_so_the_last_window_closes()
    {
        var (engine, clock) = Engine("TUMBLE(ts, INTERVAL '1' MINUTE)", idle: TimeSpan.FromSeconds(30));
        engine.Add(Record("a", 10_000, 1));
        engine.Add(Record("b", 50_000, 1));

        clock.Advance(TimeSpan.FromSeconds(29));
        engine.Tick();
        Assert.Empty(engine.TakeOutput().Rows);

        // Idle: watermark = 50 s − 5 s + 30 s of quiet = 75 s, past the window's end.
        clock.Advance(TimeSpan.FromSeconds(1));
        engine.Tick();
        Assert.Equal(["a", "b"], engine.TakeOutput().Rows.Select(r => (string)r.Keys[0]!).Order());
        Assert.Equal(T0.AddSeconds(75), engine.Watermark);
    }

    [Fact]
    public void The_watermark_waits_for_the_slowest_partition_until_it_is_idle()
    {
        var (engine, clock) = Engine("TUMBLE(ts, INTERVAL '1' MINUTE)", idle: TimeSpan.FromSeconds(30));
        var fast = engine.OpenPartition("shard-0");
        var slow = engine.OpenPartition("shard-1");
        engine.Add(Record("a", 10_000, 1), fast);
        engine.Add(Record("b", 5_000, 1), slow);
        engine.Add(Record("a", 100_000, 1), fast);
        Assert.Equal(T0, engine.Watermark);
        Assert.Empty(engine.TakeOutput().Rows);

        clock.Advance(TimeSpan.FromSeconds(20));
        engine.Add(Record("a", 120_000, 1), fast);
        clock.Advance(TimeSpan.FromSeconds(10));
        engine.Tick();

        Assert.Equal(T0.AddSeconds(115), engine.Watermark);
        Assert.Equal(2, engine.TakeOutput().Rows.Count);
    }

    [Fact]
    public void Hopping_windows_emit_each_overlapping_window_from_its_panes()
    {
        var (engine, _) = Engine("HOP(ts, INTERVAL '1' MINUTE, INTERVAL '3' MINUTE)");
        engine.Add(Record("a", 30_000, 1));
        engine.Add(Record("a", 90_000, 2));
        engine.Add(Record("a", 400_000, 4));
        var rows = engine.TakeOutput().Rows;

        Assert.Equal(
            [(-120, 1L, 1.0), (-60, 2L, 3.0), (0, 2L, 3.0), (60, 1L, 2.0)],
            rows.Select(r => ((int)(r.WindowStart - T0).TotalSeconds, (long)r.Values[0]!, (double)r.Values[1]!)));
        Assert.All(rows, r => Assert.Equal(TimeSpan.FromMinutes(3), r.WindowEnd - r.WindowStart));
    }

    [Fact]
    public void A_record_that_bridges_two_sessions_merges_them_into_one()
    {
        var (engine, _) = Engine("SESSION(ts, INTERVAL '10' SECOND)");
        engine.Add(Record("a", 0, 1));
        engine.Add(Record("a", 14_000, 2));
        engine.Add(Record("b", 1_000, 5));
        Assert.Equal(3, engine.Statistics.OpenWindows);
        engine.Add(Record("a", 7_000, 3));
        Assert.Equal(2, engine.Statistics.OpenWindows);
        engine.Add(Record("z", 60_000, 0));
        var rows = engine.TakeOutput().Rows.OrderBy(r => (string)r.Keys[0]!).ToList();

        Assert.Equal(2, rows.Count);
        Assert.Equal(("a", T0, T0.AddSeconds(24)), ((string)rows[0].Keys[0]!, rows[0].WindowStart, rows[0].WindowEnd));
        Assert.Equal([3L, 6.0], rows[0].Values);
        Assert.Equal(("b", T0.AddSeconds(1), T0.AddSeconds(11)), ((string)rows[1].Keys[0]!, rows[1].WindowStart, rows[1].WindowEnd));
    }

    [Fact]
    public void Early_firing_emits_partial_rows_of_open_windows_at_the_interval()
    {
        var clock = new ManualTimeProvider(T0);
        var definition = AggregationSql.Parse(Query("TUMBLE(ts, INTERVAL '1' MINUTE)"), "early");
        var engine = new AggregationEngine(new AggregationDefinition
        {
            Name = definition.Name,
            Source = definition.Source,
            EventTimeField = definition.EventTimeField,
            KeyFields = definition.KeyFields,
            Window = definition.Window,
            Aggregates = definition.Aggregates,
            EarlyFireInterval = TimeSpan.FromSeconds(10),
        }, clock);
        engine.Add(Record("a", 1_000, 1));
        engine.Tick();
        Assert.Empty(engine.TakeOutput().Rows);

        clock.Advance(TimeSpan.FromSeconds(10));
        engine.Add(Record("a", 2_000, 2));
        engine.Tick();
        var early = Assert.Single(engine.TakeOutput().Rows);
        Assert.Equal((ResultKind.Early, 2L), (early.Kind, (long)early.Values[0]!));
    }

    [Fact]
    public void A_filter_leaves_records_out_without_moving_the_watermark()
    {
        var clock = new ManualTimeProvider(T0);
        var engine = new AggregationEngine(
            AggregationSql.Parse("SELECT device, COUNT(*) AS n FROM readings WHERE temp >= 2 AND device <> 'x' GROUP BY device, TUMBLE(ts, INTERVAL '1' MINUTE)"),
            clock);
        engine.Add(Record("a", 1_000, 1));
        engine.Add(Record("a", 2_000, 2));
        engine.Add(Record("x", 3_000, 5));
        engine.Add(Record("a", 500_000, 0));
        Assert.Equal(T0.AddSeconds(-3), engine.Watermark);

        engine.Add(Record("a", 70_000, 3));
        var row = Assert.Single(engine.TakeOutput().Rows);
        Assert.Equal([1L], row.Values);
        Assert.Equal(3, engine.Statistics.RecordsFiltered);
    }

    [Fact]
    public void Nested_and_missing_key_fields_group_by_their_values_and_null()
    {
        var clock = new ManualTimeProvider(T0);
        var engine = new AggregationEngine(
            AggregationSql.Parse("SELECT site.id AS site, COUNT(*) AS n FROM readings GROUP BY site.id, TUMBLE(ts, INTERVAL '1' MINUTE)"),
            clock);
        engine.Add("""{"ts":1000,"site":{"id":7,"name":"north"}}"""u8);
        engine.Add("""{"site":{"name":"n","id":7},"ts":2000}"""u8);
        engine.Add("""{"ts":3000,"site":{"id":"7"}}"""u8);
        engine.Add("""{"ts":4000}"""u8);
        engine.Add("""{"ts":90000,"site":{"id":1}}"""u8);

        var rows = engine.TakeOutput().Rows.Select(r => (r.Keys[0], (long)r.Values[0]!)).ToList();
        Assert.Equal(3, rows.Count);
        Assert.Contains((7L, 2L), rows.Select(r => (r.Item1 as long? ?? -1, r.Item2)));
        Assert.Contains(("7", 1L), rows.Select(r => (r.Item1 as string, r.Item2)));
        Assert.Contains(((object?)null, 1L), rows);
    }

    internal static byte[] Record(string device, long offsetMs, double temp) =>
        Encoding.UTF8.GetBytes($$"""{"device":"{{device}}","ts":{{T0.ToUnixTimeMilliseconds() + offsetMs}},"temp":{{temp}}}""");

    private static string Query(string window) => $"SELECT device, COUNT(*) AS n, SUM(temp) AS s FROM readings GROUP BY device, {window}";

    private static (AggregationEngine Engine, ManualTimeProvider Clock) Engine(string window, TimeSpan? lateness = null, TimeSpan? idle = null)
    {
        var parsed = AggregationSql.Parse(Query(window), "test");
        var clock = new ManualTimeProvider(T0);
        var definition = new AggregationDefinition
        {
            Name = parsed.Name,
            Source = parsed.Source,
            EventTimeField = parsed.EventTimeField,
            KeyFields = parsed.KeyFields,
            Window = parsed.Window,
            Aggregates = parsed.Aggregates,
            AllowedLateness = lateness ?? TimeSpan.Zero,
            IdleTimeout = idle ?? TimeSpan.FromSeconds(30),
        };
        return (new AggregationEngine(definition, clock), clock);
    }
}
