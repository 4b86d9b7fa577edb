using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Spillway.Sinks;
using Spillway.TestKit;

namespace Spillway.Processing.Tests;

public sealed class SqlSinkMappingTests
{
    private static string Person(int n) => $$"""{"name":"person {{n}}","email":"p{{n}}@example.com"}""";

    [Fact]
    public async Task Sqlite_rows_arrive_once_even_when_a_batch_is_redelivered_and_poison_records_are_dead_lettered()
    {
        var clock = new ManualTimeProvider();
        await using var fixture = await QueueFixture.OpenAsync(clock);
        var queue = await fixture.CreateQueueAsync("users", TimeSpan.FromSeconds(30), maxReceiveCount: 3);
        var dlq = fixture.Queue("users-dlq");
        var database = Path.Combine(fixture.Directory, "spillway.db");
        await using var sink = SqlSinkFactory.Create(new SqlSinkOptions { Name = "users", DatabaseUrl = SqliteUrl(database) });
        await sink.EnsureSchemaAsync();
        var sqlHandler = new SqlSinkHandler(sink);
        var calls = 0;
        // The first invocation writes and then dies before the mapping could delete: the whole batch comes back.
        var handler = new DelegateHandler(async (batch, ct) =>
        {
            var outcome = await sqlHandler.HandleAsync(batch, ct);
            return Interlocked.Increment(ref calls) == 1 ? throw new InvalidOperationException("crash after write") : outcome;
        });
        var ids = await QueueFixture.SendAsync(queue, Person(1), Person(2), """{"name":"no email"}""", Person(3));
        await using var mapping = new EventSourceMapping(fixture.Receiver(queue), handler, new EventSourceMappingOptions { TimeProvider = clock });

        await mapping.StartAsync();
        await Eventually.AssertAsync(() => mapping.GetStatistics().Batches == 1, "the first batch finished");
        await Eventually.AdvanceUntilAsync(clock, mapping, () => dlq.GetCounts().Visible > 0, TimeSpan.FromSeconds(31));

        await mapping.StopAsync();
        Assert.Equal(ids[2], Assert.Single(dlq.Peek(10)).MessageId);
        Assert.Equal(0, QueueFixture.Remaining(queue));
        Assert.True(calls >= 2);
        Assert.Equal(3, CountSqliteRows(database, "users"));
    }

