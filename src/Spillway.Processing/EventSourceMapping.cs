using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Spillway.Messaging;
using Spillway.Processing.Internal;
using Spillway.Transport;

namespace Spillway.Processing;

/// <summary>
/// Feeds one queue to one handler, as a Lambda event-source mapping does for SQS: long-polls the queue, gathers batches
/// of up to <see cref="EventSourceMappingOptions.BatchSize"/> within the batching window (more, up to
/// <see cref="EventSourceMappingOptions.CoalescedBatchSize"/>, when that many are waiting), runs at most
/// <see cref="EventSourceMappingOptions.MaximumConcurrency"/> handler invocations at once, deletes the messages that
/// succeeded and leaves failed ones to reappear after their visibility timeout (the queue's redrive policy then
/// dead-letters them after maxReceiveCount).
/// </summary>
/// <remarks>
/// A database outage is not the data's fault, so it must not use up receive counts: when a handler fails with
/// <see cref="DownstreamUnavailableException"/>, the mapping keeps the batch, extends its visibility, retries it with
/// capped exponential backoff and receives nothing more until the downstream answers again.
/// </remarks>
public sealed partial class EventSourceMapping : IHostedService, IAsyncDisposable
{
    private readonly IQueueReceiver queue;
    private readonly IMessageHandler handler;
    private readonly ILogger logger;
    private readonly TimeProvider time;
    private readonly SemaphoreSlim slots;
    private readonly CancellationTokenSource stopping = new();
    private readonly CancellationTokenSource abort = new();
    private readonly Lock gate = new();
    private readonly HashSet<Task> inFlight = [];
    private readonly MappingCounters counters = new();
    private Task? pollLoop;
    private TaskCompletionSource? resumed;
    private CancellationTokenSource? receiving;
    private int started;

    /// <summary>Creates a mapping over a transport's receiver; it does nothing until <see cref="StartAsync"/>.</summary>
    /// <param name="queue">The receiver to poll; the mapping does not dispose it.</param>
    /// <param name="handler">The handler that receives the batches.</param>
    /// <param name="options">Settings; null uses the defaults.</param>
    /// <param name="logger">Where to log; null for nowhere.</param>
    public EventSourceMapping(
        IQueueReceiver queue,
        IMessageHandler handler,
        EventSourceMappingOptions? options = null,
        ILogger<EventSourceMapping>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(queue);
        ArgumentNullException.ThrowIfNull(handler);
        options ??= new EventSourceMappingOptions();
        options.Validate();
        this.queue = queue;
        this.handler = handler;
        Options = options;
        this.logger = logger ?? (ILogger)NullLogger.Instance;
        time = options.TimeProvider;
        slots = new SemaphoreSlim(options.MaximumConcurrency, options.MaximumConcurrency);
        concurrencyLimit = options.MaximumConcurrency;
    }

    /// <summary>The mapping's settings.</summary>
    public EventSourceMappingOptions Options { get; }

    /// <summary>The name of the queue this mapping polls.</summary>
    public string QueueName => queue.QueueName;

    /// <summary>True between <see cref="StartAsync"/> and <see cref="StopAsync"/> when the mapping is enabled.</summary>
    public bool IsRunning => pollLoop is { IsCompleted: false } && !stopping.IsCancellationRequested;

    /// <summary>Test hook: called after a batch's retry delay was scheduled on the clock, with that delay.</summary>
    internal Action<TimeSpan>? RetryScheduled { get; set; }

    /// <summary>Test hook: called after a batching window was opened on the clock, with its length.</summary>
    internal Action<TimeSpan>? WindowOpened { get; set; }

    /// <summary>Test hook: called when the poller starts receiving for a free invocation slot.</summary>
    internal Action? ReceiveStarting { get; set; }

    /// <summary>A snapshot of the mapping's figures.</summary>
    public EventSourceMappingStatistics GetStatistics() => counters.Snapshot(resumed is not null);

    /// <summary>Starts polling (unless <see cref="EventSourceMappingOptions.Enabled"/> is false). Starts once.</summary>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(stopping.IsCancellationRequested, this);
        if (Interlocked.Exchange(ref started, 1) != 0)
        {
            throw new InvalidOperationException($"The mapping of queue '{queue.QueueName}' was already started.");
        }

