namespace Spillway.Messaging.Internal;

/// <summary>
/// One message move task: a loop that redrives its dead-letter queue in chunks (each chunk durable in its destination
/// before it leaves the source), at most <see cref="MessageMoveTaskStatus.MaxNumberOfMessagesPerSecond"/> per second of
/// the engine's clock. State changes wake <see cref="Changed"/> waiters and are persisted by the engine.
/// </summary>
internal sealed class MoveTask
{
    private const int UnlimitedChunk = 1000;

    private readonly Lock gate = new();
    private readonly CancellationTokenSource stop = new();
    private MessageMoveTaskStatus status;
    private TaskCompletionSource changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool shutdown;

    public MoveTask(MessageMoveTaskStatus status)
    {
        this.status = status;
        Completion = Task.CompletedTask;
    }

    public MessageMoveTaskStatus Status
    {
        get
        {
            lock (gate)
            {
                return status;
            }
        }
    }

    public bool IsActive => Status.Status is MessageMoveTaskState.Running or MessageMoveTaskState.Cancelling;

    /// <summary>Completes at the next change of state or progress (for waiting on a task without polling).</summary>
    public Task Changed
    {
        get
        {
            lock (gate)
            {
                return changed.Task;
            }
        }
    }

    /// <summary>The running loop; completed once the task has stopped.</summary>
    public Task Completion { get; private set; }

    public void Start(MessageQueue source, TimeProvider time, Action<MoveTask> persist) =>
        Completion = Task.Run(() => RunAsync(source, time, persist));

    /// <summary>
    /// Asks the loop to stop after the chunk it is moving; the task ends CANCELLED. False when it is no longer running
    /// (checked and changed under the same lock as the loop's final state, so a task that just completed stays so).
    /// </summary>
    public bool TryCancel()
    {
        TaskCompletionSource wake;
        lock (gate)
        {
            if (status.Status != MessageMoveTaskState.Running)
            {
                return false;
            }

            status = status with { Status = MessageMoveTaskState.Cancelling };
            wake = changed;
            changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        wake.TrySetResult();
        stop.Cancel();
        return true;
    }

    /// <summary>Stops the loop without recording an end: the engine is closing, and the next open reports it FAILED.</summary>
    public void Abandon()
    {
        lock (gate)
        {
            shutdown = true;
        }

        stop.Cancel();
    }

    private async Task RunAsync(MessageQueue source, TimeProvider time, Action<MoveTask> persist)
    {
        var start = Status;
        var rate = start.MaxNumberOfMessagesPerSecond;
        var nextWindow = time.GetUtcNow();
        string? failure = null;
        try
        {
            var moved = 0L;
            while (moved < start.ApproximateNumberOfMessagesToMove)
            {
                if (rate is not null)
                {
                    // At most `rate` messages per second of the engine's clock: one chunk of `rate` per window.
                    var wait = nextWindow - time.GetUtcNow();
                    if (wait > TimeSpan.Zero)
                    {
                        await Task.Delay(wait, time, stop.Token).ConfigureAwait(false);
                    }

                    var now = time.GetUtcNow();
                    nextWindow = (nextWindow > now ? nextWindow : now) + TimeSpan.FromSeconds(1);
                }

                stop.Token.ThrowIfCancellationRequested();
                var want = (int)Math.Min(start.ApproximateNumberOfMessagesToMove - moved, rate ?? UnlimitedChunk);
                var chunk = await source.RedriveChunkAsync(start.DestinationQueue, want).ConfigureAwait(false);
                moved += chunk.Moved;
                Update(s => s with { ApproximateNumberOfMessagesMoved = moved });
                if (chunk.Moved > 0)
                {
                    persist(this); // so the figure survives a restart
                }
                failure = chunk.Failure;
                if (failure is not null || chunk.Taken == 0)
                {
                    break; // nothing visible is left (the rest was received or deleted meanwhile), or a message cannot move
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            failure = ex.Message;
        }

        lock (gate)
        {
            if (shutdown)
            {
                return;
            }
        }

        Update(s => s with
        {
            Status = s.Status == MessageMoveTaskState.Cancelling ? MessageMoveTaskState.Cancelled
                : failure is not null ? MessageMoveTaskState.Failed
                : MessageMoveTaskState.Completed,
            FailureReason = s.Status == MessageMoveTaskState.Cancelling ? null : failure,
        });
        persist(this);
    }

    private void Update(Func<MessageMoveTaskStatus, MessageMoveTaskStatus> change)
    {
        TaskCompletionSource wake;
        lock (gate)
        {
            status = change(status);
            wake = changed;
            changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        wake.TrySetResult();
    }
}
