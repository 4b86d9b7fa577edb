using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Spillway.Messaging.Streams;
using Spillway.TestKit;
using Spillway.Transport;

namespace Spillway.Amqp.Tests;

/// <summary>Streams on RabbitMQ stream queues against the real node, each test in a virtual host of its own.</summary>
[Collection(RabbitMqNodeCollection.Name)]
public sealed class AmqpStreamTests : IAsyncLifetime
{
    private readonly List<AmqpTransport> transports = [];
    private readonly List<IStreamSource> sources = [];
    private Uri broker = null!;

    public async Task InitializeAsync() => broker = await TestBroker.CreateVirtualHostAsync("streams");

    public async Task DisposeAsync()
    {
        foreach (var source in sources)
        {
            await source.DisposeAsync();
        }

        foreach (var transport in transports)
        {
            await transport.DisposeAsync();
        }

        await TestBroker.CtlAsync("delete_vhost", VirtualHost);
    }

    private string VirtualHost => Uri.UnescapeDataString(broker.AbsolutePath.TrimStart('/'));

    [Fact]
    public async Task Confirmed_puts_are_read_back_byte_for_byte_with_their_offsets_as_sequence_numbers()
    {
        var transport = await OpenAsync(new StreamDefinition { Name = "readings" });
        var binary = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        var outcomes = await transport.Streams.FindProducer("readings")!.PutAsync(
            [new StreamRecordInput(binary, "device-1"), new StreamRecordInput(Encoding.UTF8.GetBytes("zählerstand ✓"), "device-1")],
            CancellationToken.None);

        var records = await ReadAsync(await CursorAsync(transport, "readings", "shardId-000000000000", IteratorStart.TrimHorizon), 2);

        Assert.All(outcomes, o => Assert.Equal("shardId-000000000000", o.ShardId));
        Assert.Equal([StreamKeys.SequenceNumber(0, 0), StreamKeys.SequenceNumber(1, 0)], records.Select(r => r.SequenceNumber));
        Assert.Equal(binary, records[0].Data.ToArray());
        Assert.Equal("zählerstand ✓", Encoding.UTF8.GetString(records[1].Data.Span));
        Assert.All(records, r => Assert.Equal("device-1", r.PartitionKey));
    }

    [Fact]
    public async Task Records_of_each_partition_key_go_to_the_shard_of_its_md5_and_stay_in_put_order()
    {
        var transport = await OpenAsync(new StreamDefinition { Name = "meters", ShardCount = 4 });
        var publisher = transport.Streams.FindProducer("meters")!;
        var keys = Enumerable.Range(0, 40).Select(k => $"meter-{k}").ToArray();
        var batches = Enumerable.Range(0, 10)
            .Select(round => keys.Select(key => new StreamRecordInput(Encoding.UTF8.GetBytes($"{key}/{round}"), key)).ToArray());
        var expectedShard = new Dictionary<string, string>();
        foreach (var batch in batches)
        {
            var outcomes = await publisher.PutAsync(batch, CancellationToken.None);
            for (var i = 0; i < batch.Length; i++)
            {
                expectedShard[batch[i].PartitionKey] = outcomes[i].ShardId!;
            }
        }

        var seen = new Dictionary<string, List<int>>();
        foreach (var shard in await Source(transport, "meters").ListShardsAsync(CancellationToken.None))
        {
            var expected = expectedShard.Count(e => e.Value == shard.ShardId) * 10;
            foreach (var record in await ReadAsync(await CursorAsync(transport, "meters", shard.ShardId, IteratorStart.TrimHorizon), expected))
            {
                var key = record.PartitionKey;
                Assert.Equal(shard.ShardId, expectedShard[key]);
                Assert.InRange(StreamKeys.HashKey(key), shard.StartingHashKey, shard.EndingHashKey);
                var round = int.Parse(Encoding.UTF8.GetString(record.Data.Span).Split('/')[1], CultureInfo.InvariantCulture);
                (seen.TryGetValue(key, out var rounds) ? rounds : seen[key] = []).Add(round);
            }
        }

        Assert.Equal(keys.Order(), seen.Keys.Order());
        Assert.All(seen.Values, rounds => Assert.Equal(Enumerable.Range(0, 10), rounds));
        Assert.True(expectedShard.Values.Distinct().Count() > 1, "every key went to one shard");
    }

