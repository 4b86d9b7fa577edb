using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Spillway.Messaging;
using Spillway.Messaging.Streams;
using Spillway.Sinks;
using Spillway.TestKit;
using Spillway.Transport;

namespace Spillway.Processing.Tests;

public sealed class StreamConsumerTests
{
    private static byte[] Reading(int n) => Encoding.UTF8.GetBytes($$"""{"name":"device {{n}}","email":"d{{n}}@example.com"}""");

    [Fact]
    public async Task Records_arrive_in_shard_order_in_batches_of_the_batch_size_and_the_checkpoint_follows()
    {
        var clock = new ManualTimeProvider();
        await using var fixture = await QueueFixture.OpenAsync(clock);
        var stream = await CreateStreamAsync(fixture, "readings");
        var puts = await PutAsync(stream, 250, _ => "device-1");
        var seen = new ConcurrentQueue<(int Size, string[] Sequences)>();
        var handler = new DelegateHandler((batch, _) =>
        {
            seen.Enqueue((batch.Messages.Count, [.. batch.Stream!.Records.Select(r => r.SequenceNumber)]));
            return ValueTask.FromResult(BatchOutcome.Success);
        });
        await using var consumer = Consumer(fixture, "readings", handler, new StreamConsumerOptions { TimeProvider = clock });

        await consumer.StartAsync();
        await Eventually.AssertAsync(() => seen.Sum(s => s.Size) == 250, "every record was handled");

        Assert.All(seen, s => Assert.InRange(s.Size, 1, 100));
        Assert.Equal(puts.Select(p => p.SequenceNumber), seen.SelectMany(s => s.Sequences));
        await Eventually.AssertAsync(
            () => stream.GetCheckpoint("worker", puts[0].ShardId!) == puts[^1].SequenceNumber, "the checkpoint reached the last record");
    }

    [Fact]
    public async Task Batch_item_failures_checkpoint_before_the_lowest_failure_and_retry_from_it()
    {
        var clock = new ManualTimeProvider();
        await using var fixture = await QueueFixture.OpenAsync(clock);
        var stream = await CreateStreamAsync(fixture, "readings");
        var puts = await PutAsync(stream, 10, _ => "k");
        var calls = new ConcurrentQueue<string[]>();
        var handler = new DelegateHandler((batch, _) =>
        {
            calls.Enqueue([.. batch.Stream!.Records.Select(r => r.SequenceNumber)]);

            // The first call fails records 5 and 7; the lowest (5) is where the retry starts.
            return ValueTask.FromResult(calls.Count == 1
                ? new BatchOutcome([batch.Messages[7].MessageId, batch.Messages[5].MessageId])
                : BatchOutcome.Success);
        });
        var options = new StreamConsumerOptions { TimeProvider = clock, ReportBatchItemFailures = true, RetryInitialDelay = TimeSpan.FromSeconds(1) };
        await using var consumer = Consumer(fixture, "readings", handler, options, retry: clock.Advance);

        await consumer.StartAsync();
        await Eventually.AssertAsync(() => calls.Count == 2, "the batch was retried");

        Assert.Equal(puts.Skip(5).Select(p => p.SequenceNumber), calls.Last());
        await Eventually.AssertAsync(
            () => stream.GetCheckpoint("worker", puts[0].ShardId!) == puts[^1].SequenceNumber, "the checkpoint reached the last record");
    }

    [Fact]
    public async Task Bisect_isolates_a_poison_record_and_exhausted_retries_send_the_on_failure_record()
    {
        var clock = new ManualTimeProvider();
        await using var fixture = await QueueFixture.OpenAsync(clock);
        var failures = await fixture.CreateQueueAsync("failures");
        var stream = await CreateStreamAsync(fixture, "readings");
        var puts = await PutAsync(stream, 8, _ => "k");
        var poison = puts[3].SequenceNumber;
        var handled = new ConcurrentBag<string>();
        var handler = new DelegateHandler((batch, _) =>
        {
            if (batch.Stream!.Records.Any(r => r.SequenceNumber == poison))
            {
                throw new InvalidOperationException("poison");
            }

            foreach (var record in batch.Stream.Records)
            {
                handled.Add(record.SequenceNumber);
            }

            return ValueTask.FromResult(BatchOutcome.Success);
        });
        var options = new StreamConsumerOptions
        {
            TimeProvider = clock, BisectBatchOnFunctionError = true, MaximumRetryAttempts = 2, OnFailureQueue = "failures",
        };
        await using var consumer = Consumer(fixture, "readings", handler, options, retry: clock.Advance);

        await consumer.StartAsync();
        await Eventually.AssertAsync(() => failures.GetCounts().Visible == 1, "the on-failure record was sent");

        // The records after the poison are handled after it is discarded: the checkpoint reaching the end says they were.
        await Eventually.AssertAsync(
            () => stream.GetCheckpoint("worker", puts[0].ShardId!) == puts[^1].SequenceNumber, "the checkpoint passed the discarded record");
        Assert.Equal(puts.Where(p => p.SequenceNumber != poison).Select(p => p.SequenceNumber).Order(), handled.Order());
        using var record = JsonDocument.Parse(Assert.Single(failures.Peek(10)).Body);
        var info = record.RootElement.GetProperty("KinesisBatchInfo");
        Assert.Equal(poison, info.GetProperty("startSequenceNumber").GetString());
        Assert.Equal(poison, info.GetProperty("endSequenceNumber").GetString());
        Assert.Equal(1, info.GetProperty("batchSize").GetInt32());
        Assert.Equal(puts[3].ShardId, info.GetProperty("shardId").GetString());
        Assert.Equal("arn:aws:kinesis:us-east-1:000000000000:stream/readings", info.GetProperty("streamArn").GetString());
        Assert.Equal(StreamConsumer.RetryAttemptsExhausted, record.RootElement.GetProperty("requestContext").GetProperty("condition").GetString());
        Assert.Equal(3, record.RootElement.GetProperty("requestContext").GetProperty("approximateInvokeCount").GetInt32());
    }

