using Spillway.Messaging.Internal;

namespace Spillway.Messaging.Tests;

public sealed class MoveTaskTests : EngineTestBase
{
    /// <summary>Creates orders → orders-dlq and dead-letters <paramref name="count"/> messages.</summary>
    private async Task<(MessageQueue Source, MessageQueue DeadLetters)> DeadLetter(int count)
    {
        var deadLetters = await Engine.CreateQueueAsync(new QueueDefinition { Name = "orders-dlq" });
        var source = await Engine.CreateQueueAsync(new QueueDefinition
        {
            Name = "orders",
            VisibilityTimeout = TimeSpan.FromSeconds(10),
            RedrivePolicy = new RedrivePolicy("orders-dlq", 1),
        });
        await source.SendBatchAsync([.. Enumerable.Range(0, count).Select(i => Message($"m{i}"))]);
        Assert.Equal(count, (await Receive(source, 1000)).Count);
        Clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Empty(await Receive(source, 1000));
        Assert.Equal(count, deadLetters.GetCounts().Visible);
        return (source, deadLetters);
    }

    /// <summary>Waits, on the task's own change signal, until its status satisfies <paramref name="done"/>.</summary>
    private async Task<MessageMoveTaskStatus> WaitFor(string handle, Func<MessageMoveTaskStatus, bool> done)
    {
        var task = Engine.FindMoveTask(handle)!;
        while (true)
        {
            var changed = task.Changed;
            var status = task.Status;
            if (done(status))
            {
                return status;
            }

            await changed.WaitAsync(TimeSpan.FromSeconds(30));
        }
    }

    private Task<MessageMoveTaskStatus> WaitForEnd(string handle) =>
        WaitFor(handle, s => s.Status is not (MessageMoveTaskState.Running or MessageMoveTaskState.Cancelling));

    [Fact]
    public async Task Move_task_moves_dead_letters_back_to_their_source_queue_durably()
    {
        var (source, deadLetters) = await DeadLetter(25);

        var handle = await Engine.StartMessageMoveTaskAsync("orders-dlq");
        var end = await WaitForEnd(handle);

        Assert.Equal(MessageMoveTaskState.Completed, end.Status);
        Assert.Equal(25, end.ApproximateNumberOfMessagesMoved);
        Assert.Equal(25, end.ApproximateNumberOfMessagesToMove);
        Assert.Equal(0, deadLetters.GetCounts().Visible);
        Assert.Equal(25, source.GetCounts().Visible);

        await CrashAndRestart();
        Assert.Empty(Queue("orders-dlq").Peek(100));
        Assert.Equal(25, Queue("orders").Peek(100).Count);
        var listed = Assert.Single(Engine.ListMessageMoveTasks("orders-dlq"));
        Assert.Equal((MessageMoveTaskState.Completed, 25L), (listed.Status, listed.ApproximateNumberOfMessagesMoved));
    }

    [Fact]
    public async Task Move_task_moves_dead_letters_to_a_given_destination()
    {
        var (source, deadLetters) = await DeadLetter(12);
        var replay = await Engine.CreateQueueAsync(new QueueDefinition { Name = "replay" });

        var end = await WaitForEnd(await Engine.StartMessageMoveTaskAsync("orders-dlq", "replay"));

        Assert.Equal((MessageMoveTaskState.Completed, 12L, "replay"), (end.Status, end.ApproximateNumberOfMessagesMoved, end.DestinationQueue));
        Assert.Equal(12, replay.GetCounts().Visible);
        Assert.Equal(0, source.GetCounts().Visible);
        Assert.Equal(0, deadLetters.GetCounts().Visible);
        Assert.All(await Receive(replay, 100), m => Assert.Equal(1, m.ReceiveCount));
    }

    [Fact]
    public async Task Move_task_keeps_to_its_rate_on_the_engine_clock_and_lists_its_progress()
    {
        var (source, deadLetters) = await DeadLetter(25);

        var handle = await Engine.StartMessageMoveTaskAsync("orders-dlq", maxNumberOfMessagesPerSecond: 10);

        // The first second's ten move at once; the rest wait for the clock.
        await WaitFor(handle, s => s.ApproximateNumberOfMessagesMoved >= 10);
        var listed = Assert.Single(Engine.ListMessageMoveTasks("orders-dlq"));
        Assert.Equal((MessageMoveTaskState.Running, 10L, 25L, 10), (
            listed.Status, listed.ApproximateNumberOfMessagesMoved, listed.ApproximateNumberOfMessagesToMove,
            listed.MaxNumberOfMessagesPerSecond));
        Assert.Equal(15, deadLetters.GetCounts().Visible);

        Clock.Advance(TimeSpan.FromSeconds(1));
        await WaitFor(handle, s => s.ApproximateNumberOfMessagesMoved >= 20);
        Assert.Equal(20, Engine.ListMessageMoveTasks("orders-dlq")[0].ApproximateNumberOfMessagesMoved);

        Clock.Advance(TimeSpan.FromSeconds(1));
        var end = await WaitForEnd(handle);
        Assert.Equal((MessageMoveTaskState.Completed, 25L), (end.Status, end.ApproximateNumberOfMessagesMoved));
        Assert.Equal(25, source.GetCounts().Visible);
    }

