using Spillway.Hosting;
using Spillway.Messaging;

namespace Spillway.Operations;

/// <summary>How one worker scales; immutable and validated by the configuration resolver.</summary>
/// <param name="Minimum">Fewest invocations allowed at once (at least 1).</param>
/// <param name="Maximum">Most invocations: the worker's MaxConcurrency, capped by its sink's pool.</param>
/// <param name="TargetOldestMessageAge">The backlog is behind when its oldest message is older than this.</param>
/// <param name="Interval">How often a decision is taken.</param>
/// <param name="MaxBatchLatency">A batch slower than this means the sink is struggling: step down, whatever the backlog.</param>
internal sealed record AutoscalingSettings(
    int Minimum, int Maximum, TimeSpan TargetOldestMessageAge, TimeSpan Interval, TimeSpan MaxBatchLatency);

/// <summary>What the autoscaler sees at one decision.</summary>
/// <param name="Backlog">Messages visible in the worker's queue.</param>
/// <param name="OldestMessageAge">Age of the queue's oldest message; zero when empty.</param>
/// <param name="LastBatchLatency">Duration of the worker's last finished batch; zero before the first.</param>
/// <param name="SinkUnavailable">True while the worker is paused by a sink outage.</param>
internal readonly record struct ScalingObservation(
    long Backlog, TimeSpan OldestMessageAge, TimeSpan LastBatchLatency, bool SinkUnavailable);

/// <summary>
/// The control law, as SQS-triggered Lambda scaling and TCP congestion control do it: rise fast (×1.5) while the
/// oldest message is older than the target, fall slowly (−1) once the backlog is gone or young, step down by a
/// quarter when batches are slower than the latency ceiling (more writers would only queue on the database), and
/// drop to the minimum while the sink is unreachable.
/// </summary>
internal static class ConcurrencyControl
{
    public static (int Next, string Reason) Decide(int current, ScalingObservation seen, AutoscalingSettings settings)
    {
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

/// <summary>Moves a worker's concurrency limit on a timer of the injected clock.</summary>
internal sealed class WorkerAutoscaler : IDisposable
{
    private readonly Worker worker;
    private readonly Func<ScalingObservation> observe;
    private readonly TimeProvider time;
    private readonly Lock gate = new();
    private ITimer? timer;

    public WorkerAutoscaler(Worker worker, AutoscalingSettings settings, Func<ScalingObservation> observe, TimeProvider time)
    {
        this.worker = worker;
        this.observe = observe;
        this.time = time;
        Settings = settings;
        worker.SetConcurrencyLimit(settings.Minimum);
        worker.Autoscaler = this;
    }

    public AutoscalingSettings Settings { get; }

    /// <summary>Why the last decision was taken; null before the first.</summary>
    public string? LastReason { get; private set; }

    /// <summary>What a worker's autoscaler sees: its queue's backlog and oldest message, its last batch, its pause.</summary>
    public static ScalingObservation Observe(Worker worker, MessageQueue queue, TimeProvider time)
    {
        var counts = queue.GetCounts();
        var age = counts.OldestSentTimestamp is { } sent ? time.GetUtcNow() - sent : TimeSpan.Zero;
        var statistics = worker.Statistics;
        return new ScalingObservation(
            counts.Visible,
            age < TimeSpan.Zero ? TimeSpan.Zero : age,
            statistics?.LastBatchDuration ?? TimeSpan.Zero,
            statistics?.Paused ?? false);
    }

    public void Start()
    {
        lock (gate)
        {
            timer ??= time.CreateTimer(_ => Tick(), null, Settings.Interval, Settings.Interval);
        }
    }

    /// <summary>Takes one decision now.</summary>
    public void Tick()
    {
        lock (gate)
        {
            ScalingObservation seen;
            try
            {
                seen = observe();
            }
            catch (ObjectDisposedException)
            {
                return; // shutting down
            }

            var (next, reason) = ConcurrencyControl.Decide(worker.ConcurrencyLimit, seen, Settings);
            worker.SetConcurrencyLimit(next);
            LastReason = reason;
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
}
