using Spillway.Messaging.Internal;

namespace Spillway.Messaging;

public sealed partial class QueueEngine
{
    private const int MaxMoveTasksKept = 10;
    private const int MaxMoveRate = 500;

    private readonly Lock moveGate = new();

    // Per source queue, its recent move tasks, newest first.
    private readonly Dictionary<string, List<MoveTask>> moveTasks = new(StringComparer.Ordinal);

    /// <summary>
    /// Starts moving the messages of a dead-letter queue, as SQS's StartMessageMoveTask: to
    /// <paramref name="destinationQueue"/>, or (when null) each back to the queue it was dead-lettered from, at most
    /// <paramref name="maxNumberOfMessagesPerSecond"/> (1–500) per second, or as fast as it can when null. The task moves
    /// the messages visible when it starts; each is durable in its destination before it leaves the source. One task
    /// at a time per source queue. The task is recorded durably before this returns its handle; a task that a stop
    /// or crash interrupts is reported FAILED after the next open (start a new one for what is left).
    /// </summary>
    public ValueTask<string> StartMessageMoveTaskAsync(
        string sourceQueue,
        string? destinationQueue = null,
        int? maxNumberOfMessagesPerSecond = null,
        CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var source = RequireQueue(sourceQueue);
        if (ListDeadLetterSourceQueues(sourceQueue).Count == 0)
        {
            throw new ArgumentException(
                $"Queue '{sourceQueue}' is not a dead-letter queue: no queue's redrive policy names it.", nameof(sourceQueue));
        }

        if (destinationQueue is not null)
        {
            if (destinationQueue == sourceQueue || !TryGetQueue(destinationQueue, out var destination))
            {
                throw new ArgumentException(
                    $"The destination '{destinationQueue}' must be an existing queue other than the source.", nameof(destinationQueue));
            }

            EnsureSameKind(source, destination);
        }

        if (maxNumberOfMessagesPerSecond is < 1 or > MaxMoveRate)
        {
            throw new ArgumentOutOfRangeException(
                nameof(maxNumberOfMessagesPerSecond), maxNumberOfMessagesPerSecond, $"MaxNumberOfMessagesPerSecond must be 1-{MaxMoveRate}.");
        }

        MoveTask task;
        lock (moveGate)
        {
            lock (gate)
            {
                ObjectDisposedException.ThrowIf(disposed, this);
            }

            if (!moveTasks.TryGetValue(sourceQueue, out var tasks))
            {
                moveTasks[sourceQueue] = tasks = [];
            }

            if (tasks.Any(t => t.IsActive))
            {
                throw new InvalidOperationException($"Queue '{sourceQueue}' already has a running message move task.");
            }

            task = new MoveTask(new MessageMoveTaskStatus
            {
                TaskHandle = Guid.NewGuid().ToString("N"),
                Status = MessageMoveTaskState.Running,
                SourceQueue = sourceQueue,
                DestinationQueue = destinationQueue,
                MaxNumberOfMessagesPerSecond = maxNumberOfMessagesPerSecond,
                ApproximateNumberOfMessagesToMove = source.GetCounts().Visible,
                StartedTimestamp = Time.GetUtcNow(),
            });
            tasks.Insert(0, task);
            if (tasks.Count > MaxMoveTasksKept)
            {
                tasks.RemoveRange(MaxMoveTasksKept, tasks.Count - MaxMoveTasksKept);
            }

            MoveTaskStore.Write(Device, source.Directory, tasks.Select(t => t.Status));
        }

        task.Start(source, Time, PersistMoveTasks);
        return ValueTask.FromResult(task.Status.TaskHandle);
    }

    /// <summary>The most recent move tasks of a source queue, newest first, as SQS's ListMessageMoveTasks (1–10; defaults to 1).</summary>
    public IReadOnlyList<MessageMoveTaskStatus> ListMessageMoveTasks(string sourceQueue, int maxResults = 1)
    {
        RequireQueue(sourceQueue);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxResults, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxResults, MaxMoveTasksKept);
        lock (moveGate)
        {
            return moveTasks.TryGetValue(sourceQueue, out var tasks) ? [.. tasks.Take(maxResults).Select(t => t.Status)] : [];
        }
    }

    /// <summary>
    /// Cancels a running move task, as SQS's CancelMessageMoveTask: it stops after the chunk it is moving (messages
    /// already moved stay moved) and ends CANCELLED. Returns how many messages it moved.
    /// </summary>
    public async ValueTask<long> CancelMessageMoveTaskAsync(string taskHandle, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(taskHandle);
        var task = FindMoveTask(taskHandle) ?? throw new ArgumentException($"No message move task has handle '{taskHandle}'.", nameof(taskHandle));
        if (!task.TryCancel())
        {
            throw new InvalidOperationException($"Only a running task can be cancelled; this one is {task.Status.Status}.");
        }

        PersistMoveTasks(task);
        await task.Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
        return task.Status.ApproximateNumberOfMessagesMoved;
    }

    internal MoveTask? FindMoveTask(string taskHandle)
    {
        lock (moveGate)
        {
            return moveTasks.Values.SelectMany(t => t).FirstOrDefault(t => t.Status.TaskHandle == taskHandle);
        }
    }

    private void LoadMoveTasks(string queueName, string directory)
    {
        var tasks = MoveTaskStore.Read(Device, directory);
        if (tasks.Count > 0)
        {
            moveTasks[queueName] = [.. tasks.Select(t => new MoveTask(t))];
        }
    }

    /// <summary>
    /// Records a task's progress or end. A failure to write only leaves the recorded status behind (the next open then
    /// reports the task FAILED); the messages themselves are safe either way.
    /// </summary>
    private void PersistMoveTasks(MoveTask task)
    {
        lock (moveGate)
        {
            var source = task.Status.SourceQueue;
            if (moveTasks.TryGetValue(source, out var tasks) && TryGetQueue(source, out var queue))
            {
                try
                {
                    MoveTaskStore.Write(Device, queue.Directory, tasks.Select(t => t.Status));
                }
                catch (IOException)
                {
                }
            }
        }
    }

    /// <summary>Stops every running task without waiting, as a crash would.</summary>
    private void AbandonMoveTasks()
    {
        lock (moveGate)
        {
            foreach (var task in moveTasks.Values.SelectMany(t => t))
            {
                task.Abandon();
            }
        }
    }

    /// <summary>Stops the running tasks of one queue (or of all when null) without recording an end, and waits for them.</summary>
    private async ValueTask StopMoveTasksAsync(string? queueName)
    {
        List<MoveTask> stopping;
        lock (moveGate)
        {
            stopping = [.. moveTasks.Where(p => queueName is null || p.Key == queueName).SelectMany(p => p.Value).Where(t => t.IsActive)];
            foreach (var task in stopping)
            {
                task.Abandon();
            }

            if (queueName is not null)
            {
                moveTasks.Remove(queueName);
            }
        }

        foreach (var task in stopping)
        {
            await task.Completion.ConfigureAwait(false);
        }
    }
}
