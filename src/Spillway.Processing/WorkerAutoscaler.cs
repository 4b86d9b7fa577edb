using Spillway.Transport;

namespace Spillway.Processing;

/// <summary>How one worker scales; validated by the host's configuration.</summary>
/// <param name="Minimum">Fewest invocations allowed at once (at least 1).</param>
/// <param name="Maximum">Most invocations: the worker's MaxConcurrency, capped by its sink's pool.</param>
/// <param name="TargetOldestMessageAge">The backlog is behind when its oldest message is older than this.</param>
/// <param name="Interval">How often a decision is taken.</param>
/// <param name="MaxBatchLatency">A batch slower than this means the sink is struggling: step down, whatever the backlog.</param>
public sealed record AutoscalingSettings(
    int Minimum, int Maximum, TimeSpan TargetOldestMessageAge, TimeSpan Interval, TimeSpan MaxBatchLatency);

/// <summary>What the autoscaler sees at one decision.</summary>
/// <param name="Backlog">Messages visible in the worker's queue.</param>
/// <param name="OldestMessageAge">Age of the queue's oldest message; zero when empty.</param>
/// <param name="LastBatchLatency">Duration of the worker's last finished batch; zero before the first.</param>
/// <param name="SinkUnavailable">True while the worker is paused by a downstream outage.</param>
public readonly record struct ScalingObservation(
    long Backlog, TimeSpan OldestMessageAge, TimeSpan LastBatchLatency, bool SinkUnavailable);

/// <summary>
/// The control law, as SQS-triggered Lambda scaling and TCP congestion control do it: rise fast (×1.5) while the
/// oldest message is older than the target, fall slowly (−1) once the backlog is gone or young, step down by a
/// quarter when batches are slower than the latency ceiling (more writers would only queue on the database), and
/// drop to the minimum while the sink is unreachable.
/// </summary>
public static class ConcurrencyControl
{
    public static (int Next, string Reason) Decide(int current, ScalingObservation seen, AutoscalingSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        current = Math.Clamp(current, settings.Minimum, settings.Maximum);
        if (seen.SinkUnavailable)
        {
            return (settings.Minimum, "sink unavailable");
        }

        if (seen.LastBatchLatency > settings.MaxBatchLatency)
        {
            return (Math.Max(settings.Minimum, current - Math.Max(1, current / 4)), "sink slow");
        }

        if (seen.Backlog > 0 && seen.OldestMessageAge > settings.TargetOldestMessageAge)
        {
            return (Math.Min(settings.Maximum, current + Math.Max(1, current / 2)), "backlog behind target");
        }

        if (seen.Backlog == 0 || seen.OldestMessageAge < settings.TargetOldestMessageAge / 2)
        {
            return (Math.Max(settings.Minimum, current - 1), "backlog within target");
        }

        return (current, "holding");
    }
}

/// <summary>Moves a worker's concurrency limit on a timer of the injected clock, from its queue's counts.</summary>
public sealed class WorkerAutoscaler : IDisposable
{
    private readonly Worker worker;
    private readonly IQueueAdmin queues;
    private readonly TimeProvider time;
    private readonly Lock gate = new();
    private ITimer? timer;
    private int deciding;

    /// <summary>Scales <paramref name="worker"/> (which starts at the minimum) by the age of its queue in
    /// <paramref name="queues"/>, whose transport must report message ages.</summary>
    public WorkerAutoscaler(Worker worker, AutoscalingSettings settings, IQueueAdmin queues, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(worker);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(queues);
        ArgumentNullException.ThrowIfNull(time);
        this.worker = worker;
        this.queues = queues;
        this.time = time;
        Settings = settings;
        worker.SetConcurrencyLimit(settings.Minimum);
        worker.Autoscaler = this;
    }

    public AutoscalingSettings Settings { get; }

    /// <summary>Why the last decision was taken; null before the first.</summary>
    public string? LastReason { get; private set; }

    public void Start()
    {
        lock (gate)
        {
            timer ??= time.CreateTimer(_ => _ = TickAsync(), null, Settings.Interval, Settings.Interval);
        }
    }

    /// <summary>Takes one decision now; a tick that comes while the last one still reads the queue is skipped.</summary>
    public async Task TickAsync()
    {
        if (Interlocked.Exchange(ref deciding, 1) != 0)
        {
            return;
        }

        try
        {
            var seen = await ObserveAsync().ConfigureAwait(false);
            lock (gate)
            {
                var (next, reason) = ConcurrencyControl.Decide(worker.ConcurrencyLimit, seen, Settings);
                worker.SetConcurrencyLimit(next);
                LastReason = reason;
            }
        }
        catch (Exception e) when (e is ObjectDisposedException or IOException or UnknownQueueException)
        {
            // Shutting down, or the queue's counts cannot be read now: the limit stays until the next tick.
        }
        finally
        {
            Volatile.Write(ref deciding, 0);
        }
    }

    public void Dispose()
    {
        lock (gate)
        {
            timer?.Dispose();
            timer = null;
        }
    }

    private async Task<ScalingObservation> ObserveAsync()
    {
        var queue = await queues.DescribeQueueAsync(worker.QueueName, CancellationToken.None).ConfigureAwait(false);
        var statistics = worker.Statistics;
        return new ScalingObservation(
            queue.Visible,
            queue.OldestMessageAge ?? TimeSpan.Zero,
            statistics?.LastBatchDuration ?? TimeSpan.Zero,
            statistics?.Paused ?? false);
    }
}
