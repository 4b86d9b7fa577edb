using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Spillway.TestKit;

namespace Spillway.Sinks.Tests.Compliance;

/// <summary>
/// What every SQL sink must do, whatever the database. Each provider inherits this class with its own
/// <see cref="SinkDatabase"/>; each test writes to its own table in the class's fresh database.
/// </summary>
public abstract partial class SqlSinkCompliance<TDatabase>(TDatabase database) : IClassFixture<TDatabase>, IAsyncLifetime
    where TDatabase : SinkDatabase
{
    private readonly List<ISqlSink> sinks = [];
    private readonly string table = "t_" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>This test's own table.</summary>
    protected string Table => table;

    protected TDatabase Database { get; } = database;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var sink in sinks)
        {
            await sink.DisposeAsync();
        }
    }

    [Fact]
    public async Task EnsureSchema_creates_the_seed_users_table_with_id_name_email_created_at()
    {
        var sink = Sink(options => new SqlSinkOptions { Name = options.Name, DatabaseUrl = options.DatabaseUrl });
        await sink.EnsureSchemaAsync();
        await sink.EnsureSchemaAsync(); // a second start finds the table and leaves it alone

        var result = await sink.WriteAsync([Record(Guid.NewGuid(), "田中太郎", "tanaka@example.com")]);

        Assert.Equal(1, result.Inserted);
        Assert.Equal(1L, await ScalarAsync(
            "SELECT count(*) FROM users WHERE name = '田中太郎' AND email IS NOT NULL AND created_at IS NOT NULL AND id IS NOT NULL"));
    }

    [Fact]
    public async Task Write_inserts_every_record_with_its_message_id_and_sent_time()
    {
        var sink = await ReadySinkAsync();
        var sentAt = new DateTimeOffset(2026, 11, 22, 8, 30, 15, 123, TimeSpan.FromHours(2));
        var records = Enumerable.Range(0, 100).Select(i => Record(Guid.NewGuid(), $"user {i}", $"u{i}@example.com", sentAt)).ToList();

        var result = await sink.WriteAsync(records);

        Assert.Equal(100, result.Inserted);
        Assert.Empty(result.Rejected);
        var rows = await RowsAsync();
        Assert.Equal(100, rows.Count);
        Assert.Equal(records[42].MessageId, rows["user 42"].Id);
        Assert.Equal("u42@example.com", rows["user 42"].Email);
        Assert.Equal(sentAt.UtcDateTime, rows["user 42"].CreatedAt);
    }

    // 20,000 rows is more than one statement's parameters allow on every provider: the chunking is under test too.
    [Theory]
    [InlineData(500)]
    [InlineData(20_000)]
    public async Task Redelivered_batch_makes_no_second_row(int rows)
    {
        var sink = await ReadySinkAsync();
        var batch = Batch(0, rows);

        var first = await sink.WriteAsync(batch);
        var again = await sink.WriteAsync(batch);

        Assert.Equal(rows, first.Inserted);
        Assert.Equal(0, again.Inserted);
        Assert.Equal(rows, await CountAsync());
    }

    // 200 records of 100,000 characters are 20 MB, more than MariaDB's default max_allowed_packet (16 MiB) in one INSERT.
    [Fact]
    public async Task Large_records_are_written_in_statements_the_server_accepts()
    {
        var sink = await ReadySinkAsync(o => new SqlSinkOptions
        {
            Name = o.Name,
            DatabaseUrl = o.DatabaseUrl,
            Table = o.Table,
            Columns = [new ColumnMapping("name", "name", ColumnType.Text, Required: true), new ColumnMapping("email", "email", ColumnType.Text)],
        });
        var name = new string('x', 100_000);
        var records = Enumerable.Range(0, 200).Select(i => Record(Guid.NewGuid(), name + i.ToString(CultureInfo.InvariantCulture), "a@example.com")).ToList();

        var result = await sink.WriteAsync(records);

        Assert.Equal(200, result.Inserted);
        Assert.Empty(result.Rejected);
        Assert.Equal(200L, await ScalarAsync($"SELECT count(*) FROM {table} WHERE name LIKE 'xxx%'"));
    }

    [Fact]
    public async Task Overlapping_batches_insert_only_the_new_rows()
    {
        var sink = await ReadySinkAsync();
        var ids = Enumerable.Range(0, 150).Select(_ => Guid.NewGuid()).ToArray();

        var first = await sink.WriteAsync(ids[..100].Select((id, i) => Record(id, $"n{i}", "a@example.com")).ToList());
        var second = await sink.WriteAsync(ids[50..].Select((id, i) => Record(id, $"n{i + 50}", "a@example.com")).ToList());

        Assert.Equal(100, first.Inserted);
        Assert.Equal(50, second.Inserted);
        Assert.Equal(150L, await CountAsync());
    }

    [Fact]
    public async Task The_same_message_twice_in_one_batch_is_written_once()
    {
        var sink = await ReadySinkAsync();
        var id = Guid.NewGuid();

        var result = await sink.WriteAsync(
            [Record(id, "a", "a@example.com"), Record(Guid.NewGuid(), "b", "b@example.com"), Record(id, "a", "a@example.com")]);

        Assert.Equal(2, result.Inserted);
        Assert.Equal(2L, await CountAsync());
    }

    [Fact]
    public async Task Unmappable_records_are_rejected_with_a_reason_and_the_rest_are_written()
    {
        var sink = await ReadySinkAsync();
        var bad = new Dictionary<string, string>
        {
            ["""{"name":"no email"}"""] = "'email' is missing",
            ["""{"name":5,"email":"x@example.com"}"""] = "'name' must be a string",
            ["""{"name":null,"email":"x@example.com"}"""] = "'name' is null",
            ["""{"name":"a","email":"x@example.com","name":"b"}"""] = "'name' appears more than once",
            ["""["name","email"]"""] = "not a JSON object",
            ["""{"name":"a","email":"""] = "not valid JSON",
            [""] = "not valid JSON",
            ["""{"name":"a\u0000b","email":"x@example.com"}"""] = "NUL",
        };
        var records = bad.Keys.Select(body => new SinkRecord(Guid.NewGuid(), Encoding.UTF8.GetBytes(body), DateTimeOffset.UtcNow)).ToList();
        records.Insert(3, Record(Guid.NewGuid(), "good one", "good@example.com"));
        records.Add(Record(Guid.NewGuid(), "good two", "good2@example.com", extra: ""","age":41,"tags":["x"]"""));

        var result = await sink.WriteAsync(records);

        Assert.Equal(2, result.Inserted);
        Assert.Equal(bad.Count, result.Rejected.Count);
        foreach (var (body, reason) in bad)
        {
            var record = records.Single(r => Encoding.UTF8.GetString(r.Body.Span) == body);
            Assert.Contains(reason, result.Rejected.Single(r => r.MessageId == record.MessageId).Reason, StringComparison.Ordinal);
        }

        Assert.Equal(["good one", "good two"], (await RowsAsync()).Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_record_the_database_refuses_is_rejected_with_its_reason_and_the_rest_of_the_batch_is_written()
    {
        var sink = await ReadySinkAsync();
        await ExecuteAsync($"CREATE UNIQUE INDEX ux_{table} ON {table} (email)");
        var (a, b) = (Guid.NewGuid(), Guid.NewGuid());
        await sink.WriteAsync([Record(a, "a", "a@example.com"), Record(b, "b", "b@example.com")]);
        var clash = Guid.NewGuid();
        var batch = Enumerable.Range(0, 20).Select(i => Record(Guid.NewGuid(), $"n{i}", $"n{i}@example.com")).ToList();
        batch.Insert(7, Record(clash, "c", "b@example.com")); // same email as b, another id
        batch.Insert(3, Record(a, "a", "a@example.com")); // a redelivery, not an error

        var result = await sink.WriteAsync(batch);

        Assert.Equal(20, result.Inserted);
        var rejected = Assert.Single(result.Rejected);
        Assert.Equal(clash, rejected.MessageId);
        Assert.Contains("database refused", rejected.Reason, StringComparison.Ordinal);
        Assert.Equal(22L, await CountAsync());
        Assert.Equal(1L, await ScalarAsync($"SELECT count(*) FROM {table} WHERE email = 'b@example.com' AND name = 'b'"));
    }

    [Fact]
    public async Task A_batch_of_only_rejected_records_writes_nothing_and_needs_no_connection()
    {
        var sink = await ReadySinkAsync();

        var result = await sink.WriteAsync([new SinkRecord(Guid.NewGuid(), "{}"u8.ToArray(), DateTimeOffset.UtcNow)]);

        Assert.Equal(0, result.Inserted);
        Assert.Single(result.Rejected);
        Assert.Equal(0L, await CountAsync());
    }

    [Fact]
    public async Task Text_longer_than_MaxLength_is_rejected_counting_characters_not_bytes()
    {
        var sink = await ReadySinkAsync();
        var exactly200 = new string('x', 200);
        var kanji200 = string.Concat(Enumerable.Repeat("田", 200));
        var emoji200 = string.Concat(Enumerable.Repeat("😀", 200)); // 400 UTF-16 units, 200 characters
        var tooLong = new string('x', 201);
        var records = new[] { exactly200, kanji200, emoji200, tooLong }
            .Select(name => Record(Guid.NewGuid(), name, "a@example.com")).ToList();

        var result = await sink.WriteAsync(records);

        Assert.Equal(3, result.Inserted);
        var rejected = Assert.Single(result.Rejected);
        Assert.Equal(records[3].MessageId, rejected.MessageId);
        Assert.Contains("at most 200 characters", rejected.Reason, StringComparison.Ordinal);
        var rows = await RowsAsync();
        Assert.Contains(kanji200, rows.Keys);
        Assert.Contains(emoji200, rows.Keys);
    }

    [Fact]
    public async Task Unicode_text_round_trips()
    {
        var sink = await ReadySinkAsync();
        string[] names = ["田中太郎", "Ελένη Παπαδοπούλου", "Zoë 🚀 O'Brien \"quoted\" \\ back", "مرحبا", "한국어"];

        await sink.WriteAsync(names.Select(n => Record(Guid.NewGuid(), n, "tanaka@example.com")).ToList());

        Assert.Equal(names.Order(StringComparer.Ordinal), (await RowsAsync()).Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Every_column_type_maps_from_JSON_and_optional_fields_may_be_missing()
    {
        var sink = Sink(o => new SqlSinkOptions
        {
            Name = o.Name, DatabaseUrl = o.DatabaseUrl, Table = o.Table,
            Columns =
            [
                new("label", "label", ColumnType.Text, 20, Required: true),
                new("amount", "amount", ColumnType.Integer),
                new("ratio", "ratio", ColumnType.Real),
                new("active", "active", ColumnType.Boolean),
                new("due", "due", ColumnType.Timestamp),
                new("extra", "extra", ColumnType.Json),
            ],
        });
        await sink.EnsureSchemaAsync();
        string[] bodies =
        [
            """
            {"label":"full","amount":9007199254740993,"ratio":0.25,"active":true,
             "due":"2026-11-22T09:00:00+09:00","extra":{"a":[1,2]}}
            """,
            """{"label":"sparse"}""",
            """{"label":"wrong","amount":1.5}""",
            """{"label":"bad time","due":"tomorrow"}""",
        ];

        var result = await sink.WriteAsync(
            bodies.Select(b => new SinkRecord(Guid.NewGuid(), Encoding.UTF8.GetBytes(b), DateTimeOffset.UtcNow)).ToList());

        Assert.Equal(2, result.Inserted);
        Assert.Contains(result.Rejected, r => r.Reason.Contains("'amount' must be a 64-bit integer", StringComparison.Ordinal));
        Assert.Contains(result.Rejected, r => r.Reason.Contains("'due' must be an ISO-8601 timestamp", StringComparison.Ordinal));
        await using var connection = await Database.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT amount, ratio, active, due, extra FROM {table} WHERE label = 'full'";
        await using (var reader = await command.ExecuteReaderAsync())
        {
            Assert.True(await reader.ReadAsync());
            Assert.Equal(9007199254740993L, reader.GetInt64(0));
            Assert.Equal(0.25, reader.GetDouble(1));
            Assert.True(Convert.ToBoolean(reader.GetValue(2), CultureInfo.InvariantCulture));
            Assert.Equal(new DateTime(2026, 11, 22, 0, 0, 0), DateTime.SpecifyKind(ReadTime(reader.GetValue(3)), DateTimeKind.Unspecified));
            Assert.Equal("""{"a":[1,2]}""", reader.GetString(4).Replace(" ", "", StringComparison.Ordinal));
        }

        Assert.Equal(1L, await ScalarAsync(
            $"SELECT count(*) FROM {table} WHERE label = 'sparse' AND amount IS NULL AND due IS NULL AND extra IS NULL"));
    }

    /// <summary>
    /// The value rule the route shares (<see cref="ColumnValues"/>) is the narrowest all databases hold: what it
    /// refuses every provider refuses with the same reason, and what it accepts every provider stores, so a record
    /// the route answered 202 for never comes back as "the database refused the record".
    /// </summary>
    [Fact]
    public async Task What_the_value_rule_accepts_every_database_stores_and_what_it_refuses_none_is_asked_to()
    {
        ColumnMapping[] columns =
        [
            new("label", "label", ColumnType.Text, 8, Required: true),
            new("note", "note", ColumnType.Text),
            new("amount", "amount", ColumnType.Integer),
            new("ratio", "ratio", ColumnType.Real),
            new("due", "due", ColumnType.Timestamp),
            new("extra", "extra", ColumnType.Json),
        ];
        var sink = Sink(o => new SqlSinkOptions { Name = o.Name, DatabaseUrl = o.DatabaseUrl, Table = o.Table, Columns = columns });
        await sink.EnsureSchemaAsync();
        var rule = SqlSinkFactory.CreateRecordRule(new SqlSinkOptions { Name = "rule", DatabaseUrl = "sqlite:///unused.db", Columns = columns });
        string[] accepted =
        [
            """{"label":"😀😀😀😀😀😀😀😀","note":"tab\tquote\"back\\slash \ud83d\ude00"}""",
            """{"label":"min","amount":-9223372036854775808,"ratio":5e-324}""",
            """{"label":"max","amount":9223372036854775807,"ratio":1.7976931348623157e308}""",
            """{"label":"early","due":"0001-01-01T00:00:00Z"}""",
            """{"label":"late","due":"9999-12-31T23:59:59.999999Z"}""",
            """{"label":"json","extra":{"é":["田中",1e-320,-0.0,null,true],"e":"\ud83d\ude00"}}""",
        ];
        var refused = new Dictionary<string, string>
        {
            ["""{"label":"nul","note":"a\u0000b"}"""] = "field 'note' must not contain U+0000 (NUL)",
            ["""{"label":"lone","note":"\ud800"}"""] = "field 'note' is not valid Unicode text",
            ["""{"label":"huge","ratio":1e400}"""] = "field 'ratio' is out of range for a double-precision number",
            ["""{"label":"jsonnul","extra":{"k":"\u0000"}}"""] = "field 'extra' must not contain U+0000 (NUL)",
            ["""{"label":"jsonlone","extra":["\udfff"]}"""] = "field 'extra' is not valid Unicode text",
            ["""{"label":"123456789"}"""] = "field 'label' must be at most 8 characters long",
        };
        var records = accepted.Concat(refused.Keys)
            .Select(body => new SinkRecord(Guid.NewGuid(), Encoding.UTF8.GetBytes(body), DateTimeOffset.UtcNow)).ToList();

        var result = await sink.WriteAsync(records);

        foreach (var body in accepted)
        {
            Assert.Null(rule.Check(Encoding.UTF8.GetBytes(body)));
        }

        Assert.Equal(accepted.Length, result.Inserted);
        Assert.Equal(refused.Count, result.Rejected.Count);
        foreach (var (body, reason) in refused)
        {
            var id = records.Single(r => Encoding.UTF8.GetString(r.Body.Span) == body).MessageId;
            Assert.Equal(reason, result.Rejected.Single(r => r.MessageId == id).Reason);
            Assert.Equal(reason, rule.Check(Encoding.UTF8.GetBytes(body)));
        }
    }

    [Fact]
    public async Task EnsureSchema_without_CreateTable_reports_a_missing_table()
    {
        var sink = Sink(o => new SqlSinkOptions { Name = o.Name, DatabaseUrl = o.DatabaseUrl, Table = o.Table, CreateTable = false });

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => sink.EnsureSchemaAsync().AsTask());

        Assert.Contains(table, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fifty_concurrent_writers_never_hold_more_connections_than_the_cap()
    {
        const int cap = 4;
        await using var observer = await Database.OpenAsync();
        await WaitUntilAsync(() => Database.ServerConnectionsAsync(observer).Result is null or 0); // earlier tests' pools are gone
        var sink = await ReadySinkAsync(o => new SqlSinkOptions
        {
            Name = o.Name, DatabaseUrl = o.DatabaseUrl, Table = o.Table, MaxConnections = cap,

            // The test is about the cap, not the borrow timeout: on a busy machine a writer may queue for a long time.
            BorrowTimeout = TimeSpan.FromMinutes(5),
        });
        using var writersDone = new CancellationTokenSource();
        var mostOnServer = 0;
        var samples = 0;
        var sampler = Task.Run(async () =>
        {
            while (!writersDone.IsCancellationRequested)
            {
                if (await Database.ServerConnectionsAsync(observer) is not { } count)
                {
                    return;
                }

                mostOnServer = Math.Max(mostOnServer, count);
                samples++;
                await Task.Delay(1); // a sampling pace, not a synchronisation
            }
        });

        // Fifty callers at once, each on its own thread, so that a driver that blocks cannot serialise them. Each makes
        // twenty borrows of 50 rows: on a loaded machine a few long writes could pass one after another without overlap.
        using var go = new ManualResetEventSlim();
        var writers = Enumerable.Range(0, 50).Select(w => Task.Factory.StartNew(() =>
        {
            go.Wait();
            for (var b = 0; b < 20; b++)
            {
                sink.WriteAsync(Batch((w * 1000) + (b * 50), 50)).AsTask().GetAwaiter().GetResult();
            }
        }, TaskCreationOptions.LongRunning)).ToList();
        go.Set();
        await Task.WhenAll(writers);
        await writersDone.CancelAsync();
        await sampler;

        Assert.Equal(50_000L, await CountAsync());
        var statistics = sink.PoolStatistics;
        Assert.Equal(cap, statistics.MaxConnections);
        Assert.Equal(0, statistics.InUse);
        Assert.InRange(statistics.PeakInUse, 1, cap);
        Assert.True(statistics.Waits > 0, "50 writers over 4 connections must have waited");
        if (await Database.ServerConnectionsAsync(observer) is not null)
        {
            Assert.True(samples > 0);
            Assert.InRange(mostOnServer, 1, cap);
        }
    }

    [Fact]
    public async Task A_borrower_that_finds_every_connection_busy_gets_SinkUnavailable_after_the_borrow_timeout()
    {
        var clock = new ManualTimeProvider();
        var sink = await ReadySinkAsync(o => new SqlSinkOptions
        {
            Name = o.Name, DatabaseUrl = o.DatabaseUrl, Table = o.Table,
            MaxConnections = 1, BorrowTimeout = TimeSpan.FromSeconds(5), TimeProvider = clock,
        });
        await using var blocker = await Database.OpenAsync();
        var firstId = Guid.NewGuid();
        Task<SinkWriteResult> first;
        await using (var transaction = await Database.LockTableAsync(blocker, table))
        {
            first = sink.WriteAsync([Record(firstId, "first", "a@example.com")]).AsTask();
            await WaitUntilAsync(() => sink.PoolStatistics.InUse == 1);

            var second = sink.WriteAsync([Record(Guid.NewGuid(), "second", "b@example.com")]).AsTask();
            await WaitUntilAsync(() => sink.PoolStatistics.Waits == 1);
            Assert.False(second.IsCompleted);
            clock.Advance(TimeSpan.FromSeconds(5));

            var error = await Assert.ThrowsAsync<SinkUnavailableException>(() => second);
            Assert.Contains("no free database connection", error.Message, StringComparison.Ordinal);
            await transaction.RollbackAsync();
        }

        Assert.Equal(1, (await first).Inserted);
        Assert.Equal(1L, await CountAsync());
    }

    [Fact]
    public async Task Ping_answers_true_when_the_database_is_reachable()
    {
        var sink = await ReadySinkAsync();

        Assert.True(await sink.PingAsync());
        Assert.Equal(0, sink.PoolStatistics.InUse);
    }

    [Fact]
    public async Task A_database_down_at_start_up_gives_SinkUnavailable_quickly_and_works_once_it_is_back()
    {
        await using var outage = Database.CreateOutage();
        var sink = Sink(o => new SqlSinkOptions
        {
            Name = o.Name, DatabaseUrl = outage.Url, Table = o.Table, ConnectTimeout = TimeSpan.FromSeconds(3),
        });
        var batch = Batch(0, 50);

        var watch = Stopwatch.StartNew();
        await Assert.ThrowsAsync<SinkUnavailableException>(() => sink.EnsureSchemaAsync().AsTask());
        await Assert.ThrowsAsync<SinkUnavailableException>(() => sink.WriteAsync(batch).AsTask());
        Assert.False(await sink.PingAsync());
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
        Assert.Equal(0, sink.PoolStatistics.InUse);

        outage.Restore();
        await sink.EnsureSchemaAsync();
        Assert.Equal(50, (await sink.WriteAsync(batch)).Inserted);

        if (outage.CanFailAfterStart)
        {
            outage.Fail();
            await Assert.ThrowsAsync<SinkUnavailableException>(() => sink.WriteAsync(Batch(50, 50)).AsTask());
            Assert.False(await sink.PingAsync());

            outage.Restore();
            Assert.True(await sink.PingAsync());
            Assert.Equal(50, (await sink.WriteAsync(Batch(50, 50))).Inserted);
            Assert.Equal(0, (await sink.WriteAsync(batch)).Inserted);
            Assert.Equal(100L, await CountAsync()); // the proxy fronts this class's own database
        }
    }

    [Fact]
    public void ToString_and_errors_never_show_the_password()
    {
        var sink = Sink(o => o);

        Assert.Contains(sink.Provider, sink.ToString()!, StringComparison.Ordinal);
        Assert.DoesNotContain(":spillway@", sink.ToString()!, StringComparison.Ordinal);
    }

    // ---- helpers ----

    private readonly List<Guid> batchIds = [];

    /// <summary>Records number <paramref name="from"/> onwards; the same numbers always get the same message ids.</summary>
    protected IReadOnlyList<SinkRecord> Batch(int from, int count)
    {
        lock (batchIds)
        {
            while (batchIds.Count < from + count)
            {
                batchIds.Add(Guid.CreateVersion7());
            }

            return Enumerable.Range(from, count).Select(i => Record(batchIds[i], $"name {i}", $"user{i}@example.com")).ToList();
        }
    }

    protected static SinkRecord Record(Guid id, string name, string email, DateTimeOffset? sentAt = null, string extra = "")
    {
        var body = $$"""{"name":{{JsonSerializer.Serialize(name)}},"email":{{JsonSerializer.Serialize(email)}}{{extra}}}""";
        return new SinkRecord(id, Encoding.UTF8.GetBytes(body), sentAt ?? DateTimeOffset.UtcNow);
    }

    protected ISqlSink Sink(Func<SqlSinkOptions, SqlSinkOptions> configure)
    {
        var sink = SqlSinkFactory.Create(configure(new SqlSinkOptions { Name = "compliance", DatabaseUrl = Database.Url, Table = table }));
        sinks.Add(sink);
        return sink;
    }

    protected async Task<ISqlSink> ReadySinkAsync(Func<SqlSinkOptions, SqlSinkOptions>? configure = null)
    {
        var sink = Sink(configure ?? (o => o));
        await sink.EnsureSchemaAsync();
        return sink;
    }

    protected Task<long> CountAsync() => ScalarAsync($"SELECT count(*) FROM {table}");

    protected Task ExecuteAsync(string sql) => Database.ExecuteAsync(sql);

    protected Task<long> ScalarAsync(string sql) => Database.ScalarAsync(sql);

    private async Task<Dictionary<string, (Guid Id, string Email, DateTime CreatedAt)>> RowsAsync()
    {
        await using var connection = await Database.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT id, name, email, created_at FROM {table}";
        var rows = new Dictionary<string, (Guid, string, DateTime)>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var id = reader.GetValue(0) is Guid guid ? guid : Guid.Parse(reader.GetString(0));
            rows.Add(reader.GetString(1), (id, reader.GetString(2), ReadTime(reader.GetValue(3))));
        }

        return rows;
    }

    private static DateTime ReadTime(object value) => value switch
    {
        DateTime time => time.Kind == DateTimeKind.Local ? time.ToUniversalTime() : DateTime.SpecifyKind(time, DateTimeKind.Utc),
        DateTimeOffset offset => offset.UtcDateTime,
        string text => DateTime.Parse(
            text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal),
        _ => throw new InvalidOperationException($"Unexpected time value {value.GetType()}"),
    };

    protected static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(30), "condition not reached within 30 s");
            await Task.Delay(5);
        }
    }
}