        if (!Options.Enabled)
        {
            LogMessages.MappingDisabled(logger, queue.QueueName);
            return Task.CompletedTask;
        }

        LogMessages.MappingStarted(logger, queue.QueueName, Options.BatchSize, Options.MaximumConcurrency);
        var visibility = Options.VisibilityTimeout ?? queue.VisibilityTimeout;
        if (visibility <= Options.MaximumBatchingWindow)
        {
            // Messages gathered at the start of a window would reappear (and use up receives) before they are handled.
            LogMessages.VisibilityWithinWindow(logger, queue.QueueName, visibility, Options.MaximumBatchingWindow);
        }

        pollLoop = Task.Run(PollAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Stops receiving and waits for the batches in flight to finish and be deleted (a graceful drain). A batch held
    /// during a sink outage stops retrying and is left in the queue. When <paramref name="cancellationToken"/> fires
    /// first, running handlers are cancelled and this returns without waiting further; their messages simply reappear
    /// after the visibility timeout, so nothing is lost either way.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        stopping.Cancel();
        using var registration = cancellationToken.Register(static s => ((CancellationTokenSource)s!).Cancel(), abort);
        try
        {
            if (pollLoop is { } loop)
            {
                await loop.ConfigureAwait(false);
            }

            Task[] pending;
            lock (gate)
            {
                pending = [.. inFlight];
            }

            await Task.WhenAll(pending).WaitAsync(cancellationToken).ConfigureAwait(false);
            if (pollLoop is not null)
            {
                LogMessages.MappingStopped(logger, queue.QueueName);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            LogMessages.StopCutShort(logger, queue.QueueName, GetStatistics().CurrentConcurrency);
        }
    }

    /// <summary>Stops at once: running handlers are cancelled; their messages reappear after the visibility timeout.</summary>
    public async ValueTask DisposeAsync()
    {
        stopping.Cancel();
        abort.Cancel();
        await StopAsync(CancellationToken.None).ConfigureAwait(false);
    }

    private async Task PollAsync()
    {
        var stop = stopping.Token;

        // A failed receive is tried again after a fixed pause: the first wait of an outage's retries.
        var receiveRetry = new Backoff(Options.UnavailableRetryInitialDelay, Options.UnavailableRetryInitialDelay);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                // Take the slot before receiving, so nothing is received that no invocation could take (as Lambda does
                // at MaximumConcurrency).
                if (!await TakeSlotWithinLimitAsync(stop).ConfigureAwait(false))
                {
                    continue;
                }
            }
            catch (OperationCanceledException)
            {
                break;
            }

            List<ReceivedMessage> messages;
            using var receive = CancellationTokenSource.CreateLinkedTokenSource(stop);
            try
            {
                await WaitWhilePausedAsync(stop).ConfigureAwait(false);
                if (!TrackReceive(receive))
                {
                    slots.Release();
                    continue;
                }

                ReceiveStarting?.Invoke();
                messages = await FillBatchAsync(receive.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (receive.IsCancellationRequested)
            {
                // Stopped, or paused by a sink outage while long-polling: nothing was taken.
                slots.Release();
                continue;
            }
            catch (Exception ex)
            {
                slots.Release();
                LogMessages.ReceiveFailed(logger, queue.QueueName, ex);
                if (!await receiveRetry.WaitAsync(time, stop).ConfigureAwait(false))
                {
                    break;
                }

                continue;
            }
            finally
            {
                TrackReceive(null);
            }

            if (messages.Count == 0)
            {
                slots.Release();
                continue;
            }

            Dispatch(messages);
        }
    }

    // Returns what it holds even when stopped mid-window: those messages are dispatched and drained, not abandoned.
    // A batch is ready at BatchSize; each receive may take more, up to the coalescing limit, when that many are waiting.
    private async Task<List<ReceivedMessage>> FillBatchAsync(CancellationToken stop)
    {
        var batchSize = Options.BatchSize;
        var limit = Options.MaxMessagesPerInvocation;
        var batch = new List<ReceivedMessage>(Math.Min(limit, 1024));
        batch.AddRange(await ReceiveAsync(limit, Options.PollWaitTime, stop).ConfigureAwait(false));
        var window = Options.MaximumBatchingWindow;
        if (batch.Count == 0 || batch.Count >= batchSize || window <= TimeSpan.Zero)
        {
            return batch;
        }

        // The window is on the mapping's clock; the receive's own wait is only a bound, so the two clocks need not agree.
        var deadline = time.GetUtcNow() + window;
        using var windowTimer = new CancellationTokenSource(window, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(windowTimer.Token, stop);
        WindowOpened?.Invoke(window);
        while (batch.Count < batchSize && !linked.IsCancellationRequested)
        {
            var remaining = deadline - time.GetUtcNow();
            if (remaining <= TimeSpan.Zero)
            {
                break;
            }

            var wait = TimeSpan.FromSeconds(Math.Clamp(Math.Ceiling(remaining.TotalSeconds), 1, 20));
            try
            {
                batch.AddRange(await ReceiveAsync(limit - batch.Count, wait, linked.Token).ConfigureAwait(false));
            }
            catch (OperationCanceledException) when (linked.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                // Hand over what is already held rather than leave it hidden until its visibility timeout.
                LogMessages.ReceiveFailed(logger, queue.QueueName, ex);
                break;
            }
        }

        return batch;
    }

    private ValueTask<IReadOnlyList<ReceivedMessage>> ReceiveAsync(int maxMessages, TimeSpan wait, CancellationToken cancellationToken) =>
        queue.ReceiveAsync(
            new ReceiveOptions { MaxMessages = maxMessages, VisibilityTimeout = Options.VisibilityTimeout, WaitTime = wait },
            cancellationToken);

    private void Dispatch(List<ReceivedMessage> messages)
    {
        var task = Task.Run(() => RunBatchAsync(messages), CancellationToken.None);
        lock (gate)
        {
            inFlight.Add(task);
        }

        _ = task.ContinueWith(
            t =>
            {
                lock (gate)
                {
                    inFlight.Remove(t);
                }
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    // Never throws: every outcome is logged and counted, and undeleted messages come back through the queue.
    private async Task RunBatchAsync(List<ReceivedMessage> messages)
    {
        var startedAt = time.GetTimestamp();
        counters.Enter();
        var held = false;
        var answered = false;
        try
        {
            var backoff = new Backoff(Options.UnavailableRetryInitialDelay, Options.UnavailableRetryMaxDelay);
            while (true)
            {
                var batch = new MessageBatch(queue.QueueName, messages);
                BatchOutcome? outcome;
                try
                {
                    outcome = await handler.HandleAsync(batch, abort.Token).ConfigureAwait(false);
                }
                catch (DownstreamUnavailableException unavailable)
                {
                    if (stopping.IsCancellationRequested)
                    {
                        return;
                    }

                    held = true;
                    Pause();
                    counters.UnavailableRetry();
                    LogMessages.DownstreamUnavailable(logger, queue.QueueName, messages.Count, backoff.Next, unavailable.Message);
                    messages = ExtendVisibility(messages, backoff.Next);
                    if (messages.Count == 0 || !await backoff.WaitAsync(time, stopping.Token, RetryScheduled).ConfigureAwait(false))
                    {
                        return;
                    }

                    continue;
                }
                catch (OperationCanceledException) when (abort.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex)
                {
                    LogMessages.HandlerFailed(logger, queue.QueueName, messages.Count, ex);
                    counters.Finished(messages.Count, succeeded: 0, failed: messages.Count, batchFailed: true);
                    await ReleaseAsync(messages).ConfigureAwait(false);
                    return;
                }

                answered = true;
                Resume();
                await CompleteAsync(messages, outcome).ConfigureAwait(false);
                return;
            }
        }
        finally
        {
            if (held && !answered && !stopping.IsCancellationRequested)
            {
                // This batch gave up holding (its messages reappeared to others) without hearing from the sink: let
                // the next received batch probe it, or receiving would stay paused with no one left to resume it.
                Resume();
            }

            counters.Exit(time.GetElapsedTime(startedAt));
            slots.Release();
            SignalCapacity();
        }
    }

    private async Task CompleteAsync(List<ReceivedMessage> messages, BatchOutcome? outcome)
    {
        // As with Lambda's partial batch response: a null outcome or an empty list is full success, and an identifier
        // that names no message of the batch fails the whole batch.
        var failedIds = outcome?.FailedMessageIds ?? [];
        var failed = new HashSet<Guid>(failedIds);
        if (failed.Count > 0)
        {
            var inBatch = new HashSet<Guid>(messages.Select(static m => m.MessageId));
            foreach (var id in failed)
            {
                if (!inBatch.Contains(id))
                {
                    LogMessages.UnknownFailedId(logger, queue.QueueName, id);
                    counters.Finished(messages.Count, succeeded: 0, failed: messages.Count, batchFailed: true);
                    await ReleaseAsync(messages).ConfigureAwait(false);
                    return;
                }
            }
        }

        var handles = new List<string>(messages.Count - failed.Count);
        foreach (var message in messages)
        {
            if (!failed.Contains(message.MessageId))
            {
                handles.Add(message.ReceiptHandle);
            }
        }

        var deleted = 0;
        if (handles.Count > 0)
        {
            try
            {
                // Not cancellable: the handler's work is done, and a deletion cut short would only cause a redelivery.
                deleted = await queue.DeleteBatchAsync(handles, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // The messages reappear and are handled again; every sink write is idempotent, so no row doubles.
                LogMessages.DeleteFailed(logger, queue.QueueName, handles.Count, ex);
            }
        }

        if (failed.Count > 0)
        {
            LogMessages.PartialFailure(logger, queue.QueueName, failed.Count, messages.Count);
            await ReleaseAsync(messages.Where(m => failed.Contains(m.MessageId))).ConfigureAwait(false);
        }

        counters.Finished(messages.Count, succeeded: deleted, failed: failed.Count, batchFailed: false);
    }

    // Gives failed messages back for a retry (a broker requeues them now and counts the delivery; the embedded engine
    // lets them reappear after their visibility timeout). A release that fails only leaves them to the same fate.
    private async Task ReleaseAsync(IEnumerable<ReceivedMessage> messages)
    {
        try
        {
            await queue.ReleaseAsync([.. messages.Select(static m => m.ReceiptHandle)], CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            LogMessages.ReleaseFailed(logger, queue.QueueName, ex);
        }
    }

    // Keeps the held messages hidden through the wait and one more attempt; a message whose handle is no longer in
    // flight has reappeared to someone else and is dropped from the batch.
    private List<ReceivedMessage> ExtendVisibility(List<ReceivedMessage> messages, TimeSpan delay)
    {
        var visibility = Options.VisibilityTimeout ?? queue.VisibilityTimeout;
        var extended = delay + visibility;
        if (extended > QueueLimits.MaxVisibilityTimeout)
        {
            extended = QueueLimits.MaxVisibilityTimeout;
        }

        var kept = new List<ReceivedMessage>(messages.Count);
        foreach (var message in messages)
        {
            if (queue.ChangeVisibility(message.ReceiptHandle, extended))
            {
                kept.Add(message);
            }
        }

        return kept;
    }

    // While paused, a long-poll in progress is cut short too, so not one more message is taken during an outage.
    private void Pause()
    {
        lock (gate)
        {
            if (resumed is null)
            {
                resumed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                LogMessages.ReceivingPaused(logger, queue.QueueName);
                // Asynchronous, so the receive's cancellation callbacks do not run under this lock.
                _ = receiving?.CancelAsync();
            }
        }
    }

    // Registers the receive in progress (null when none); false when receiving is paused and must not start.
    private bool TrackReceive(CancellationTokenSource? source)
    {
        lock (gate)
        {
            if (source is not null && resumed is not null)
            {
                return false;
            }

            receiving = source;
            return true;
        }
    }

    private void Resume()
    {
        TaskCompletionSource? waiting;
        lock (gate)
        {
            waiting = resumed;
            resumed = null;
        }

        if (waiting is not null)
        {
            LogMessages.ReceivingResumed(logger, queue.QueueName);
            waiting.TrySetResult();
        }
    }

    private Task WaitWhilePausedAsync(CancellationToken cancellationToken)
    {
        Task? wait;
        lock (gate)
        {
            wait = resumed?.Task;
        }

        return wait is null ? Task.CompletedTask : wait.WaitAsync(cancellationToken);
    }
}
