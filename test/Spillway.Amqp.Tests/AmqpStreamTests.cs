using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Spillway.Amqp.Internal.Streams;
using Spillway.Messaging.Streams;
using Spillway.TestKit;
using Spillway.Transport;

namespace Spillway.Amqp.Tests;

/// <summary>Streams on RabbitMQ stream queues against the real node, each test in a virtual host of its own.</summary>
[Collection(RabbitMqNodeCollection.Name)]
public sealed class AmqpStreamTests : IAsyncLifetime
{
    private readonly List<AmqpTransport> transports = [];
    private readonly List<ShardReader> readers = [];
    private Uri broker = null!;

    public async Task InitializeAsync() => broker = await TestBroker.CreateVirtualHostAsync("streams");

    public async Task DisposeAsync()
    {
        foreach (var reader in readers)
        {
            await reader.DisposeAsync();
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
        var outcomes = await transport.FindStreamPublisher("readings")!.PutAsync(
            [new StreamRecordInput(binary, "device-1"), new StreamRecordInput(Encoding.UTF8.GetBytes("zählerstand ✓"), "device-1")],
            CancellationToken.None);

        var records = await ReadAsync(Reader(transport, "readings", "shardId-000000000000", new ShardStart(IteratorStart.TrimHorizon)), 2);

        Assert.All(outcomes, o => Assert.Equal("shardId-000000000000", o.ShardId));
        Assert.Equal(["0", "1"], records.Select(r => r.SequenceNumber));
        Assert.Equal(binary, records[0].Data.ToArray());
        Assert.Equal("zählerstand ✓", Encoding.UTF8.GetString(records[1].Data.Span));
        Assert.All(records, r => Assert.Equal("device-1", r.PartitionKey));
    }

    [Fact]
    public async Task Records_of_each_partition_key_go_to_the_shard_of_its_md5_and_stay_in_put_order()
    {
        var transport = await OpenAsync(new StreamDefinition { Name = "meters", ShardCount = 4 });
        var publisher = transport.FindStreamPublisher("meters")!;
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
        foreach (var shard in transport.FindStream("meters")!.Shards)
        {
            var expected = expectedShard.Count(e => e.Value == shard.ShardId) * 10;
            foreach (var record in await ReadAsync(Reader(transport, "meters", shard.ShardId, new ShardStart(IteratorStart.TrimHorizon)), expected))
            {
                var key = record.PartitionKey;
                Assert.Equal(shard.ShardId, expectedShard[key]);
                Assert.InRange(ShardLayout.HashKeyOf(key), shard.StartingHashKey, shard.EndingHashKey);
                var round = int.Parse(Encoding.UTF8.GetString(record.Data.Span).Split('/')[1], CultureInfo.InvariantCulture);
                (seen.TryGetValue(key, out var rounds) ? rounds : seen[key] = []).Add(round);
            }
        }

        Assert.Equal(keys.Order(), seen.Keys.Order());
        Assert.All(seen.Values, rounds => Assert.Equal(Enumerable.Range(0, 10), rounds));
        Assert.True(expectedShard.Values.Distinct().Count() > 1, "every key went to one shard");
    }

    [Fact]
    public void Hash_key_ranges_split_the_key_space_as_kinesis_does()
    {
        var shards = ShardLayout.Of(new StreamDefinition { Name = "s", ShardCount = 3 }).Shards;

        Assert.Equal(UInt128.Zero, shards[0].StartingHashKey);
        Assert.Equal(UInt128.Parse("113427455640312821154458202477256070484", CultureInfo.InvariantCulture), shards[0].EndingHashKey);
        Assert.Equal(UInt128.Parse("113427455640312821154458202477256070485", CultureInfo.InvariantCulture), shards[1].StartingHashKey);
        Assert.Equal(UInt128.Parse("226854911280625642308916404954512140970", CultureInfo.InvariantCulture), shards[2].StartingHashKey);
        Assert.Equal(UInt128.MaxValue, shards[2].EndingHashKey);
        Assert.Equal(["shardId-000000000000", "shardId-000000000001", "shardId-000000000002"], shards.Select(s => s.ShardId));
        Assert.Equal(4, ShardLayout.Of(new StreamDefinition { Name = "s", Mode = StreamMode.OnDemand }).Shards.Count);
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
        var publisher = transport.FindStreamPublisher("positions")!;
        await publisher.PutAsync([.. Enumerable.Range(0, 10).Select(i => Record($"r{i}", "k"))], CancellationToken.None);
        const string shard = "shardId-000000000000";
        var latest = Reader(transport, "positions", shard, new ShardStart(IteratorStart.Latest));
        Assert.Empty(await latest.ReadAsync(10, TimeSpan.FromMilliseconds(300), CancellationToken.None));

        var at = await ReadAsync(Reader(transport, "positions", shard, new ShardStart(IteratorStart.AtSequenceNumber, "4")), 6);
        var after = await ReadAsync(Reader(transport, "positions", shard, new ShardStart(IteratorStart.AfterSequenceNumber, "4")), 5);
        await publisher.PutAsync([Record("new", "k")], CancellationToken.None);

        Assert.Equal(["r4", "r5", "r6", "r7", "r8", "r9"], at.Select(Text));
        Assert.Equal(["r5", "r6", "r7", "r8", "r9"], after.Select(Text));
        Assert.Equal(["new"], (await ReadAsync(latest, 1)).Select(Text));
    }

    [Fact]
    public async Task RabbitMQ_restarted_during_puts_every_confirmed_record_is_read_back_once()
    {
        var transport = await OpenAsync(new StreamDefinition { Name = "outage", ShardCount = 2 });
        var publisher = transport.FindStreamPublisher("outage")!;
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
        await TestBroker.CtlAsync("stop_app");
        await TestBroker.CtlAsync("start_app");
        var before = confirmed.Count;
        await WaitUntilAsync(() => confirmed.Count >= before + 500, "500 more records confirmed after the restart");
        await stop.CancelAsync();
        await Task.WhenAll(producers);

        Assert.True(failed > 0, "no put failed while the broker was down");
        var read = new List<string>();
        foreach (var shard in transport.FindStream("outage")!.Shards)
        {
            var reader = Reader(transport, "outage", shard.ShardId, new ShardStart(IteratorStart.TrimHorizon));
            while ((await reader.ReadAsync(1000, TimeSpan.FromSeconds(1), CancellationToken.None)) is { Count: > 0 } records)
            {
                read.AddRange(records.Select(Text));
            }
        }

        var missing = confirmed.Keys.Except(read).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} confirmed records are missing, e.g. {string.Join(", ", missing.Take(5))}");
        var doubled = read.GroupBy(r => r).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(doubled.Count == 0, $"{doubled.Count} records were read twice, e.g. {string.Join(", ", doubled.Take(5))}");
    }