public sealed class SqliteSinkTests(SqliteDatabase database) : SqlSinkCompliance<SqliteDatabase>(database);

/// <summary>What a sink must also do when the database is a server reached over the network.</summary>
public abstract class ServerSqlSinkCompliance<TDatabase>(TDatabase database) : SqlSinkCompliance<TDatabase>(database)
    where TDatabase : SinkDatabase
{
    [Fact]
    public async Task A_connection_lost_in_the_middle_of_a_write_gives_SinkUnavailable_and_writes_nothing()
    {
        await using var outage = Database.CreateOutage();
        outage.Restore();
        var sink = await ReadySinkAsync(o => new SqlSinkOptions { Name = o.Name, DatabaseUrl = outage.Url, Table = o.Table });
        var batch = Batch(0, 2_000);
        await using var blocker = await Database.OpenAsync();
        await using (var transaction = await Database.LockTableAsync(blocker, Table))
        {
            var write = Task.Run(() => sink.WriteAsync(batch).AsTask());
            await WaitUntilAsync(() => sink.PoolStatistics.InUse == 1);

            outage.Fail();

            await Assert.ThrowsAsync<SinkUnavailableException>(() => write);
            await transaction.RollbackAsync();
        }

        Assert.Equal(0L, await CountAsync());
        outage.Restore();
        Assert.Equal(2_000, (await sink.WriteAsync(batch)).Inserted);
    }

}

