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

    public void Enter()
    {
        var now = Interlocked.Increment(ref current);
        var seen = Volatile.Read(ref peak);
        while (now > seen)
        {
            var previous = Interlocked.CompareExchange(ref peak, now, seen);
            if (previous == seen)
            {
                break;
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
