using System.Text;
using System.Text.Json;

namespace Spillway.Kinesis.Tests;

/// <summary>Putting and reading records through the JSON 1.1 protocol: data, order, iterators and their expiry.</summary>
public sealed class RecordTests : IAsyncLifetime
{
    private static readonly byte[] Binary = [.. Enumerable.Range(0, 256).Select(i => (byte)i), 0, 0xFF, 0xC3, 0x28];
    private KinesisTestServer server = null!;

    public async Task InitializeAsync() => server = await KinesisTestServer.StartAsync();

    public async Task DisposeAsync() => await server.DisposeAsync();

    [Fact]
    public async Task Binary_and_UTF8_data_round_trip_byte_for_byte()
    {
        await server.CreateStreamAsync("data");
        var utf8 = Encoding.UTF8.GetBytes("温度 21.5 °C ✓ 🌡");

        var first = await server.JsonAsync("PutRecord", new { StreamName = "data", PartitionKey = "sensor-1", Data = Convert.ToBase64String(Binary) });
        var second = await server.JsonAsync("PutRecord", new { StreamName = "data", PartitionKey = "センサー", Data = Convert.ToBase64String(utf8) });
        first.AssertOk();
        Assert.Equal("shardId-000000000000", first.String("ShardId"));

        var records = await ReadAllAsync(await server.IteratorAsync("data", "shardId-000000000000", "TRIM_HORIZON"));
        Assert.Equal(Binary, Convert.FromBase64String(records[0].GetProperty("Data").GetString()!));
        Assert.Equal(utf8, Convert.FromBase64String(records[1].GetProperty("Data").GetString()!));
        Assert.Equal("センサー", records[1].GetProperty("PartitionKey").GetString());
        Assert.Equal(first.String("SequenceNumber"), records[0].GetProperty("SequenceNumber").GetString());
        Assert.Equal(second.String("SequenceNumber"), records[1].GetProperty("SequenceNumber").GetString());
        var arrival = records[0].GetProperty("ApproximateArrivalTimestamp").GetDecimal();
        Assert.Equal(server.Clock.GetUtcNow().ToUnixTimeMilliseconds() / 1000m, arrival);
    }

    [Fact]
    public async Task PutRecords_answers_per_record_in_input_order_and_keeps_order_per_key()
    {
        await server.CreateStreamAsync("batch", shards: 4);
        var entries = Enumerable.Range(0, 40).Select(i => new { PartitionKey = "device-" + (i % 5), Data = Convert.ToBase64String(Encoding.UTF8.GetBytes("r" + i)) });

        var put = await server.JsonAsync("PutRecords", new { StreamName = "batch", Records = entries });

        put.AssertOk();
        Assert.Equal(0, put.Body.GetProperty("FailedRecordCount").GetInt32());
        var results = put.Body.GetProperty("Records").EnumerateArray().ToList();
        Assert.Equal(40, results.Count);
        Assert.All(results, r => Assert.StartsWith("shardId-", r.GetProperty("ShardId").GetString(), StringComparison.Ordinal));
        foreach (var group in Enumerable.Range(0, 40).GroupBy(i => i % 5))
        {
            var shard = results[group.First()].GetProperty("ShardId").GetString()!;
            var read = await ReadAllAsync(await server.IteratorAsync("batch", shard, "TRIM_HORIZON"));
            var mine = read.Where(r => r.GetProperty("PartitionKey").GetString() == "device-" + group.Key)
                .Select(r => Encoding.UTF8.GetString(Convert.FromBase64String(r.GetProperty("Data").GetString()!)));
            Assert.Equal(group.Select(i => "r" + i), mine);
        }
    }

    [Fact]
    public async Task PutRecords_with_one_bad_entry_writes_nothing()
    {
        await server.CreateStreamAsync("strict");

        var put = await server.JsonAsync("PutRecords", new
        {
            StreamName = "strict",
            Records = new object[] { new { PartitionKey = "k", Data = "AAAA" }, new { PartitionKey = "", Data = "AAAA" } },
        });

        put.AssertError("ValidationException");
        Assert.Contains("records.2.member.partitionKey", put.String("message"), StringComparison.Ordinal);
        Assert.Empty(await ReadAllAsync(await server.IteratorAsync("strict", "shardId-000000000000", "TRIM_HORIZON")));
    }

    [Fact]
    public async Task Every_iterator_type_starts_where_Kinesis_starts()
    {
        await server.CreateStreamAsync("iterators");
        var sequences = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            server.Clock.Advance(TimeSpan.FromSeconds(10));
            var put = await server.JsonAsync("PutRecord", new { StreamName = "iterators", PartitionKey = "k", Data = Convert.ToBase64String([(byte)i]) });
            sequences.Add(put.String("SequenceNumber")!);
        }