    [Fact]
    public async Task Cancel_stops_a_task_and_a_source_has_one_active_task_at_a_time()
    {
        var (_, deadLetters) = await DeadLetter(25);
        var handle = await Engine.StartMessageMoveTaskAsync("orders-dlq", maxNumberOfMessagesPerSecond: 10);
        await WaitFor(handle, s => s.ApproximateNumberOfMessagesMoved >= 10);

        await Assert.ThrowsAsync<InvalidOperationException>(async () => await Engine.StartMessageMoveTaskAsync("orders-dlq"));

        Assert.Equal(10, await Engine.CancelMessageMoveTaskAsync(handle));
        Clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(15, deadLetters.GetCounts().Visible);
        var cancelled = Engine.ListMessageMoveTasks("orders-dlq")[0];
        Assert.Equal((MessageMoveTaskState.Cancelled, 10L), (cancelled.Status, cancelled.ApproximateNumberOfMessagesMoved));
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await Engine.CancelMessageMoveTaskAsync(handle));

        // Once it stopped, a new task may start; the list shows the newest first.
        var second = await Engine.StartMessageMoveTaskAsync("orders-dlq");
        Assert.Equal(15, (await WaitForEnd(second)).ApproximateNumberOfMessagesMoved);
        Assert.Equal([second, handle], Engine.ListMessageMoveTasks("orders-dlq", 10).Select(t => t.TaskHandle));
        Assert.Equal(0, deadLetters.GetCounts().Visible);
    }

    [Fact]
    public async Task A_task_interrupted_by_a_crash_is_reported_failed_after_reopen()
    {
        await DeadLetter(25);
        var handle = await Engine.StartMessageMoveTaskAsync("orders-dlq", maxNumberOfMessagesPerSecond: 10);
        await WaitFor(handle, s => s.ApproximateNumberOfMessagesMoved >= 10);

        await CrashAndRestart();

        var failed = Assert.Single(Engine.ListMessageMoveTasks("orders-dlq"));
        Assert.Equal((handle, MessageMoveTaskState.Failed, 10L), (failed.TaskHandle, failed.Status, failed.ApproximateNumberOfMessagesMoved));
        Assert.Equal(MoveTaskStore.InterruptedReason, failed.FailureReason);
        Assert.Equal(15, Queue("orders-dlq").GetCounts().Visible);
        Assert.Equal(10, Queue("orders").GetCounts().Visible);

        // What is left moves with a new task.
        var end = await WaitForEnd(await Engine.StartMessageMoveTaskAsync("orders-dlq"));
        Assert.Equal((MessageMoveTaskState.Completed, 15L), (end.Status, end.ApproximateNumberOfMessagesMoved));
        Assert.Equal(25, Queue("orders").GetCounts().Visible);
    }

    [Fact]
    public async Task A_message_whose_source_queue_is_gone_fails_the_task_and_stays_in_the_dead_letter_queue()
    {
        await DeadLetter(3);
        Assert.True(await Engine.DeleteQueueAsync("orders"));
        await Engine.CreateQueueAsync(new QueueDefinition { Name = "other", RedrivePolicy = new RedrivePolicy("orders-dlq", 3) });

        var end = await WaitForEnd(await Engine.StartMessageMoveTaskAsync("orders-dlq"));

        Assert.Equal(MessageMoveTaskState.Failed, end.Status);
        Assert.Contains("'orders' does not exist", end.FailureReason, StringComparison.Ordinal);
        Assert.Equal(3, Queue("orders-dlq").GetCounts().Visible);
    }

    [Fact]
    public async Task Bad_move_task_requests_are_refused()
    {
        await DeadLetter(1);
        await Assert.ThrowsAsync<ArgumentException>(async () => await Engine.StartMessageMoveTaskAsync("orders")); // not a DLQ
        await Assert.ThrowsAsync<ArgumentException>(async () => await Engine.StartMessageMoveTaskAsync("missing"));
        await Assert.ThrowsAsync<ArgumentException>(async () => await Engine.StartMessageMoveTaskAsync("orders-dlq", "missing"));
        await Assert.ThrowsAsync<ArgumentException>(async () => await Engine.StartMessageMoveTaskAsync("orders-dlq", "orders-dlq"));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(
            async () => await Engine.StartMessageMoveTaskAsync("orders-dlq", maxNumberOfMessagesPerSecond: 0));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(
            async () => await Engine.StartMessageMoveTaskAsync("orders-dlq", maxNumberOfMessagesPerSecond: 501));
        await Assert.ThrowsAsync<ArgumentException>(async () => await Engine.CancelMessageMoveTaskAsync("nope"));
        Assert.Empty(Engine.ListMessageMoveTasks("orders-dlq"));
        Assert.Equal(1, Queue("orders-dlq").GetCounts().Visible);
    }
}
