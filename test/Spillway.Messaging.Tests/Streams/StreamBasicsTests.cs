using System.Globalization;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using Spillway.Messaging.Streams;

namespace Spillway.Messaging.Tests.Streams;

public sealed class StreamBasicsTests : StreamTestBase
{
    [Fact]
    public async Task Created_stream_has_even_shards_covering_every_hash_key()
    {
        var stream = await Streams.CreateAsync(new StreamDefinition { Name = "readings", ShardCount = 3 });

        var shards = stream.Shards;
        Assert.Equal(["shardId-000000000000", "shardId-000000000001", "shardId-000000000002"], shards.Select(s => s.ShardId));
        Assert.Equal(UInt128.Zero, shards[0].StartingHashKey);
        Assert.Equal(UInt128.MaxValue, shards[2].EndingHashKey);
        Assert.Equal(UInt128.Parse("113427455640312821154458202477256070485", CultureInfo.InvariantCulture), shards[1].StartingHashKey);
        Assert.All(shards.Skip(1).Zip(shards), p => Assert.Equal(p.Second.EndingHashKey + 1, p.First.StartingHashKey));
        Assert.All(shards, s => Assert.True(s.IsOpen));
        Assert.Equal(3, stream.Definition.ShardCount);
        Assert.Equal(StreamStatus.Active, stream.Status);
    }

    [Fact]
    public async Task On_demand_stream_starts_with_four_shards()
    {
        var stream = await Streams.CreateAsync(new StreamDefinition { Name = "auto", Mode = StreamMode.OnDemand, ShardCount = 0 });
        Assert.Equal(4, stream.Shards.Count);
        Assert.Equal(StreamMode.OnDemand, stream.Definition.Mode);
    }

    [Fact]
    public async Task Streams_are_listed_by_name_and_deleted_with_their_directory()
    {
        await Streams.CreateAsync(new StreamDefinition { Name = "b" });
        var a = await Streams.CreateAsync(new StreamDefinition { Name = "a" });
        await Put(a, "k", "x");
        Assert.Equal(["a", "b"], Streams.List().Select(s => s.Name));

        Assert.True(await Streams.DeleteAsync("a"));
        Assert.False(await Streams.DeleteAsync("a"));
        Assert.False(Directory.Exists(Path.Combine(DataDirectory, "streams", "a")));
        await Restart();
        Assert.Equal(["b"], Streams.List().Select(s => s.Name));
    }

    [Fact]
    public async Task Creating_an_existing_stream_is_refused()
    {
        await Streams.CreateAsync(new StreamDefinition { Name = "twice" });
        await Assert.ThrowsAsync<StreamInUseException>(() => Streams.CreateAsync(new StreamDefinition { Name = "twice" }).AsTask());
    }

