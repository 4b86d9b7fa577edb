using System.Globalization;
using Spillway.Sinks.Aggregates;

namespace Spillway.Sinks.Tests.Compliance;

/// <summary>
/// What every aggregation results table must do, whatever the database. Each provider inherits this class with its
/// own <see cref="SinkDatabase"/>; each test has its own table in the class's fresh database, and its own checkpoint owner.
/// </summary>
public abstract class AggregateTableCompliance<TDatabase>(TDatabase database) : IClassFixture<TDatabase>, IAsyncLifetime
    where TDatabase : SinkDatabase
{
    private static readonly DateTimeOffset Start = new(2026, 12, 6, 8, 0, 0, TimeSpan.Zero);

    private readonly List<IAggregateTable> tables = [];

    /// <summary>This test's own table and checkpoint owner.</summary>
    protected string Table { get; } = "agg_" + Guid.NewGuid().ToString("N")[..12];

    private string Owner => "aggregation " + Table;

    protected TDatabase Database { get; } = database;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var table in tables)
        {
            await table.DisposeAsync();
        }
    }

    /// <summary>Makes the database refuse any row whose integer <paramref name="column"/> is -1, as a constraint would.</summary>
    protected abstract string RefuseMinusOneSql(string table, string column);

    [Fact]
    public async Task EnsureCreated_makes_the_table_keyed_on_keys_and_window_and_a_second_call_keeps_its_rows()
    {
        var results = await ReadyTableAsync();
        await results.UpsertAsync([Row("press-1", 1, 0, 10, 2.5)], Owner, "a"u8.ToArray());

        await results.EnsureCreatedAsync();

        Assert.Equal(1L, await ScalarAsync($"SELECT count(*) FROM {Table} WHERE device = 'press-1' AND line = 1 AND readings = 10"));
        Assert.Equal(1L, await ScalarAsync($"SELECT count(*) FROM spillway_aggregation_checkpoints WHERE owner = '{Owner}'"));
    }

    [Fact]
    public async Task A_late_update_of_a_key_and_window_replaces_its_row_and_other_windows_are_new_rows()
    {
        var results = await ReadyTableAsync();
        await results.UpsertAsync([Row("press-1", 1, 0, 10, 2.5), Row("press-2", 1, 0, 4, 1.0)], Owner, "1"u8.ToArray());

        await results.UpsertAsync([Row("press-1", 1, 0, 11, 2.75), Row("press-1", 1, 1, 3, null)], Owner, "2"u8.ToArray());

        var rows = (await results.ReadPageAsync(new AggregatePageRequest())).Rows;
        Assert.Equal(3, rows.Count);
        Assert.Equal(
            ["device", "line", AggregateShape.WindowStart, AggregateShape.WindowEnd, "readings", "mean"], rows[0].Keys);
        Assert.Equal(("press-1", 11L, 2.75), ((string)rows[0]["device"]!, (long)rows[0]["readings"]!, (double)rows[0]["mean"]!));
        Assert.Equal("2026-12-06T08:00:00.000Z", rows[0][AggregateShape.WindowStart]);
        Assert.Equal("2026-12-06T08:01:00.000Z", rows[0][AggregateShape.WindowEnd]);
        Assert.Equal(("press-2", 4L), ((string)rows[1]["device"]!, (long)rows[1]["readings"]!));
        Assert.Equal(("press-1", 3L), ((string)rows[2]["device"]!, (long)rows[2]["readings"]!));
        Assert.Null(rows[2]["mean"]);
        Assert.Equal("2"u8.ToArray(), await results.ReadCheckpointAsync(Owner));
    }

    [Fact]
    public async Task Of_several_rows_for_one_key_and_window_in_one_upsert_the_last_counts()
    {
        var results = await ReadyTableAsync();

        AggregateRow[] rows = [Row("press-1", 1, 0, 1, 1.0), Row("press-2", 1, 0, 5, 1.0), Row("press-1", 1, 0, 2, 2.0)];

        await results.UpsertAsync(rows, Owner, new byte[] { 1 });

        Assert.Equal(2L, await ScalarAsync($"SELECT count(*) FROM {Table}"));
        Assert.Equal(2L, await ScalarAsync($"SELECT readings FROM {Table} WHERE device = 'press-1'"));
    }

    [Fact]
    public async Task A_statement_the_database_refuses_rolls_back_every_row_and_the_checkpoint()
    {
        var results = await ReadyTableAsync();
        await results.UpsertAsync([Row("press-1", 1, 0, 10, 2.5)], Owner, "before"u8.ToArray());
        await ExecuteAsync(RefuseMinusOneSql(Table, "readings"));

        // Several statements on every provider: the refused row is in the last one, after the others have run.
        var batch = Enumerable.Range(0, 3_000).Select(i => Row($"d{i}", 2, 0, i, 1.0)).Append(Row("press-1", 1, 0, 99, 9.9)).ToList();
        batch.Add(Row("last", 1, 0, -1, 0.0));

        await Assert.ThrowsAnyAsync<Exception>(() => results.UpsertAsync(batch, Owner, "after"u8.ToArray()));

        Assert.Equal(1L, await ScalarAsync($"SELECT count(*) FROM {Table}"));
        Assert.Equal(10L, await ScalarAsync($"SELECT readings FROM {Table} WHERE device = 'press-1'"));
        Assert.Equal("before"u8.ToArray(), await results.ReadCheckpointAsync(Owner));
    }

    [Fact]
    public async Task A_cancelled_upsert_writes_nothing()
    {
        var results = await ReadyTableAsync();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => results.UpsertAsync([Row("press-1", 1, 0, 10, 2.5)], Owner, new byte[] { 1 }, cancelled.Token));

        Assert.Equal(0L, await ScalarAsync($"SELECT count(*) FROM {Table}"));
        Assert.Null(await results.ReadCheckpointAsync(Owner));
    }

    [Fact]
    public async Task A_bad_row_is_refused_naming_it_before_anything_is_written()
    {
        var results = await ReadyTableAsync();
        var batch = new List<AggregateRow> { Row("press-1", 1, 0, 10, 2.5), Row("press-2", 1, 0, 10, double.NaN) };

        var error = await Assert.ThrowsAsync<ArgumentException>(() => results.UpsertAsync(batch, Owner, new byte[] { 1 }));

        Assert.Contains("Row 1", error.Message, StringComparison.Ordinal);
        Assert.Contains("'mean'", error.Message, StringComparison.Ordinal);
        Assert.Equal(0L, await ScalarAsync($"SELECT count(*) FROM {Table}"));
        Assert.Null(await results.ReadCheckpointAsync(Owner));
    }

    [Fact]
    public async Task Twenty_five_thousand_rows_go_in_one_upsert_and_again_replace_themselves()
    {
        var results = await ReadyTableAsync();
        var batch = Enumerable.Range(0, 25_000).Select(i => Row($"device-{i % 2_500}", i % 3, i / 2_500, i, i / 2.0)).ToList();

        await results.UpsertAsync(batch, Owner, new byte[] { 1 });
        await results.UpsertAsync([.. batch.Select(r => r with { Values = [(long)r.Values[0]! + 1, r.Values[1]] })], Owner, new byte[] { 2 });

        Assert.Equal(25_000L, await ScalarAsync($"SELECT count(*) FROM {Table}"));
        Assert.Equal(Enumerable.Range(1, 25_000).Sum(i => (long)i), await ScalarAsync($"SELECT sum(readings) FROM {Table}"));
        Assert.Equal(new byte[] { 2 }, await results.ReadCheckpointAsync(Owner));
    }

    [Fact]
    public async Task Pages_return_every_row_once_in_window_then_key_order()
    {
        var results = await ReadyTableAsync();
        var rows = new List<AggregateRow>();
        foreach (var minute in new[] { 3, 0, 2, 1 })
        {
            foreach (var device in new[] { "b", "a", "c", "A", "a-long-name" })
            {
                foreach (var line in new[] { 2, -1, 1 })
                {
                    rows.Add(Row(device, line, minute, minute * 100, 1.0));
                    // A hopping window sharing the start, ending a minute later.
                    rows.Add(Row(device, line, minute, minute * 100, 1.0) with { WindowEnd = Start.AddMinutes(minute + 2) });
                }
            }
        }

        await results.UpsertAsync(rows, Owner, new byte[] { 1 });
        var expected = rows.OrderBy(r => r.WindowStart).ThenBy(r => (string)r.Keys[0]!, StringComparer.Ordinal)
            .ThenBy(r => (long)r.Keys[1]!).ThenBy(r => r.WindowEnd)
            .Select(r => $"{Iso(r.WindowStart)} {r.Keys[0]} {r.Keys[1]} {Iso(r.WindowEnd)}").ToList();

        var read = new List<string>();
        string? after = null;
        var pages = 0;
        do
        {
            var page = await results.ReadPageAsync(new AggregatePageRequest { Limit = 7, After = after });
            read.AddRange(page.Rows.Select(r => $"{r[AggregateShape.WindowStart]} {r["device"]} {r["line"]} {r[AggregateShape.WindowEnd]}"));
            after = page.Next;
            pages++;
        }
        while (after is not null);

        Assert.Equal(expected, read);
        Assert.Equal((rows.Count + 6) / 7, pages);
    }

    [Fact]
    public async Task A_window_start_range_reads_only_the_windows_starting_in_it()
    {
        var results = await ReadyTableAsync();
        await results.UpsertAsync([.. Enumerable.Range(0, 10).Select(m => Row("press-1", 1, m, m, 1.0))], Owner, new byte[] { 1 });

        var page = await results.ReadPageAsync(new AggregatePageRequest
        {
            Limit = 2, WindowStartFrom = Start.AddMinutes(3), WindowStartBefore = Start.AddMinutes(6),
        });
        var rest = await results.ReadPageAsync(new AggregatePageRequest
        {
            Limit = 2, After = page.Next, WindowStartFrom = Start.AddMinutes(3), WindowStartBefore = Start.AddMinutes(6),
        });

        Assert.Equal([3L, 4L], page.Rows.Select(r => (long)r["readings"]!));
        Assert.Equal([5L], rest.Rows.Select(r => (long)r["readings"]!));
        Assert.Null(rest.Next);
    }

    [Fact]
    public async Task A_continuation_token_not_made_by_the_table_is_refused()
    {
        var results = await ReadyTableAsync();
        var other = await ReadyTableAsync(Table + "_other");
        await other.UpsertAsync([Row("a", 1, 0, 1, 1.0), Row("b", 1, 0, 1, 1.0)], Owner, new byte[] { 1 });
        var foreign = (await other.ReadPageAsync(new AggregatePageRequest { Limit = 1 })).Next!;

        foreach (var token in new[] { foreign, "not a token", foreign[..^3], "e30" })
        {
            var error = await Assert.ThrowsAsync<ArgumentException>(() => results.ReadPageAsync(new AggregatePageRequest { After = token }));
            Assert.Contains("continuation token", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_checkpoint_of_several_megabytes_is_stored_and_read_back_whole()
    {
        var results = await ReadyTableAsync();
        var checkpoint = new byte[6 << 20];
        new Random(19).NextBytes(checkpoint);

        await results.UpsertAsync([Row("press-1", 1, 0, 10, 2.5)], Owner, checkpoint);
        await results.UpsertAsync([], Owner, checkpoint.AsMemory(1));

        Assert.Equal(checkpoint[1..], await results.ReadCheckpointAsync(Owner));
        Assert.Null(await results.ReadCheckpointAsync(Owner + " elsewhere"));
    }

    [Fact]
    public async Task An_existing_table_of_another_shape_is_an_error_naming_each_difference_and_is_left_alone()
    {
        var results = await ReadyTableAsync();
        await results.UpsertAsync([Row("press-1", 1, 0, 10, 2.5)], Owner, new byte[] { 1 });
        var changed = new AggregateShape(
            Table,
            [new AggregateColumn("device", ColumnType.Text, 100)],
            [new AggregateColumn("readings", ColumnType.Real), new AggregateColumn("p99", ColumnType.Real)]);
        await using var reopened = SqlSinkFactory.CreateAggregateTable(DatabaseOptions(), changed);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => reopened.EnsureCreatedAsync());

        Assert.Contains("column 'p99' is missing", error.Message, StringComparison.Ordinal);
        Assert.Contains("column 'readings' is", error.Message, StringComparison.Ordinal);
        Assert.Contains("column 'line' is not in the shape", error.Message, StringComparison.Ordinal);
        Assert.Contains("column 'mean' is not in the shape", error.Message, StringComparison.Ordinal);
        Assert.Contains("primary key", error.Message, StringComparison.Ordinal);
        Assert.Equal(1L, await ScalarAsync($"SELECT count(*) FROM {Table} WHERE readings = 10"));
    }

    [Fact]
    public async Task Drop_removes_the_table_and_the_owners_checkpoint_only()
    {
        var results = await ReadyTableAsync();
        await results.UpsertAsync([Row("press-1", 1, 0, 10, 2.5)], Owner, new byte[] { 1 });
        await results.UpsertAsync([], Owner + " other", new byte[] { 2 });

        await results.DropAsync(Owner);
        await results.DropAsync(Owner); // already gone: nothing to do

        Assert.Null(await results.ReadCheckpointAsync(Owner));
        Assert.Equal(new byte[] { 2 }, await results.ReadCheckpointAsync(Owner + " other"));
        await Assert.ThrowsAnyAsync<Exception>(() => ScalarAsync($"SELECT count(*) FROM {Table}"));
        await results.EnsureCreatedAsync();
        Assert.Equal(0L, await ScalarAsync($"SELECT count(*) FROM {Table}"));
    }

    protected async Task<IAggregateTable> ReadyTableAsync(string? table = null)
    {
        var results = SqlSinkFactory.CreateAggregateTable(DatabaseOptions(), Shape(table ?? Table));
        tables.Add(results);
        await results.EnsureCreatedAsync();
        return results;
    }

    protected SqlSinkOptions DatabaseOptions() => new() { Name = "readings-per-minute", DatabaseUrl = Database.Url, MaxConnections = 2 };

    private static AggregateShape Shape(string table) => new(
        table,
        [new AggregateColumn("device", ColumnType.Text, 100), new AggregateColumn("line", ColumnType.Integer)],
        [new AggregateColumn("readings", ColumnType.Integer), new AggregateColumn("mean", ColumnType.Real)]);

    /// <summary>A one-minute window <paramref name="minute"/> minutes after the test's start.</summary>
    protected static AggregateRow Row(string device, long line, int minute, long readings, double? mean) =>
        new([device, line], Start.AddMinutes(minute), Start.AddMinutes(minute + 1), [readings, mean]);

    private static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    protected Task ExecuteAsync(string sql) => Database.ExecuteAsync(sql);

    protected Task<long> ScalarAsync(string sql) => Database.ScalarAsync(sql);
}

public sealed class SqliteAggregateTableTests(SqliteDatabase database) : AggregateTableCompliance<SqliteDatabase>(database)
{
    protected override string RefuseMinusOneSql(string table, string column) =>
        $"CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} WHEN NEW.{column} = -1 BEGIN SELECT RAISE(ABORT, 'refused'); END";
}

public sealed class PostgreSqlAggregateTableTests(PostgresDatabase database) : AggregateTableCompliance<PostgresDatabase>(database)
{
    protected override string RefuseMinusOneSql(string table, string column) =>
        $"ALTER TABLE {table} ADD CONSTRAINT refuse_{table} CHECK ({column} <> -1)";
}

public sealed class MariaDbAggregateTableTests(MariaDbDatabase database) : AggregateTableCompliance<MariaDbDatabase>(database)
{
    protected override string RefuseMinusOneSql(string table, string column) =>
        $"ALTER TABLE {table} ADD CONSTRAINT refuse_{table} CHECK ({column} <> -1)";

    // The test server keeps MariaDB's default max_allowed_packet, 16 MiB.
    [Fact]
    public async Task A_checkpoint_larger_than_max_allowed_packet_is_refused_before_anything_is_written()
    {
        var results = await ReadyTableAsync();
        var packet = await ScalarAsync("SELECT @@max_allowed_packet");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(
            () => results.UpsertAsync([Row("press-1", 1, 0, 10, 2.5)], "big", new byte[packet]));

        Assert.Contains("max_allowed_packet", error.Message, StringComparison.Ordinal);
        Assert.Equal(0L, await ScalarAsync($"SELECT count(*) FROM {Table}"));
        Assert.Null(await results.ReadCheckpointAsync("big"));
    }
}
