using System.Globalization;
using Spillway.Messaging.Streams;

namespace Spillway.Messaging.Tests.Streams;

public sealed class StreamReshardingTests : StreamTestBase
{
    private const string Shard0 = "shardId-000000000000";

    [Fact]
    public async Task Split_closes_the_parent_and_its_reader_moves_on_to_the_children()
    {
        var stream = await Streams.CreateAsync(new StreamDefinition { Name = "split" });
        await Put(stream, "k", "before");
        var middle = UInt128.MaxValue / 2 + 1;
        await stream.SplitShardAsync(Shard0, middle);
        var after = await Put(stream, "k", "after");

        var shards = stream.Shards;
        Assert.Equal(3, shards.Count);
        Assert.False(shards[0].IsOpen);
        Assert.All(shards.Skip(1), s => Assert.Equal(Shard0, s.ParentShardId));
        Assert.Equal(middle - 1, shards[1].EndingHashKey);
        Assert.Equal(middle, shards[2].StartingHashKey);
        Assert.Equal(2, stream.Definition.ShardCount);

        var end = stream.Read(stream.Seek(Shard0, IteratorStart.TrimHorizon), 100);
        Assert.Equal(["before"], end.Records.Select(Text));
        Assert.Null(end.Next);
        Assert.Equal([shards[1].ShardId, shards[2].ShardId], end.ChildShards.Select(c => c.ShardId));
        Assert.Equal(["after"], ReadAll(stream, after[0].ShardId!).Select(Text));
        Assert.True(Big(shards[0].EndingSequenceNumber!) < Big(after[0].SequenceNumber!));
    }

    [Fact]
    public async Task Merge_makes_one_child_of_two_adjacent_parents()
    {
        var stream = await Streams.CreateAsync(new StreamDefinition { Name = "merge", ShardCount = 3 });
        await Assert.ThrowsAsync<ArgumentException>(() => stream.MergeShardsAsync(Shard0, "shardId-000000000002").AsTask());
        await stream.MergeShardsAsync("shardId-000000000001", Shard0);

        var child = stream.Shards.Single(s => s.ShardId == "shardId-000000000003");
        Assert.Equal("shardId-000000000001", child.ParentShardId);
        Assert.Equal(Shard0, child.AdjacentParentShardId);
        Assert.Equal(UInt128.Zero, child.StartingHashKey);
        Assert.Equal(stream.Shards[1].EndingHashKey, child.EndingHashKey);
        Assert.Equal(2, stream.Definition.ShardCount);
    }

    [Theory]
    [InlineData(1, 2)]
    [InlineData(2, 4)]
    [InlineData(4, 2)]
    [InlineData(3, 5)]
    [InlineData(5, 3)]
    public async Task Update_shard_count_leaves_even_open_shards_with_at_most_two_parents(int from, int to)
    {
        var stream = await Streams.CreateAsync(new StreamDefinition { Name = "scale", ShardCount = from });
        await stream.UpdateShardCountAsync(to);

        var open = stream.Shards.Where(s => s.IsOpen).OrderBy(s => s.StartingHashKey).ToList();
        Assert.Equal(to, open.Count);
        Assert.Equal(to, stream.Definition.ShardCount);
        var expected = await Streams.CreateAsync(new StreamDefinition { Name = "even", ShardCount = to });
        Assert.Equal(expected.Shards.Select(s => (s.StartingHashKey, s.EndingHashKey)), open.Select(s => (s.StartingHashKey, s.EndingHashKey)));
        Assert.All(open, s => Assert.NotNull(s.ParentShardId));
    }

    [Fact]
    public async Task Update_shard_count_outside_half_to_double_is_refused_and_changes_nothing()
    {
        var stream = await Streams.CreateAsync(new StreamDefinition { Name = "bounded", ShardCount = 4 });
        foreach (var target in new[] { 0, 1, 9, 501 })
        {
            var error = await Assert.ThrowsAsync<ArgumentException>(() => stream.UpdateShardCountAsync(target).AsTask());
            Assert.Equal("targetShardCount", error.ParamName);
        }

        Assert.Equal(4, stream.Shards.Count);
        Assert.All(stream.Shards, s => Assert.True(s.IsOpen));
    }