        var latest = await server.IteratorAsync("iterators", "shardId-000000000000", "LATEST");
        await server.JsonAsync("PutRecord", new { StreamName = "iterators", PartitionKey = "k", Data = Convert.ToBase64String([3]) });
        var secondAt = server.Clock.GetUtcNow().AddSeconds(-10).ToUnixTimeMilliseconds() / 1000.0;

        Assert.Equal([0, 1, 2, 3], await DataAsync(await server.IteratorAsync("iterators", "shardId-000000000000", "TRIM_HORIZON")));
        Assert.Equal([3], await DataAsync(latest));
        Assert.Equal([1, 2, 3], await DataAsync(await server.IteratorAsync("iterators", "shardId-000000000000", "AT_SEQUENCE_NUMBER", sequences[1])));
        Assert.Equal([2, 3], await DataAsync(await server.IteratorAsync("iterators", "shardId-000000000000", "AFTER_SEQUENCE_NUMBER", sequences[1])));
        Assert.Equal([1, 2, 3], await DataAsync(await server.IteratorAsync("iterators", "shardId-000000000000", "AT_TIMESTAMP", timestamp: secondAt)));
    }

    [Fact]
    public async Task GetRecords_honours_Limit_and_hands_on_with_NextShardIterator()
    {
        await server.CreateStreamAsync("limited");
        for (var i = 0; i < 5; i++)
        {
            await server.JsonAsync("PutRecord", new { StreamName = "limited", PartitionKey = "k", Data = Convert.ToBase64String([(byte)i]) });
        }

        var first = await server.JsonAsync("GetRecords", new { ShardIterator = await server.IteratorAsync("limited", "shardId-000000000000", "TRIM_HORIZON"), Limit = 2 });
        var second = await server.JsonAsync("GetRecords", new { ShardIterator = first.String("NextShardIterator"), Limit = 10 });

        Assert.Equal(2, first.Body.GetProperty("Records").GetArrayLength());
        Assert.Equal(3, second.Body.GetProperty("Records").GetArrayLength());
        Assert.Equal(0, second.Body.GetProperty("MillisBehindLatest").GetInt64());
        (await server.JsonAsync("GetRecords", new { ShardIterator = first.String("NextShardIterator"), Limit = 10_001 })).AssertError("ValidationException");
    }

    [Fact]
    public async Task Iterator_expires_five_minutes_after_it_was_issued()
    {
        await server.CreateStreamAsync("expiry");
        var iterator = await server.IteratorAsync("expiry", "shardId-000000000000", "TRIM_HORIZON");

        server.Clock.Advance(TimeSpan.FromMinutes(5));
        (await server.JsonAsync("GetRecords", new { ShardIterator = iterator })).AssertOk();
        server.Clock.Advance(TimeSpan.FromMilliseconds(1));
        (await server.JsonAsync("GetRecords", new { ShardIterator = iterator })).AssertError("ExpiredIteratorException");
    }

    [Fact]
    public async Task Reading_a_split_parent_to_its_end_names_the_children()
    {
        await server.CreateStreamAsync("split");
        await server.JsonAsync("PutRecord", new { StreamName = "split", PartitionKey = "k", Data = "AQ==" });
        var iterator = await server.IteratorAsync("split", "shardId-000000000000", "TRIM_HORIZON");
        (await server.JsonAsync("SplitShard", new
        {
            StreamName = "split", ShardToSplit = "shardId-000000000000", NewStartingHashKey = "170141183460469231731687303715884105728",
        })).AssertOk();

        var read = await server.JsonAsync("GetRecords", new { ShardIterator = iterator });

        Assert.Single(read.Body.GetProperty("Records").EnumerateArray());
        Assert.False(read.Body.TryGetProperty("NextShardIterator", out _));
        var children = read.Body.GetProperty("ChildShards").EnumerateArray().ToList();
        Assert.Equal(["shardId-000000000001", "shardId-000000000002"], children.Select(c => c.GetProperty("ShardId").GetString()));
        Assert.Equal("shardId-000000000000", children[0].GetProperty("ParentShards")[0].GetString());
        (await server.JsonAsync("MergeShards", new
        {
            StreamName = "split", ShardToMerge = "shardId-000000000001", AdjacentShardToMerge = "shardId-000000000002",
        })).AssertOk();
    }

    private async Task<List<JsonElement>> ReadAllAsync(string iterator)
    {
        var answer = await server.JsonAsync("GetRecords", new { ShardIterator = iterator });
        answer.AssertOk();
        return [.. answer.Body.GetProperty("Records").EnumerateArray()];
    }

    private async Task<List<int>> DataAsync(string iterator) =>
        [.. (await ReadAllAsync(iterator)).Select(r => (int)Convert.FromBase64String(r.GetProperty("Data").GetString()!)[0])];
}