    [Fact]
    public async Task Sink_outage_holds_the_batch_without_raising_receive_counts_and_drains_after_recovery()
    {
        var clock = new ManualTimeProvider();
        await using var fixture = await QueueFixture.OpenAsync(clock);
        var queue = await fixture.CreateQueueAsync("outage", TimeSpan.FromSeconds(30), maxReceiveCount: 3);
        var dlq = fixture.Queue("outage-dlq");
        var database = Path.Combine(fixture.Directory, "spillway.db");
        await using var sink = new FlakySink(SqlSinkFactory.Create(new SqlSinkOptions { Name = "users", DatabaseUrl = SqliteUrl(database) }))
        {
            Down = true,
        };
        await sink.EnsureSchemaAsync();
        var receives = new ConcurrentQueue<(Guid Id, int ReceiveCount)>();
        var handler = new RecordingHandler(new SqlSinkHandler(sink), receives);
        await QueueFixture.SendAsync(queue, Person(1));
        var retries = Channel.CreateUnbounded<TimeSpan>();
        await using var mapping = new EventSourceMapping(fixture.Receiver(queue), handler, new EventSourceMappingOptions
        {
            BatchSize = 5,
            MaximumConcurrency = 2,
            UnavailableRetryInitialDelay = TimeSpan.FromSeconds(1),
            UnavailableRetryMaxDelay = TimeSpan.FromSeconds(16),
            TimeProvider = clock,
        })
        {
            RetryScheduled = delay => retries.Writer.TryWrite(delay),
        };
        var pollerReceiving = new SemaphoreSlim(0);
        mapping.ReceiveStarting = () => pollerReceiving.Release();
        var attempted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        sink.BeforeWrite = () =>
        {
            attempted.TrySetResult();
            return release.Task;
        };

        await mapping.StartAsync();
        // The outage is found while the free slot's receive is long-polling; the backlog then arrives and must not be
        // taken by it.
        await attempted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(await pollerReceiving.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(await pollerReceiving.WaitAsync(TimeSpan.FromSeconds(10)));
        sink.BeforeWrite = null;
        release.SetResult();
        var firstDelay = await retries.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        await QueueFixture.SendAsync(queue, Enumerable.Range(2, 19).Select(Person));
        clock.Advance(firstDelay);
        var outage = firstDelay;
        for (var retry = 1; retry < 16; retry++)
        {
            var delay = await retries.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            clock.Advance(delay);
            outage += delay;
        }

        // Minutes past the 30 s visibility timeout, yet the held messages stayed in flight and nothing more was received.
        Assert.True(outage > TimeSpan.FromSeconds(90), $"outage lasted {outage}");
        var during = queue.GetCounts();
        Assert.True(mapping.GetStatistics().Paused);
        Assert.Equal(1, during.InFlight);
        Assert.Equal(19, during.Visible);
        Assert.Equal(0, dlq.GetCounts().Visible);

        sink.Down = false;
        clock.Advance(TimeSpan.FromSeconds(16));
        await Eventually.AssertAsync(() => QueueFixture.Remaining(queue) == 0, "the backlog drained");
        await mapping.StopAsync();

        Assert.False(mapping.GetStatistics().Paused);
        Assert.Equal(20, CountSqliteRows(database, "users"));
        Assert.All(receives, r => Assert.Equal(1, r.ReceiveCount));
        Assert.Equal(0, dlq.GetCounts().Visible);
        Assert.True(mapping.GetStatistics().UnavailableRetries >= 16);
    }

    [Fact]
    public async Task Stop_during_a_sink_outage_leaves_the_held_batch_in_the_queue()
    {
        var clock = new ManualTimeProvider();
        await using var fixture = await QueueFixture.OpenAsync(clock);
        var queue = await fixture.CreateQueueAsync("outage-stop", TimeSpan.FromSeconds(30), maxReceiveCount: 3);
        var database = Path.Combine(fixture.Directory, "spillway.db");
        await using var sink = new FlakySink(SqlSinkFactory.Create(new SqlSinkOptions { Name = "users", DatabaseUrl = SqliteUrl(database) }))
        {
            Down = true,
        };
        await QueueFixture.SendAsync(queue, Person(1), Person(2));
        var retried = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var mapping = new EventSourceMapping(fixture.Receiver(queue), new SqlSinkHandler(sink), new EventSourceMappingOptions { TimeProvider = clock })
        {
            RetryScheduled = _ => retried.TrySetResult(),
        };

        await mapping.StartAsync();
        await retried.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await mapping.StopAsync().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(2, QueueFixture.Remaining(queue));
        Assert.Equal(0, mapping.GetStatistics().FailedBatches);
    }

    [Theory]
    [InlineData("postgresql")]
    [InlineData("mariadb")]
    public async Task Database_that_is_down_at_start_then_returns_gets_every_row_once_without_dead_letters(string provider)
    {
        var database = provider == "postgresql"
            ? await TestDatabases.CreatePostgresDatabaseAsync("proc")
            : await TestDatabases.CreateMySqlDatabaseAsync("proc");
        try
        {
            var real = new Uri(database);
            await using (var direct = SqlSinkFactory.Create(new SqlSinkOptions { Name = "setup", DatabaseUrl = database }))
            {
                await direct.EnsureSchemaAsync();
            }

            // The database exists, but the sink reaches it through a port that refuses connections until restored.
            await using var proxy = new TcpFaultProxy(real.Host, real.Port, startDown: true);
            var gated = new UriBuilder(real) { Host = "127.0.0.1", Port = proxy.Port }.Uri.ToString();
            await using var fixture = await QueueFixture.OpenAsync();
            var queue = await fixture.CreateQueueAsync("pg", TimeSpan.FromSeconds(30), maxReceiveCount: 2);
            var dlq = fixture.Queue("pg-dlq");
            await using var sink = SqlSinkFactory.Create(new SqlSinkOptions
            {
                Name = "users",
                DatabaseUrl = gated,
                BorrowTimeout = TimeSpan.FromSeconds(2),
            });
            var receives = new ConcurrentQueue<(Guid Id, int ReceiveCount)>();
            var handler = new RecordingHandler(new SqlSinkHandler(sink), receives);
            await QueueFixture.SendAsync(queue, Enumerable.Range(1, 50).Select(Person));
            await using var mapping = new EventSourceMapping(fixture.Receiver(queue), handler, new EventSourceMappingOptions
            {
                UnavailableRetryInitialDelay = TimeSpan.FromMilliseconds(20),
                UnavailableRetryMaxDelay = TimeSpan.FromMilliseconds(100),
            });

            await mapping.StartAsync();
            await Eventually.AssertAsync(() => mapping.GetStatistics().UnavailableRetries >= 5, "the sink was found down a few times");
            Assert.True(mapping.GetStatistics().Paused);
            Assert.Equal(0, await CountRowsAsync(database));
            proxy.Restore();
            await Eventually.AssertAsync(() => QueueFixture.Remaining(queue) == 0, "the backlog drained into PostgreSQL", TimeSpan.FromSeconds(60));
            await mapping.StopAsync();

            Assert.All(receives, r => Assert.Equal(1, r.ReceiveCount));
            Assert.Equal(0, dlq.GetCounts().Visible);
            Assert.Equal(50, await CountRowsAsync(database));
        }
        finally
        {
            await TestDatabases.DropDatabaseAsync(database);
        }
    }

    private static async Task<long> CountRowsAsync(string database)
    {
        const string sql = "SELECT COUNT(*), COUNT(DISTINCT id) FROM users";
        var answer = database.StartsWith("postgresql:", StringComparison.Ordinal)
            ? await TestDatabases.PsqlAsync(database, sql)
            : await TestDatabases.MariaDbAsync(database, sql);
        var counts = answer.Split('|', '\t');
        Assert.Equal(counts[0], counts[1]);
        return long.Parse(counts[0], System.Globalization.CultureInfo.InvariantCulture);
    }

    internal static string SqliteUrl(string path) => "sqlite://" + path;

    private static long CountSqliteRows(string path, string table)
    {
        using var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT COUNT(*) FROM {table}";
        var total = (long)command.ExecuteScalar()!;
        command.CommandText = $"SELECT COUNT(DISTINCT id) FROM {table}";
        Assert.Equal(total, (long)command.ExecuteScalar()!);
        return total;
    }
}