    [Fact]
    public async Task Records_older_than_the_maximum_record_age_are_discarded_to_the_on_failure_queue()
    {
        var clock = new ManualTimeProvider();
        await using var fixture = await QueueFixture.OpenAsync(clock);
        var failures = await fixture.CreateQueueAsync("failures");
        var stream = await CreateStreamAsync(fixture, "readings");
        var old = await PutAsync(stream, 3, _ => "k");
        clock.Advance(TimeSpan.FromMinutes(10));
        var fresh = await PutAsync(stream, 2, _ => "k");
        var handled = new ConcurrentQueue<string>();
        var handler = new DelegateHandler((batch, _) =>
        {
            foreach (var record in batch.Stream!.Records)
            {
                handled.Enqueue(record.SequenceNumber);
            }

            return ValueTask.FromResult(BatchOutcome.Success);
        });
        var options = new StreamConsumerOptions
        {
            TimeProvider = clock, MaximumRecordAge = TimeSpan.FromMinutes(5), OnFailureQueue = "failures",
        };
        await using var consumer = Consumer(fixture, "readings", handler, options);

        await consumer.StartAsync();
        await Eventually.AssertAsync(() => handled.Count == 2 && failures.GetCounts().Visible == 1, "old records discarded, new handled");

        Assert.Equal(fresh.Select(p => p.SequenceNumber), handled);
        using var record = JsonDocument.Parse(Assert.Single(failures.Peek(10)).Body);
        Assert.Equal(StreamConsumer.RecordAgeExceeded, record.RootElement.GetProperty("requestContext").GetProperty("condition").GetString());
        Assert.Equal(old[0].SequenceNumber, record.RootElement.GetProperty("KinesisBatchInfo").GetProperty("startSequenceNumber").GetString());
        Assert.Equal(old[^1].SequenceNumber, record.RootElement.GetProperty("KinesisBatchInfo").GetProperty("endSequenceNumber").GetString());
    }

    [Fact]
    public async Task Parallelization_runs_batches_of_a_shard_at_once_and_keeps_order_per_partition_key()
    {
        var clock = new ManualTimeProvider();
        await using var fixture = await QueueFixture.OpenAsync(clock);
        var stream = await CreateStreamAsync(fixture, "readings");
        var puts = await PutAsync(stream, 400, i => "device-" + (i % 16));
        var byKey = new ConcurrentDictionary<string, ConcurrentQueue<string>>();
        var handler = new DelegateHandler(async (batch, _) =>
        {
            await Task.Yield();
            foreach (var record in batch.Stream!.Records)
            {
                byKey.GetOrAdd(record.PartitionKey, _ => new()).Enqueue(record.SequenceNumber);
            }

            return BatchOutcome.Success;
        });
        var options = new StreamConsumerOptions { TimeProvider = clock, ParallelizationFactor = 4, BatchSize = 10 };
        await using var consumer = Consumer(fixture, "readings", handler, options);

        await consumer.StartAsync();
        await Eventually.AssertAsync(() => byKey.Values.Sum(q => q.Count) == 400, "every record was handled");

        foreach (var group in puts.Select((p, i) => (Key: "device-" + (i % 16), p.SequenceNumber)).GroupBy(p => p.Key))
        {
            Assert.Equal(group.Select(g => g.SequenceNumber), byKey[group.Key]);
        }

        Assert.Equal(400, consumer.GetStatistics().Messages);
    }

