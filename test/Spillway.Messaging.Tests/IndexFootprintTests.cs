using System.Runtime.CompilerServices;
using Spillway.Messaging.Internal;

namespace Spillway.Messaging.Tests;

/// <summary>
/// What a waiting message costs in memory: a 40-byte slot and, while it waits in send order, a share of one run of
/// the visible FIFO. A backlog of a million must fit in the memory budget of a small machine.
/// </summary>
public sealed class IndexFootprintTests : EngineTestBase
{
    [Fact]
    public void A_message_slot_takes_40_bytes() => Assert.Equal(40, Unsafe.SizeOf<MessageSlot>());

    [Theory]
    [InlineData(0L)]
    [InlineData(1L)]
    [InlineData(1_767_225_600_123L)] // 2026
    [InlineData(-86_400_000L)] // before 1970: a test clock may start anywhere
    [InlineData((1L << 47) - 1)]
    [InlineData(-(1L << 47))]
    public void A_slot_keeps_its_times_to_the_millisecond(long ms)
    {
        var slot = new MessageSlot
        {
            SentAtMs = ms, DueAtMs = ~ms, FirstReceiveMs = ms / 2, State = SlotState.Visible, Flags = SlotFlags.Relocated,
        };

        Assert.Equal((ms, ~ms, ms / 2), (slot.SentAtMs, slot.DueAtMs, slot.FirstReceiveMs));
        Assert.Equal((SlotState.Visible, SlotFlags.Relocated), (slot.State, slot.Flags));
    }

    [Fact]
    public void A_time_beyond_the_slots_range_is_refused_rather_than_stored_wrong()
    {
        var slot = default(MessageSlot);

        Assert.Throws<OverflowException>(() => slot.DueAtMs = long.MaxValue);
    }

    [Fact]
    public void Sequence_numbers_come_out_in_the_order_they_went_in_and_consecutive_ones_share_a_run()
    {
        var fifo = new SeqRuns();
        long[] order = [1, 2, 3, 4, 9, 2, 10, 11, 5];
        foreach (var seq in order)
        {
            fifo.Enqueue(seq);
        }

        Assert.Equal(order.Length, fifo.Count);
        Assert.Equal(5, fifo.Runs); // 1-4, 9, 2, 10-11, 5
        var taken = new List<long>();
        while (fifo.Count > 0)
        {
            taken.Add(fifo.Dequeue());
        }

        Assert.Equal(order, taken);
        Assert.Equal(0, fifo.Runs);
    }

    [Fact]
    public async Task A_backlog_sent_in_order_waits_as_one_run_before_and_after_a_restart()
    {
        var queue = await Engine.CreateQueueAsync(new QueueDefinition { Name = "backlog" });
        for (var batch = 0; batch < 20; batch++)
        {
            await Send(queue, [.. Enumerable.Range(0, 100).Select(i => $"m{(batch * 100) + i}")]);
        }

        Assert.Equal(1, queue.VisibleRuns);
        await CrashAndRestart();
        queue = Queue("backlog");
        Assert.Equal(1, queue.VisibleRuns);
        Assert.Equal(0, queue.ExpiryTrackedCount); // sent in order: retention walks them from the head

        var received = await Receive(queue, max: 1000);
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => $"m{i}"), received.Select(Text));
    }

    [Fact]
    public async Task A_message_received_again_is_not_made_visible_by_the_timer_of_its_earlier_receive()
    {
        var queue = await Engine.CreateQueueAsync(new QueueDefinition { Name = "timers", VisibilityTimeout = TimeSpan.FromSeconds(30) });
        await Send(queue, "x");
        var first = Assert.Single(await Receive(queue));
        Assert.True(queue.ChangeVisibility(first.ReceiptHandle, TimeSpan.Zero));
        Clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Single(await Receive(queue, visibility: TimeSpan.FromSeconds(60)));

        Clock.Advance(TimeSpan.FromSeconds(25)); // the first receive's 30 s are over; the second's 60 s are not
        Assert.Empty(await Receive(queue));
        Assert.Equal(new QueueCounts(0, 1, 0, Clock.GetUtcNow().AddSeconds(-35)), queue.GetCounts());

        Clock.Advance(TimeSpan.FromSeconds(35));
        Assert.Equal(3, Assert.Single(await Receive(queue)).ReceiveCount);
    }

    [Fact]
    public async Task A_message_received_twice_in_the_same_millisecond_comes_back_once()
    {
        var queue = await Engine.CreateQueueAsync(new QueueDefinition { Name = "same-ms", VisibilityTimeout = TimeSpan.FromSeconds(30) });
        await Send(queue, "x");
        var first = Assert.Single(await Receive(queue));
        Assert.True(queue.ChangeVisibility(first.ReceiptHandle, TimeSpan.Zero));
        Assert.Single(await Receive(queue)); // same clock reading: its timer is due at the same instant as the first

        Clock.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(1, queue.GetCounts().Visible);
        Assert.Single(await Receive(queue, max: 10));
        Assert.Empty(await Receive(queue, max: 10));
    }
}