public sealed class PostgreSqlSinkTests(PostgresDatabase database) : ServerSqlSinkCompliance<PostgresDatabase>(database);

public sealed class MariaDbSinkTests(MariaDbDatabase database) : ServerSqlSinkCompliance<MariaDbDatabase>(database)
{
    // The PostgreSQL test server trusts every local login; MariaDB checks passwords, so the wrong one is tried here.
    [Fact]
    public async Task A_wrong_password_is_SinkUnavailable_and_the_error_does_not_show_it()
    {
        var url = new UriBuilder(Database.Url) { Password = "Wr0ng-p%40ss" }.Uri.ToString();
        var sink = Sink(o => new SqlSinkOptions { Name = o.Name, DatabaseUrl = url, Table = o.Table });

        var error = await Assert.ThrowsAsync<SinkUnavailableException>(() => sink.EnsureSchemaAsync().AsTask());

        Assert.Contains("Access denied", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Wr0ng", error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("Wr0ng", sink.ToString()!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_batch_goes_to_the_server_as_a_bulk_load()
    {
        var sink = await ReadySinkAsync();
        var loadsBefore = await LoadStatementsAsync();

        var result = await sink.WriteAsync(Batch(0, 1_000));

        Assert.Equal(1_000, result.Inserted);
        Assert.Equal(1_000L, await CountAsync());
        Assert.True(await LoadStatementsAsync() > loadsBefore, "no LOAD DATA statement reached the server");
    }

    [Fact]
    public async Task A_server_that_refuses_local_loads_gets_every_row_through_inserts()
    {
        await ExecuteAsync("SET GLOBAL local_infile = 0");
        try
        {
            var sink = await ReadySinkAsync();

            var first = await sink.WriteAsync(Batch(0, 300));
            var again = await sink.WriteAsync(Batch(100, 300));

            Assert.Equal(300, first.Inserted);
            Assert.Equal(100, again.Inserted);
            Assert.Equal(400L, await CountAsync());
        }
        finally
        {
            await ExecuteAsync("SET GLOBAL local_infile = 1");
        }
    }

    // LOAD DATA statements the server has run, counted across all sessions: it only grows.
    private async Task<long> LoadStatementsAsync()
    {
        await using var connection = await Database.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'COM_LOAD'";
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