    [Fact]
    public async Task Hash_key_ranges_split_the_key_space_as_kinesis_does()
    {
        var three = Track(new AmqpTransport(new AmqpTransportOptions
        {
            Uri = broker, Queues = [], Streams = [new StreamDefinition { Name = "s", ShardCount = 3 }],
        }));
        var onDemand = Track(new AmqpTransport(new AmqpTransportOptions
        {
            Uri = broker, Queues = [], Streams = [new StreamDefinition { Name = "s", Mode = StreamMode.OnDemand }],
        }));

        var shards = await Source(three, "s").ListShardsAsync(CancellationToken.None);

        Assert.Equal(UInt128.Zero, shards[0].StartingHashKey);
        Assert.Equal(UInt128.Parse("113427455640312821154458202477256070484", CultureInfo.InvariantCulture), shards[0].EndingHashKey);
        Assert.Equal(UInt128.Parse("113427455640312821154458202477256070485", CultureInfo.InvariantCulture), shards[1].StartingHashKey);
        Assert.Equal(UInt128.Parse("226854911280625642308916404954512140970", CultureInfo.InvariantCulture), shards[2].StartingHashKey);
        Assert.Equal(UInt128.MaxValue, shards[2].EndingHashKey);
        Assert.Equal(["shardId-000000000000", "shardId-000000000001", "shardId-000000000002"], shards.Select(s => s.ShardId));
        Assert.Equal(StreamLimits.OnDemandInitialShards, (await Source(onDemand, "s").ListShardsAsync(CancellationToken.None)).Count);
    }