    [Theory]
    [InlineData("", 1, 24, "Name")]
    [InlineData("bad name", 1, 24, "Name")]
    [InlineData("ok", 0, 24, "ShardCount")]
    [InlineData("ok", 501, 24, "ShardCount")]
    [InlineData("ok", 1, 23, "Retention")]
    [InlineData("ok", 1, 8761, "Retention")]
    public async Task Invalid_definition_names_the_property_and_creates_nothing(string name, int shards, int hours, string property)
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => Streams.CreateAsync(
            new StreamDefinition { Name = name, ShardCount = shards, Retention = TimeSpan.FromHours(hours) }).AsTask());
        Assert.Equal(property, error.ParamName);
        Assert.Empty(Streams.List());
    }

    [Fact]
    public async Task Record_goes_to_the_shard_holding_the_md5_of_its_partition_key()
    {
        var stream = await Streams.CreateAsync(new StreamDefinition { Name = "routed", ShardCount = 4 });
        foreach (var key in new[] { "device-1", "device-2", "sensor/ä", "x" })
        {
            var hash = new BigInteger(MD5.HashData(Encoding.UTF8.GetBytes(key)), isUnsigned: true, isBigEndian: true);
            var expected = stream.Shards.Single(s =>
                hash >= BigInteger.Parse(s.StartingHashKey.ToString(), CultureInfo.InvariantCulture)
                && hash <= BigInteger.Parse(s.EndingHashKey.ToString(), CultureInfo.InvariantCulture));

            var outcome = (await Put(stream, key, "v"))[0];
            Assert.Equal(expected.ShardId, outcome.ShardId);
            Assert.Equal(expected.ShardId, stream.ShardFor(key, null).ShardId);
        }
    }

    [Fact]
    public async Task Explicit_hash_key_overrides_the_partition_key()
    {
        var stream = await Streams.CreateAsync(new StreamDefinition { Name = "explicit", ShardCount = 2 });
        var outcomes = await stream.PutAsync([Record("low", "same", UInt128.Zero), Record("high", "same", UInt128.MaxValue)]);
        Assert.Equal(["shardId-000000000000", "shardId-000000000001"], outcomes.Select(o => o.ShardId));
    }

    [Fact]
    public async Task Records_of_one_key_keep_their_order_and_sequence_numbers_grow()
    {
        var stream = await Streams.CreateAsync(new StreamDefinition { Name = "ordered", ShardCount = 3 });
        var texts = Enumerable.Range(0, 50).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();
        foreach (var chunk in texts.Chunk(7))
        {
            await Put(stream, "one-key", chunk);
        }

        var shard = stream.ShardFor("one-key", null).ShardId;
        var records = ReadAll(stream, shard);
        Assert.Equal(texts, records.Select(Text));
        Assert.All(records.Zip(records.Skip(1)), p =>
            Assert.True(BigInteger.Parse(p.First.SequenceNumber, CultureInfo.InvariantCulture)
                < BigInteger.Parse(p.Second.SequenceNumber, CultureInfo.InvariantCulture)));
        Assert.All(records, r => Assert.Equal("one-key", r.PartitionKey));
    }

    [Fact]
    public async Task Binary_data_round_trips_byte_for_byte()
    {
        var stream = await Streams.CreateAsync(new StreamDefinition { Name = "binary" });
        var data = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        var big = new byte[StreamLimits.MaxRecordBytes - 3];
        Random.Shared.NextBytes(big);
        await stream.PutAsync([new StreamRecordInput(data, "k"), new StreamRecordInput(big, "key")]);

        var records = ReadAll(stream, "shardId-000000000000");
        Assert.Equal(data, records[0].Data.ToArray());
        Assert.Equal(big, records[1].Data.ToArray());
    }

    [Fact]
    public async Task Every_iterator_start_finds_its_record()
    {
        var stream = await Streams.CreateAsync(new StreamDefinition { Name = "iterators" });
        var shard = "shardId-000000000000";
        var first = await Put(stream, "k", "a", "b");
        Clock.Advance(TimeSpan.FromSeconds(10));
        var afterPause = Clock.GetUtcNow();
        await Put(stream, "k", "c");
        var latest = stream.Seek(shard, IteratorStart.Latest);
        await Put(stream, "k", "d");

        Assert.Equal(["a", "b", "c", "d"], stream.Read(stream.Seek(shard, IteratorStart.TrimHorizon), 10).Records.Select(Text));
        Assert.Equal(["d"], stream.Read(latest, 10).Records.Select(Text));
        Assert.Equal(["b", "c", "d"], stream.Read(stream.Seek(shard, IteratorStart.AtSequenceNumber, first[1].SequenceNumber), 10).Records.Select(Text));
        Assert.Equal(["c", "d"], stream.Read(stream.Seek(shard, IteratorStart.AfterSequenceNumber, first[1].SequenceNumber), 10).Records.Select(Text));
        Assert.Equal(["c", "d"], stream.Read(stream.Seek(shard, IteratorStart.AtTimestamp, timestamp: afterPause), 10).Records.Select(Text));
        Assert.Empty(stream.Read(stream.Seek(shard, IteratorStart.AtTimestamp, timestamp: afterPause.AddHours(1)), 10).Records);
        Assert.Equal(afterPause, stream.Read(latest, 10).Records[0].ApproximateArrivalTimestamp);
    }

    [Fact]
    public async Task Read_honours_its_limits_and_reports_the_distance_behind_latest()
    {
        var stream = await Streams.CreateAsync(new StreamDefinition { Name = "limits" });
        await Put(stream, "k", "aaaa", "bbbb", "cccc");
        Clock.Advance(TimeSpan.FromSeconds(3));
        var start = stream.Seek("shardId-000000000000", IteratorStart.TrimHorizon);

        var one = stream.Read(start, 1);
        Assert.Equal(["aaaa"], one.Records.Select(Text));
        Assert.Equal(3000, one.MillisBehindLatest);
        var rest = stream.Read(one.Next!.Value, 10);
        Assert.Equal(["bbbb", "cccc"], rest.Records.Select(Text));
        Assert.Equal(0, rest.MillisBehindLatest);
        Assert.Single(stream.Read(start, 10, maxBytes: 1).Records);
        Assert.Empty(stream.Read(rest.Next!.Value, 10).Records);
        Assert.Equal(rest.Next, stream.Read(rest.Next!.Value, 10).Next);
    }

    [Fact]
    public async Task Waiting_reader_wakes_when_a_record_is_put()
    {
        var stream = await Streams.CreateAsync(new StreamDefinition { Name = "waiting" });
        var position = stream.Seek("shardId-000000000000", IteratorStart.Latest);
        var wait = stream.WaitForRecordsAsync(position, TimeSpan.FromSeconds(20)).AsTask();
        Assert.False(wait.IsCompleted);

        await Put(stream, "k", "hello");
        Assert.True(await wait.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(["hello"], stream.Read(position, 10).Records.Select(Text));
    }

    [Fact]
    public async Task Waiting_reader_gives_up_when_the_clock_passes_its_timeout()
    {
        var stream = await Streams.CreateAsync(new StreamDefinition { Name = "timeout" });
        var wait = stream.WaitForRecordsAsync(stream.Latest("shardId-000000000000"), TimeSpan.FromSeconds(5)).AsTask();
        Clock.Advance(TimeSpan.FromSeconds(4));
        Assert.False(wait.IsCompleted);
        Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.False(await wait.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Bad_put_arguments_name_the_parameter_and_store_nothing()
    {
        var stream = await Streams.CreateAsync(new StreamDefinition { Name = "strict" });
        var tooBig = new StreamRecordInput(new byte[StreamLimits.MaxRecordBytes], "k");
        StreamRecordInput[][] invalid =
        [
            [],
            [Record("ok", "k"), Record("x", "")],
            [Record("ok", "k"), Record("x", new string('k', 257))],
            [Record("ok", "k"), tooBig],
            [.. Enumerable.Range(0, 501).Select(_ => Record("x", "k"))],
            [.. Enumerable.Range(0, 6).Select(_ => new StreamRecordInput(new byte[1_000_000], "k"))],
        ];
        foreach (var records in invalid)
        {
            var error = await Assert.ThrowsAsync<ArgumentException>(() => stream.PutAsync(records).AsTask());
            Assert.Equal("records", error.ParamName);
        }

        Assert.Equal(0, stream.RecordsKept);
        Assert.Empty(ReadAll(stream, "shardId-000000000000"));
    }

    [Fact]
    public async Task Bad_read_arguments_name_the_parameter()
    {
        var stream = await Streams.CreateAsync(new StreamDefinition { Name = "reads" });
        var start = stream.Seek("shardId-000000000000", IteratorStart.TrimHorizon);
        Assert.Equal("maxRecords", Assert.Throws<ArgumentException>(() => stream.Read(start, 0)).ParamName);
        Assert.Equal("maxRecords", Assert.Throws<ArgumentException>(() => stream.Read(start, 10_001)).ParamName);
        Assert.Equal("sequenceNumber", Assert.Throws<ArgumentException>(
            () => stream.Seek("shardId-000000000000", IteratorStart.AtSequenceNumber, "12")).ParamName);
        Assert.Equal("timestamp", Assert.Throws<ArgumentException>(
            () => stream.Seek("shardId-000000000000", IteratorStart.AtTimestamp)).ParamName);
        Assert.Throws<StreamNotFoundException>(() => stream.Seek("shardId-000000000009", IteratorStart.TrimHorizon));
        Assert.Throws<StreamNotFoundException>(() => stream.Read(new ShardPosition("nonsense", 0), 1));
    }

    [Fact]
    public async Task A_put_of_500_records_across_shards_is_one_fsync()
    {
        var stream = await Streams.CreateAsync(new StreamDefinition { Name = "batched", ShardCount = 8 });
        await Put(stream, "warm", "up");
        var syncs = Device.FileSyncs;
        var outcomes = await stream.PutAsync([.. Enumerable.Range(0, 500).Select(i => Record("r", $"key-{i}"))]);

        Assert.Equal(1, Device.FileSyncs - syncs);
        Assert.Equal(8, outcomes.Select(o => o.ShardId).Distinct().Count());
        Assert.Equal(501, stream.RecordsKept);
        Assert.Equal(501, stream.TotalRecords);
    }

    [Fact]
    public async Task Tags_and_registered_consumers_are_kept()
    {
        var stream = await Streams.CreateAsync(new StreamDefinition { Name = "meta" });
        await stream.SetTagsAsync(new Dictionary<string, string> { ["team"] = "iot", ["env"] = "test" }, []);
        await stream.SetTagsAsync(new Dictionary<string, string>(), ["env"]);
        await stream.RegisterConsumerAsync("fan-out");
        await Assert.ThrowsAsync<StreamInUseException>(() => stream.RegisterConsumerAsync("fan-out").AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => stream.RegisterConsumerAsync("bad name").AsTask());

        await Restart();
        stream = Stream("meta");
        Assert.Equal(new Dictionary<string, string> { ["team"] = "iot" }, stream.Tags);
        Assert.Equal(["fan-out"], stream.Consumers.Select(c => c.Name));
        Assert.True(await stream.DeregisterConsumerAsync("fan-out"));
        Assert.False(await stream.DeregisterConsumerAsync("fan-out"));
    }
}
