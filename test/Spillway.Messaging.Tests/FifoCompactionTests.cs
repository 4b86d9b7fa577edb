namespace Spillway.Messaging.Tests;

/// <summary>Compaction of a FIFO queue: group order, held groups and the deduplication window survive it.</summary>
public sealed class FifoCompactionTests : FifoTestBase
{
    protected override long SegmentSize => 64 * 1024;

    protected override long BodyCacheBytes => 0;

    [Fact]
    public async Task A_held_group_keeps_its_order_and_recent_deduplication_ids_still_count_after_compaction()
    {
        var queue = await CreateFifo();
        await SendFifo(queue, "held", "a1", "a2");
        Assert.Equal("a1", Text(Assert.Single(await Receive(queue, max: 1, visibility: TimeSpan.FromHours(12)))));

        var body = new string('b', 1000);
        for (var round = 0; round < 20; round++)
        {
            await queue.SendBatchAsync([.. Enumerable.Range(0, 10).Select(i => Fifo($"b{round}-{i}-{body}", "busy", $"b{round}-{i}"))]);
            var received = await Receive(queue, max: 10, visibility: TimeSpan.FromMinutes(1));
            Assert.Equal(10, received.Count);
            await DeleteAll(queue, received);
        }

        // Within the 5-minute window every send record backs a deduplication id, so nothing could go yet.
        Assert.True(SegmentBytes("orders.fifo") > 3 * 64 * 1024, $"{SegmentBytes("orders.fifo")} bytes");

        // Past the 5-minute window the old send records no longer back any deduplication id; one recent id does.
        Clock.Advance(TimeSpan.FromMinutes(6));
        await queue.SendBatchAsync([Fifo("recent", "busy", "recent-id")]);
        await DeleteAll(queue, await Receive(queue, max: 10, visibility: TimeSpan.FromMinutes(1)));
        await queue.CompactNowAsync();
        await WaitFor(() => SegmentBytes("orders.fifo") <= 2 * 64 * 1024, $"compaction left {SegmentBytes("orders.fifo")} bytes");

        Assert.Equal(new QueueCounts(1, 1, 0, Clock.GetUtcNow().AddMinutes(-6)), queue.GetCounts());
        Assert.Empty(await Receive(queue)); // the group is held while a1 is in flight
        await CrashAndRestart();
        var restarted = Queue("orders.fifo");
        Assert.True((await restarted.SendBatchAsync([Fifo("recent again", "busy", "recent-id")])).Replayed);
        Assert.Equal(new QueueCounts(2, 0, 0, Clock.GetUtcNow().AddMinutes(-6)), restarted.GetCounts());
        Assert.Equal(["a1", "a2"], await ReceiveTexts(restarted));
    }
}
