namespace Spillway.Processing.Internal;

/// <summary>Lock-free figures of one mapping; read as a consistent-enough snapshot for metrics.</summary>
internal sealed class MappingCounters
{
    private long batches;
    private long messages;
    private long succeeded;
    private long failed;
    private long failedBatches;
    private long unavailableRetries;
    private int current;
    private int peak;
    private long lastDurationTicks;

    public void Enter() => RaiseTo(ref peak, Interlocked.Increment(ref current));

    /// <summary>Raises <paramref name="target"/> to <paramref name="value"/> when that is higher, without a lock.</summary>
    public static void RaiseTo(ref int target, int value)
    {
        var seen = Volatile.Read(ref target);
        while (value > seen)
        {
            var previous = Interlocked.CompareExchange(ref target, value, seen);
            if (previous == seen)
            {
                return;
            }

            seen = previous;
        }
    }

    public void Exit(TimeSpan duration)
    {
        Interlocked.Decrement(ref current);
        Volatile.Write(ref lastDurationTicks, duration.Ticks);
    }

    public void UnavailableRetry() => Interlocked.Increment(ref unavailableRetries);

    public void Finished(int count, int succeeded, int failed, bool batchFailed)
    {
        Interlocked.Increment(ref batches);
        Interlocked.Add(ref messages, count);
        Interlocked.Add(ref this.succeeded, succeeded);
        Interlocked.Add(ref this.failed, failed);
        if (batchFailed)
        {
            Interlocked.Increment(ref failedBatches);
        }
    }

    public EventSourceMappingStatistics Snapshot(bool paused) => new(
        Interlocked.Read(ref batches),
        Interlocked.Read(ref messages),
        Interlocked.Read(ref succeeded),
        Interlocked.Read(ref failed),
        Interlocked.Read(ref failedBatches),
        Interlocked.Read(ref unavailableRetries),
        Volatile.Read(ref current),
        Volatile.Read(ref peak),
        TimeSpan.FromTicks(Volatile.Read(ref lastDurationTicks)),
        paused);
}