    [Fact]
    public async Task A_parent_shard_is_finished_before_its_children_after_a_split()
    {
        var clock = new ManualTimeProvider();
        await using var fixture = await QueueFixture.OpenAsync(clock);
        var stream = await CreateStreamAsync(fixture, "readings");
        var handled = new ConcurrentQueue<(string Shard, string Key)>();
        var gate = new SemaphoreSlim(0);
        var handler = new DelegateHandler(async (batch, ct) =>
        {
            // The parent's first batch is held until the split is done, so its children hold records by then.
            if (handled.IsEmpty)
            {
                await gate.WaitAsync(ct);
            }

            foreach (var record in batch.Stream!.Records)
            {
                handled.Enqueue((batch.Stream.ShardId, record.PartitionKey));
            }

            return BatchOutcome.Success;
        });
        await using var consumer = Consumer(fixture, "readings", handler, new StreamConsumerOptions { TimeProvider = clock, BatchSize = 5 });
        var parent = stream.Shards.Single().ShardId;
        await PutAsync(stream, 20, i => "key-" + i);
        await consumer.StartAsync();
        await stream.SplitShardAsync(parent, UInt128.MaxValue / 2);
        await PutAsync(stream, 20, i => "key-" + i);
        gate.Release();

        await Eventually.AssertAsync(() => handled.Count == 40, "every record was handled");

        var order = handled.ToList();
        var lastParent = order.FindLastIndex(h => h.Shard == parent);
        var firstChild = order.FindIndex(h => h.Shard != parent);
        Assert.Equal(19, lastParent);
        Assert.Equal(20, firstChild);
    }

