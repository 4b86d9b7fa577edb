using Spillway.Messaging.Streams;

namespace Spillway.Messaging.Tests.Streams;

public sealed class StreamRetentionTests : StreamTestBase
{
    private const string Shard0 = "shardId-000000000000";

    protected override long SegmentSize => 64 * 1024;

    [Fact]
    public async Task Records_past_retention_are_gone_and_a_trimmed_position_reads_from_the_oldest_kept()
    {
        var stream = await Streams.CreateAsync(new StreamDefinition { Name = "trim" });
        await Put(stream, "k", "old-1", "old-2");
        var stale = stream.Seek(Shard0, IteratorStart.TrimHorizon);
        Clock.Advance(TimeSpan.FromHours(20));
        await Put(stream, "k", "young");
        Clock.Advance(TimeSpan.FromHours(5));

        Assert.Equal(["young"], stream.Read(stale, 10).Records.Select(Text));
        Assert.Equal(["young"], ReadAll(stream, Shard0).Select(Text));
        Assert.Equal(1, stream.RecordsKept);

        await Restart();
        Assert.Equal(["young"], ReadAll(Stream("trim"), Shard0).Select(Text));
    }

    [Fact]
    public async Task Expired_segments_are_deleted_whole_on_the_clock()
    {
        var stream = await Streams.CreateAsync(new StreamDefinition { Name = "reclaim" });
        var payload = new string('x', 1000);
        for (var i = 0; i < 30; i++)
        {
            await stream.PutAsync([.. Enumerable.Range(0, 10).Select(_ => Record(payload, "k"))]);
        }

        var segments = stream.Log.SegmentCount;
        Assert.True(segments > 3);
        Clock.Advance(TimeSpan.FromHours(23));
        await Put(stream, "k", "kept");
        Clock.Advance(TimeSpan.FromHours(2));

        await WaitFor(() => stream.Log.SegmentCount == 1, "expired segments were not deleted");
        Assert.Equal(["kept"], ReadAll(stream, Shard0).Select(Text));
    }

    [Fact]
    public async Task Longer_retention_keeps_records_the_default_would_drop()
    {
        var stream = await Streams.CreateAsync(new StreamDefinition { Name = "longer" });
        await Put(stream, "k", "a");
        await stream.SetRetentionAsync(TimeSpan.FromDays(7));
        Clock.Advance(TimeSpan.FromDays(3));
        Assert.Equal(["a"], ReadAll(stream, Shard0).Select(Text));
        Clock.Advance(TimeSpan.FromDays(5));
        Assert.Empty(ReadAll(stream, Shard0));
    }

    [Fact]
    public async Task Closed_shard_is_listed_until_its_records_expire()
    {
        var stream = await Streams.CreateAsync(new StreamDefinition { Name = "closed" });
        await Put(stream, "k", "a");
        await stream.SplitShardAsync(Shard0, 10);
        Assert.Equal(3, stream.Shards.Count);
        Clock.Advance(TimeSpan.FromHours(25));
        Assert.Equal(["shardId-000000000001", "shardId-000000000002"], stream.Shards.Select(s => s.ShardId));
    }
}