    [Fact]
    public async Task Each_shard_is_a_stream_queue_with_the_retention_as_max_age()
    {
        await OpenAsync(new StreamDefinition { Name = "kept", ShardCount = 2, Retention = TimeSpan.FromHours(48) });

        var listing = await TestBroker.CtlAsync("list_queues", "-p", VirtualHost, "--no-table-headers", "name", "type", "arguments");

        var lines = listing.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var shard in new[] { "kept.shard-000000000000", "kept.shard-000000000001" })
        {
            var line = Assert.Single(lines, l => l.StartsWith(shard, StringComparison.Ordinal));
            Assert.Contains("stream", line, StringComparison.Ordinal);
            Assert.Contains("x-max-age", line, StringComparison.Ordinal);
            Assert.Contains("48h", line, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_node_configured_with_another_shard_count_is_refused_by_the_broker()
    {
        await OpenAsync(new StreamDefinition { Name = "fixed", ShardCount = 2 });

        var other = Track(new AmqpTransport(new AmqpTransportOptions
        {
            Uri = broker, Queues = [], Streams = [new StreamDefinition { Name = "fixed", ShardCount = 3 }],
        }));

        Assert.False(await other.ConnectAsync(publish: true, TimeSpan.FromSeconds(2), CancellationToken.None));
        Assert.Contains("shard count", other.Status.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reads_start_at_or_after_a_sequence_number_or_at_latest()
    {
        var transport = await OpenAsync(new StreamDefinition { Name = "positions" });
        var publisher = transport.Streams.FindProducer("positions")!;
        await publisher.PutAsync([.. Enumerable.Range(0, 10).Select(i => Record($"r{i}", "k"))], CancellationToken.None);
        const string shard = "shardId-000000000000";
        var latest = await CursorAsync(transport, "positions", shard, IteratorStart.Latest);
        Assert.Empty(await latest.ReadAsync(10, TimeSpan.FromMilliseconds(300)));

        var fourth = StreamKeys.SequenceNumber(4, 0);
        var at = await ReadAsync(await CursorAsync(transport, "positions", shard, IteratorStart.AtSequenceNumber, fourth), 6);
        var after = await ReadAsync(await CursorAsync(transport, "positions", shard, IteratorStart.AfterSequenceNumber, fourth), 5);
        await publisher.PutAsync([Record("new", "k")], CancellationToken.None);

        Assert.Equal(["r4", "r5", "r6", "r7", "r8", "r9"], at.Select(Text));
        Assert.Equal(["r5", "r6", "r7", "r8", "r9"], after.Select(Text));
        Assert.Equal(["new"], (await ReadAsync(latest, 1)).Select(Text));
    }

    [Fact]
    public async Task Reads_at_a_timestamp_start_with_the_first_record_that_arrived_then()
    {
        // Behind the broker's clock, so RabbitMQ's chunk of that second holds all three and the reader skips by arrival.
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow - TimeSpan.FromSeconds(5));
        var transport = Track(new AmqpTransport(
            new AmqpTransportOptions { Uri = broker, Queues = [], Streams = [new StreamDefinition { Name = "clocked" }] }, time: clock));
        Assert.True(await transport.ConnectAsync(publish: true, TimeSpan.FromSeconds(30), CancellationToken.None), transport.Status.Reason);
        var producer = transport.Streams.FindProducer("clocked")!;
        await producer.PutAsync([Record("early", "k")], CancellationToken.None);
        clock.Advance(TimeSpan.FromMilliseconds(10));
        var boundary = clock.GetUtcNow();
        await producer.PutAsync([Record("on time", "k"), Record("late", "k")], CancellationToken.None);

        var read = await ReadAsync(await CursorAsync(transport, "clocked", "shardId-000000000000", IteratorStart.AtTimestamp, at: boundary), 2);

        Assert.Equal(["on time", "late"], read.Select(Text));
    }

    [Fact]
    public async Task A_checkpoint_saved_by_one_node_is_where_another_node_finds_it()
    {
        var definition = new StreamDefinition { Name = "handover", ShardCount = 2 };
        var first = await OpenAsync(definition);
        var second = await OpenAsync(definition);
        var early = Source(second, "handover");
        Assert.Null(await early.GetCheckpointAsync("loader", "shardId-000000000001", CancellationToken.None));

        var saving = Source(first, "handover");
        await saving.SaveCheckpointAsync("loader", "shardId-000000000001", StreamKeys.SequenceNumber(41, 1), CancellationToken.None);
        await saving.SaveCheckpointAsync("loader", "shardId-000000000001", StreamKeys.SequenceNumber(42, 1), CancellationToken.None);
        await saving.SaveCheckpointAsync("other", "shardId-000000000000", StreamKeys.SequenceNumber(7, 0), CancellationToken.None);
        var third = await OpenAsync(definition);

        Assert.Equal(
            StreamKeys.SequenceNumber(42, 1),
            await Source(third, "handover").GetCheckpointAsync("loader", "shardId-000000000001", CancellationToken.None));
        Assert.Null(await Source(third, "handover").GetCheckpointAsync("loader", "shardId-000000000000", CancellationToken.None));
        await WaitUntilAsync(
            async () => await early.GetCheckpointAsync("loader", "shardId-000000000001", CancellationToken.None) == StreamKeys.SequenceNumber(42, 1),
            "the node that read the checkpoints before saw the new one");
        await Assert.ThrowsAsync<ArgumentException>(() => saving.SaveCheckpointAsync(
            "loader", "shardId-000000000000", StreamKeys.SequenceNumber(1, 1), CancellationToken.None).AsTask());
    }

    [Fact]
    public async Task One_node_reads_a_shard_for_a_consumer_and_another_takes_over_past_its_checkpoint_when_it_goes()
    {
        var definition = new StreamDefinition { Name = "shared" };
        var first = await OpenAsync(definition);
        var second = await OpenAsync(definition);
        const string shard = "shardId-000000000000";
        await first.Streams.FindProducer("shared")!.PutAsync([.. Enumerable.Range(0, 10).Select(i => Record($"r{i}", "k"))], CancellationToken.None);
        var (a, b) = (Source(first, "shared"), Source(second, "shared"));
        Assert.Null(await a.GetCheckpointAsync("loader", shard, CancellationToken.None));
        Assert.Null(await b.GetCheckpointAsync("loader", shard, CancellationToken.None));
        var start = await a.SeekAsync(shard, IteratorStart.TrimHorizon, null, null, CancellationToken.None);

        var taken = await a.ReadAsync(start, 4, TimeSpan.FromSeconds(5), CancellationToken.None);
        var refused = await b.ReadAsync(start, 4, TimeSpan.FromMilliseconds(200), CancellationToken.None);
        await a.SaveCheckpointAsync("loader", shard, taken.Records[^1].SequenceNumber, CancellationToken.None);
        transports.Remove(first);
        await first.DisposeAsync();
        var rest = new List<StreamRecord>();
        var from = start;

        // The broker hands the records over as they come, so one read may return only some of them: read on from where
        // each read ended until the six past the checkpoint are in.
        await WaitUntilAsync(
            async () =>
            {
                var read = await b.ReadAsync(from, 10, TimeSpan.FromMilliseconds(500), CancellationToken.None);
                rest.AddRange(read.Records);
                from = read.Next ?? from;
                return rest.Count >= 6;
            },
            "the second node took the shard over and read what is past the checkpoint");

        Assert.Equal(["r0", "r1", "r2", "r3"], taken.Records.Select(Text));
        Assert.Empty(refused.Records);
        Assert.Equal(["r4", "r5", "r6", "r7", "r8", "r9"], rest.Select(Text));
    }

    [Fact]
    public async Task RabbitMQ_restarted_during_puts_every_confirmed_record_is_read_back_once()
    {
        await using var node = await PrivateBroker.StartAsync();
        var transport = await OpenAsync(new StreamDefinition { Name = "outage", ShardCount = 2 }, node.AmqpUrl);
        var publisher = transport.Streams.FindProducer("outage")!;
        var confirmed = new ConcurrentDictionary<string, byte>();
        var failed = 0;
        using var stop = new CancellationTokenSource();
        var producers = Enumerable.Range(0, 4).Select(p => Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var batch = Enumerable.Range(0, 5).Select(j => Record($"p{p}-{i}-{j}", $"key-{p}-{j}")).ToArray();
                try
                {
                    await publisher.PutAsync(batch, CancellationToken.None);
                    foreach (var record in batch)
                    {
                        confirmed[Encoding.UTF8.GetString(record.Data.Span)] = 0;
                    }
                }
                catch (TransportUnavailableException)
                {
                    Interlocked.Increment(ref failed);
                    await Task.Delay(20);
                }
            }
        })).ToArray();

        await WaitUntilAsync(() => confirmed.Count >= 500, "500 records confirmed before the restart");
        await node.CtlAsync("stop_app");
        await node.CtlAsync("start_app");
        var before = confirmed.Count;
        await WaitUntilAsync(() => confirmed.Count >= before + 500, "500 more records confirmed after the restart");
        await stop.CancelAsync();
        await Task.WhenAll(producers);

        Assert.True(failed > 0, "no put failed while the broker was down");
        var read = new List<string>();
        foreach (var shard in await Source(transport, "outage").ListShardsAsync(CancellationToken.None))
        {
            var cursor = await CursorAsync(transport, "outage", shard.ShardId, IteratorStart.TrimHorizon);
            while ((await cursor.ReadAsync(1000, TimeSpan.FromSeconds(1))) is { Count: > 0 } records)
            {
                read.AddRange(records.Select(Text));
            }
        }

        var missing = confirmed.Keys.Except(read).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} confirmed records are missing, e.g. {string.Join(", ", missing.Take(5))}");
        var doubled = read.GroupBy(r => r).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(doubled.Count == 0, $"{doubled.Count} records were read twice, e.g. {string.Join(", ", doubled.Take(5))}");
    }

    private async Task<AmqpTransport> OpenAsync(StreamDefinition stream, Uri? on = null)
    {
        var transport = Track(new AmqpTransport(new AmqpTransportOptions { Uri = on ?? broker, Queues = [], Streams = [stream] }));
        Assert.True(await transport.ConnectAsync(publish: true, TimeSpan.FromSeconds(30), CancellationToken.None), transport.Status.Reason);
        return transport;
    }

    private AmqpTransport Track(AmqpTransport transport)
    {
        transports.Add(transport);
        return transport;
    }

    private IStreamSource Source(AmqpTransport transport, string stream)
    {
        var source = transport.Streams.OpenSource(stream);
        sources.Add(source);
        return source;
    }

    private async Task<Cursor> CursorAsync(
        AmqpTransport transport, string stream, string shard, IteratorStart start, string? sequenceNumber = null, DateTimeOffset? at = null)
    {
        var source = Source(transport, stream);
        return new Cursor(source, await source.SeekAsync(shard, start, sequenceNumber, at, CancellationToken.None));
    }

    private static StreamRecordInput Record(string data, string key) => new(Encoding.UTF8.GetBytes(data), key);

    private static string Text(StreamRecord record) => Encoding.UTF8.GetString(record.Data.Span);

    private static async Task<List<StreamRecord>> ReadAsync(Cursor reader, int count)
    {
        var records = new List<StreamRecord>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (records.Count < count)
        {
            records.AddRange(await reader.ReadAsync(count - records.Count, TimeSpan.FromSeconds(5), timeout.Token));
        }

        return records;
    }

    private static Task WaitUntilAsync(Func<bool> condition, string what) => WaitUntilAsync(() => Task.FromResult(condition()), what);

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting until {what}");
            await Task.Delay(20);
        }
    }

    /// <summary>A position in a shard that moves with each read, as a consumer's does.</summary>
    private sealed class Cursor(IStreamSource source, ShardPosition position)
    {
        public async Task<IReadOnlyList<StreamRecord>> ReadAsync(int max, TimeSpan wait, CancellationToken cancellationToken = default)
        {
            var result = await source.ReadAsync(position, max, wait, cancellationToken);
            position = result.Next!.Value;
            return result.Records;
        }
    }
}