    [Fact]
    public async Task Latest_skips_what_was_there_and_at_timestamp_starts_at_the_time()
    {
        var clock = new ManualTimeProvider();
        await using var fixture = await QueueFixture.OpenAsync(clock);
        var stream = await CreateStreamAsync(fixture, "readings");
        await PutAsync(stream, 3, _ => "k");
        clock.Advance(TimeSpan.FromMinutes(1));
        var since = clock.GetUtcNow();
        var later = await PutAsync(stream, 2, _ => "k");
        var latest = new ConcurrentQueue<string>();
        var atTime = new ConcurrentQueue<string>();
        await using var fromLatest = Consumer(fixture, "readings", Collect(latest), new StreamConsumerOptions
        {
            TimeProvider = clock, StartingPosition = StreamStartingPosition.Latest,
        }, name: "latest");
        await using var fromTime = Consumer(fixture, "readings", Collect(atTime), new StreamConsumerOptions
        {
            TimeProvider = clock, StartingPosition = StreamStartingPosition.AtTimestamp, StartingPositionTimestamp = since,
        }, name: "at-time");

        await fromLatest.StartAsync();
        await fromTime.StartAsync();
        await Eventually.AssertAsync(() => atTime.Count == 2, "the consumer at a timestamp read what came after it");
        var newest = await PutAsync(stream, 1, _ => "k");
        await Eventually.AssertAsync(() => latest.Count == 1 && atTime.Count == 3, "both read the new record");

        Assert.Equal(later.Concat(newest).Select(p => p.SequenceNumber), atTime);
        Assert.Equal(newest[0].SequenceNumber, Assert.Single(latest));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgresql")]
    [InlineData("mariadb")]
    public async Task The_sql_sink_writes_each_record_once_across_a_crash_after_the_write_and_a_replay_from_the_start(string provider)
    {
        var clock = new ManualTimeProvider();
        await using var fixture = await QueueFixture.OpenAsync(clock);
        var stream = await CreateStreamAsync(fixture, "readings", shards: 2);
        await PutAsync(stream, 60, i => "device-" + i);
        var url = provider switch
        {
            "postgresql" => await TestDatabases.CreatePostgresDatabaseAsync("streams"),
            "mariadb" => await TestDatabases.CreateMySqlDatabaseAsync("streams"),
            _ => "sqlite://" + Path.Combine(fixture.Directory, "spillway.db"),
        };
        try
        {
            await using var sink = SqlSinkFactory.Create(new SqlSinkOptions { Name = "users", DatabaseUrl = url });
            await sink.EnsureSchemaAsync();
            var sql = new SqlSinkHandler(sink);
            var calls = 0;

            // The first invocation writes its rows and then fails, as a crash before the checkpoint would.
            var crashing = new DelegateHandler(async (batch, ct) =>
            {
                var outcome = await sql.HandleAsync(batch, ct);
                return Interlocked.Increment(ref calls) == 1 ? throw new InvalidOperationException("crash after write") : outcome;
            });
            var options = new StreamConsumerOptions { TimeProvider = clock, BatchSize = 7 };
            await using (var first = Consumer(fixture, "readings", crashing, options, retry: clock.Advance))
            {
                await first.StartAsync();
                await Eventually.AssertAsync(() => first.GetStatistics().SucceededMessages == 60, "every record was written");
            }

            // Another consumer replays the whole stream into the same table.
            await using (var replay = Consumer(fixture, "readings", sql, options, name: "replay"))
            {
                await replay.StartAsync();
                await Eventually.AssertAsync(() => replay.GetStatistics().SucceededMessages == 60, "the replay handled every record");
            }

            Assert.Equal((60L, 60L), await CountRowsAsync(provider, url));
        }
        finally
        {
            if (provider != "sqlite")
            {
                await TestDatabases.DropDatabaseAsync(url);
            }
        }
    }

    // Rows, and distinct records among them.
    private static async Task<(long Rows, long Distinct)> CountRowsAsync(string provider, string url)
    {
        const string sql = "SELECT COUNT(*), COUNT(DISTINCT email) FROM users";
        if (provider == "sqlite")
        {
            await using var connection = new SqliteConnection($"Data Source={url["sqlite://".Length..]}");
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            await using var reader = await command.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            return (reader.GetInt64(0), reader.GetInt64(1));
        }

        var answer = provider == "postgresql" ? await TestDatabases.PsqlAsync(url, sql) : await TestDatabases.MariaDbAsync(url, sql);
        var counts = answer.Split('|', '\t');
        return (long.Parse(counts[0], CultureInfo.InvariantCulture), long.Parse(counts[1], CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData(0, nameof(StreamConsumerOptions.BatchSize))]
    [InlineData(10_001, nameof(StreamConsumerOptions.BatchSize))]
    public void Batch_size_outside_lambda_range_is_refused(int value, string name) =>
        Assert.Equal(name, Assert.Throws<ArgumentOutOfRangeException>(() => new StreamConsumerOptions { BatchSize = value }).ParamName);

    [Fact]
    public void Settings_outside_lambda_ranges_are_refused_and_defaults_are_lambda_s()
    {
        var defaults = new StreamConsumerOptions();
        Assert.Equal((100, 1, -1, false, false), (defaults.BatchSize, defaults.ParallelizationFactor, defaults.MaximumRetryAttempts,
            defaults.BisectBatchOnFunctionError, defaults.ReportBatchItemFailures));
        Assert.Null(defaults.MaximumRecordAge);
        Assert.Throws<ArgumentOutOfRangeException>(() => new StreamConsumerOptions { ParallelizationFactor = 11 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new StreamConsumerOptions { MaximumRetryAttempts = -2 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new StreamConsumerOptions { MaximumRetryAttempts = 10_001 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new StreamConsumerOptions { MaximumRecordAge = TimeSpan.FromSeconds(59) });
        Assert.Throws<ArgumentOutOfRangeException>(() => new StreamConsumerOptions { MaximumRecordAge = TimeSpan.FromSeconds(604_801) });
        Assert.Throws<ArgumentOutOfRangeException>(() => new StreamConsumerOptions { MaximumBatchingWindow = TimeSpan.FromSeconds(301) });
        var atTimestamp = new StreamConsumerOptions { StartingPosition = StreamStartingPosition.AtTimestamp };
        Assert.Equal(nameof(StreamConsumerOptions.StartingPositionTimestamp), Assert.Throws<ArgumentException>(atTimestamp.Validate).ParamName);
    }

    private static DelegateHandler Collect(ConcurrentQueue<string> into) => new((batch, _) =>
    {
        foreach (var record in batch.Stream!.Records)
        {
            into.Enqueue(record.SequenceNumber);
        }

        return ValueTask.FromResult(BatchOutcome.Success);
    });

    private static async Task<DataStream> CreateStreamAsync(QueueFixture fixture, string name, int shards = 1) =>
        await fixture.Engine.Streams.CreateAsync(new StreamDefinition { Name = name, ShardCount = shards });

    private static async Task<IReadOnlyList<PutOutcome>> PutAsync(DataStream stream, int count, Func<int, string> key) =>
        await stream.PutAsync([.. Enumerable.Range(0, count).Select(i => new StreamRecordInput(Reading(i), key(i)))]);

    private static StreamConsumer Consumer(
        QueueFixture fixture, string stream, IMessageHandler handler, StreamConsumerOptions options,
        Action<TimeSpan>? retry = null, string name = "worker")
    {
        var transport = new EmbeddedTransport(fixture.Engine);
        var onFailure = options.OnFailureQueue is { } queue ? transport.FindSender(queue) : null;
        return new StreamConsumer(name, transport.Streams.OpenSource(stream), handler, options, onFailure) { RetryScheduled = retry };
    }
}