    private async Task<AmqpTransport> OpenAsync(StreamDefinition stream)
    {
        var transport = Track(new AmqpTransport(new AmqpTransportOptions { Uri = broker, Queues = [], Streams = [stream] }));
        Assert.True(await transport.ConnectAsync(publish: true, TimeSpan.FromSeconds(30), CancellationToken.None), transport.Status.Reason);
        return transport;
    }

    private AmqpTransport Track(AmqpTransport transport)
    {
        transports.Add(transport);
        return transport;
    }

    private ShardReader Reader(AmqpTransport transport, string stream, string shard, ShardStart start)
    {
        var reader = transport.OpenShardReader(stream, shard, start, prefetch: 100);
        readers.Add(reader);
        return reader;
    }

    private static StreamRecordInput Record(string data, string key) => new(Encoding.UTF8.GetBytes(data), key);

    private static string Text(StreamRecord record) => Encoding.UTF8.GetString(record.Data.Span);

    private static async Task<List<StreamRecord>> ReadAsync(ShardReader reader, int count)
    {
        var records = new List<StreamRecord>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (records.Count < count)
        {
            records.AddRange(await reader.ReadAsync(count - records.Count, TimeSpan.FromSeconds(5), timeout.Token));
        }

        return records;
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting until {what}");
            await Task.Delay(20);
        }
    }
}