    [Fact]
    public async Task Bad_split_arguments_name_the_parameter_and_change_nothing()
    {
        var stream = await Streams.CreateAsync(new StreamDefinition { Name = "badsplit" });
        Assert.Equal("newStartingHashKey", (await Assert.ThrowsAsync<ArgumentException>(
            () => stream.SplitShardAsync(Shard0, UInt128.Zero).AsTask())).ParamName);
        await Assert.ThrowsAsync<StreamNotFoundException>(() => stream.SplitShardAsync("shardId-000000000007", 5).AsTask());
        await stream.SplitShardAsync(Shard0, 5);
        Assert.Equal("shardId", (await Assert.ThrowsAsync<ArgumentException>(() => stream.SplitShardAsync(Shard0, 7).AsTask())).ParamName);
        Assert.Equal(3, stream.Shards.Count);
    }

    [Fact]
    public async Task Reading_parents_before_children_keeps_every_key_in_order_across_reshards()
    {
        var stream = await Streams.CreateAsync(new StreamDefinition { Name = "lineage", ShardCount = 2 });
        var keys = Enumerable.Range(0, 20).Select(i => $"device-{i}").ToArray();
        var sent = 0;
        async Task PutRound()
        {
            await stream.PutAsync([.. keys.Select(k => Record((sent++).ToString(CultureInfo.InvariantCulture), k))]);
        }

        await PutRound();
        await stream.UpdateShardCountAsync(4);
        await PutRound();
        await stream.MergeShardsAsync(stream.Shards.Where(s => s.IsOpen).ElementAt(0).ShardId, stream.Shards.Where(s => s.IsOpen).ElementAt(1).ShardId);
        await PutRound();
        await stream.UpdateShardCountAsync(2);
        await PutRound();

        // A consumer as Kinesis's clients run one: a shard is read only once all of its parents were read to their end.
        var done = new HashSet<string>();
        var byKey = keys.ToDictionary(k => k, _ => new List<int>());
        var shards = stream.Shards;
        while (done.Count < shards.Count)
        {
            var ready = shards.First(s => !done.Contains(s.ShardId)
                && (s.ParentShardId is null || done.Contains(s.ParentShardId))
                && (s.AdjacentParentShardId is null || done.Contains(s.AdjacentParentShardId)));
            foreach (var record in ReadAll(stream, ready.ShardId))
            {
                byKey[record.PartitionKey].Add(int.Parse(Text(record), CultureInfo.InvariantCulture));
            }

            done.Add(ready.ShardId);
        }

        Assert.All(byKey.Values, values =>
        {
            Assert.Equal(4, values.Count);
            Assert.Equal(values.Order(), values);
        });
    }

    [Fact]
    public async Task Shards_and_lineage_survive_a_restart()
    {
        var stream = await Streams.CreateAsync(new StreamDefinition { Name = "kept" });
        await Put(stream, "k", "a");
        await stream.SplitShardAsync(Shard0, 1000);
        var child = (await Put(stream, "k", "b"))[0].ShardId!;
        var before = stream.Shards;

        await Restart();
        stream = Stream("kept");
        Assert.Equal(before, stream.Shards);
        Assert.Equal(["a"], ReadAll(stream, Shard0).Select(Text));
        Assert.Equal(["b"], ReadAll(stream, child).Select(Text));
        Assert.Null(stream.Read(stream.Seek(Shard0, IteratorStart.Latest), 10).Next);
    }

    private static System.Numerics.BigInteger Big(string value) => System.Numerics.BigInteger.Parse(value, CultureInfo.InvariantCulture);
}
