using Spillway.Sinks.Internal;
using Spillway.TestKit;

namespace Spillway.Sinks.Tests;

public sealed class ConnectionCapTests
{
    [Fact]
    public async Task A_waiting_borrower_gets_the_slot_a_lease_gives_back()
    {
        using var cap = new ConnectionCap(1, TimeSpan.FromSeconds(5), new ManualTimeProvider());
        var first = await cap.BorrowAsync("s", CancellationToken.None);

        var waiting = cap.BorrowAsync("s", CancellationToken.None).AsTask();
        Assert.False(waiting.IsCompleted);
        first.Dispose();
        using var second = await waiting;

        Assert.Equal(new SinkPoolStatistics(1, 1, 1, 1), cap.Statistics);
    }

    [Fact]
    public async Task Borrowing_past_the_timeout_throws_SinkUnavailable_and_leaks_no_slot()
    {
        var clock = new ManualTimeProvider();
        using var cap = new ConnectionCap(2, TimeSpan.FromSeconds(30), clock);
        var a = await cap.BorrowAsync("s", CancellationToken.None);
        using var b = await cap.BorrowAsync("s", CancellationToken.None);

        var late = cap.BorrowAsync("orders", CancellationToken.None).AsTask();
        clock.Advance(TimeSpan.FromSeconds(29));
        Assert.False(late.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(1));

        var error = await Assert.ThrowsAsync<SinkUnavailableException>(() => late);
        Assert.Contains("'orders'", error.Message, StringComparison.Ordinal);
        a.Dispose();
        using var c = await cap.BorrowAsync("s", CancellationToken.None); // the timed-out wait did not keep a slot
        Assert.Equal(new SinkPoolStatistics(2, 2, 2, 1), cap.Statistics);
    }

    [Fact]
    public async Task A_cancelled_borrow_is_a_cancellation_not_an_outage()
    {
        using var cap = new ConnectionCap(1, TimeSpan.FromSeconds(30), new ManualTimeProvider());
        using var held = await cap.BorrowAsync("s", CancellationToken.None);
        using var cancel = new CancellationTokenSource();

        var waiting = cap.BorrowAsync("s", cancel.Token).AsTask();
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
    }
}
