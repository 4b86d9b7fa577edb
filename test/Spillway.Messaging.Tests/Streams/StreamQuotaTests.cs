using Spillway.Messaging.Streams;

namespace Spillway.Messaging.Tests.Streams;

public sealed class StreamQuotaTests : StreamTestBase
{
    private const string Shard0 = "shardId-000000000000";

    [Fact]
    public async Task Without_quotas_a_shard_takes_any_rate()
    {
        var stream = await Streams.CreateAsync(new StreamDefinition { Name = "free" });
        for (var i = 0; i < 3; i++)
        {
            var outcomes = await stream.PutAsync([.. Enumerable.Range(0, 500).Select(_ => Record("x", "k"))]);
            Assert.DoesNotContain(outcomes, o => o.Throttled);
        }

        for (var i = 0; i < 10; i++)
        {
            stream.Read(stream.Seek(Shard0, IteratorStart.TrimHorizon), 1);
        }
    }

    [Fact]
    public async Task Writes_over_a_thousand_records_a_second_are_throttled_until_the_clock_refills_the_quota()
    {
        var stream = await Streams.CreateAsync(new StreamDefinition { Name = "writes", ShardCount = 2, EnforceShardQuotas = true });
        await stream.PutAsync([.. Enumerable.Range(0, 500).Select(_ => Record("x", "k"))]);
        var outcomes = await stream.PutAsync([.. Enumerable.Range(0, 500).Select(i => Record("x", i % 2 == 0 ? "k" : "other", i % 2 == 0 ? null : UInt128.MaxValue))]);
        var second = await stream.PutAsync([.. Enumerable.Range(0, 10).Select(_ => Record("x", "k"))]);

        Assert.DoesNotContain(outcomes, o => o.Throttled);
        Assert.All(second, o => Assert.True(o.Throttled));
        Assert.All(second, o => Assert.Null(o.SequenceNumber));
        Assert.Equal(1000, stream.RecordsKept);

        Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.DoesNotContain(await stream.PutAsync([Record("x", "k")]), o => o.Throttled);
    }

    [Fact]
    public async Task Throttled_records_are_left_out_while_the_rest_of_the_batch_is_stored_in_order()
    {
        var stream = await Streams.CreateAsync(new StreamDefinition { Name = "partial", ShardCount = 2, EnforceShardQuotas = true });
        var busy = stream.ShardFor("busy", null).ShardId;
        await stream.PutAsync([.. Enumerable.Range(0, 500).Select(_ => Record("fill", "busy"))]);
        await stream.PutAsync([.. Enumerable.Range(0, 500).Select(_ => Record("fill", "busy"))]);
        var other = stream.Shards.First(s => s.ShardId != busy).StartingHashKey;

        var outcomes = await stream.PutAsync([Record("1", "o", other), Record("no", "busy"), Record("2", "o", other)]);
        Assert.Equal([false, true, false], outcomes.Select(o => o.Throttled));
        Assert.Equal(["1", "2"], ReadAll(stream, outcomes[0].ShardId!).Select(Text));
    }

    [Fact]
    public async Task Sixth_read_in_a_second_is_refused()
    {
        var stream = await Streams.CreateAsync(new StreamDefinition { Name = "reads", EnforceShardQuotas = true });
        await Put(stream, "k", "x");
        var start = stream.Seek(Shard0, IteratorStart.TrimHorizon);
        for (var i = 0; i < 5; i++)
        {
            stream.Read(start, 1);
        }

        var error = Assert.Throws<StreamThroughputExceededException>(() => stream.Read(start, 1));
        Assert.True(error.RetryAfter > TimeSpan.Zero);
        Clock.Advance(TimeSpan.FromMilliseconds(200));
        Assert.Single(stream.Read(start, 1).Records);
    }
}
