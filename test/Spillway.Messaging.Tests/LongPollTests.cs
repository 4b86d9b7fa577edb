namespace Spillway.Messaging.Tests;

public sealed class LongPollTests : EngineTestBase
{
    [Fact]
    public async Task Long_poll_returns_as_soon_as_a_message_arrives()
    {
        var queue = await Engine.CreateQueueAsync(new QueueDefinition { Name = "waiting" });
        var poll = queue.ReceiveAsync(new ReceiveOptions { MaxMessages = 10, WaitTime = TimeSpan.FromSeconds(20) }).AsTask();
        Assert.False(poll.IsCompleted);

        // The manual clock never moves: only the arrival can complete the poll.
        await Send(queue, "hello");
        var completed = await Task.WhenAny(poll, Task.Delay(TimeSpan.FromSeconds(10)));
        Assert.Same(poll, completed);
        Assert.Equal(["hello"], (await poll).Select(Text));
    }

    [Fact]
    public async Task Long_poll_returns_empty_when_the_wait_time_passes()
    {
        var queue = await Engine.CreateQueueAsync(new QueueDefinition { Name = "quiet" });
        var poll = queue.ReceiveAsync(new ReceiveOptions { WaitTime = TimeSpan.FromSeconds(20) }).AsTask();
        Clock.Advance(TimeSpan.FromSeconds(19));
        Assert.False(poll.IsCompleted);
        Clock.Advance(TimeSpan.FromSeconds(1));
        var completed = await Task.WhenAny(poll, Task.Delay(TimeSpan.FromSeconds(10)));
        Assert.Same(poll, completed);
        Assert.Empty(await poll);
    }

    [Fact]
    public async Task Long_poll_wakes_when_a_delayed_message_becomes_visible()
    {
        var queue = await Engine.CreateQueueAsync(new QueueDefinition { Name = "delayed" });
        await queue.SendBatchAsync([Message("later", TimeSpan.FromSeconds(5))]);
        var poll = queue.ReceiveAsync(new ReceiveOptions { WaitTime = TimeSpan.FromSeconds(20) }).AsTask();
        Clock.Advance(TimeSpan.FromSeconds(5));
        var completed = await Task.WhenAny(poll, Task.Delay(TimeSpan.FromSeconds(10)));
        Assert.Same(poll, completed);
        Assert.Equal(["later"], (await poll).Select(Text));
    }

    [Fact]
    public async Task Long_poll_can_be_cancelled()
    {
        var queue = await Engine.CreateQueueAsync(new QueueDefinition { Name = "cancelled" });
        using var cancel = new CancellationTokenSource();
        var poll = queue.ReceiveAsync(new ReceiveOptions { WaitTime = TimeSpan.FromSeconds(20) }, cancel.Token).AsTask();
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => poll);
    }
}
