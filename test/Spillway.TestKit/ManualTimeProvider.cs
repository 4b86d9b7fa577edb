namespace Spillway.TestKit;

/// <summary>A clock that moves only when a test says so; timers fire as time passes them.</summary>
public sealed class ManualTimeProvider : TimeProvider
{
    private readonly Lock gate = new();
    private readonly List<ManualTimer> timers = [];
    private readonly List<(DateTimeOffset By, TaskCompletionSource Scheduled)> waiters = [];
    private DateTimeOffset now;

    public ManualTimeProvider(DateTimeOffset? start = null) => now = start ?? new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow()
    {
        lock (gate)
        {
            return now;
        }
    }

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => GetUtcNow().UtcTicks;

    /// <summary>Moves the clock forward and fires every timer that came due, in due order.</summary>
    public void Advance(TimeSpan by)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(by, TimeSpan.Zero);
        DateTimeOffset target;
        lock (gate)
        {
            target = now + by;
        }

        while (true)
        {
            ManualTimer? due;
            lock (gate)
            {
                due = timers.Where(t => t.DueAt is { } d && d <= target).OrderBy(t => t.DueAt).FirstOrDefault();
                if (due is null)
                {
                    now = target;
                    return;
                }

                now = due.DueAt!.Value > now ? due.DueAt.Value : now;
                due.Reschedule(now);
            }

            due.Fire();
        }
    }

    /// <summary>
    /// Completes once a timer is set to fire at or before <paramref name="by"/>: the code under test is then waiting on
    /// the clock, and an <see cref="Advance"/> past <paramref name="by"/> is sure to wake it.
    /// </summary>
    public Task WhenTimerDueBy(DateTimeOffset by)
    {
        lock (gate)
        {
            if (timers.Any(t => t.DueAt is { } due && due <= by))
            {
                return Task.CompletedTask;
            }

            var scheduled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            waiters.Add((by, scheduled));
            return scheduled.Task;
        }
    }

    // Under the gate, when a timer is set.
    private void ReleaseWaiters(DateTimeOffset due)
    {
        foreach (var waiter in waiters.Where(w => due <= w.By).ToList())
        {
            waiters.Remove(waiter);
            waiter.Scheduled.TrySetResult();
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ManualTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    private sealed class ManualTimer(ManualTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        private TimeSpan period = Timeout.InfiniteTimeSpan;

        public DateTimeOffset? DueAt { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (owner.gate)
            {
                this.period = period;
                DueAt = dueTime == Timeout.InfiniteTimeSpan ? null : owner.now + dueTime;
                if (!owner.timers.Contains(this))
                {
                    owner.timers.Add(this);
                }

                if (DueAt is { } due)
                {
                    owner.ReleaseWaiters(due);
                }
            }

            return true;
        }

        // Called under the owner's lock once the timer came due.
        public void Reschedule(DateTimeOffset at) =>
            DueAt = period == Timeout.InfiniteTimeSpan || period == TimeSpan.Zero ? null : at + period;

        public void Fire() => callback(state);

        public void Dispose()
        {
            lock (owner.gate)
            {
                owner.timers.Remove(this);
                DueAt = null;
            }
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
