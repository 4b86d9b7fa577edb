namespace Spillway.Messaging.Topics;

/// <summary>Per subscription since its topic opened: messages delivered to its queue, filtered out, and failed.</summary>
public readonly record struct SubscriptionStatistics(long Delivered, long FilteredOut, long Failed);

/// <summary>The counters behind <see cref="SubscriptionStatistics"/>, updated without a lock.</summary>
internal sealed class SubscriptionCounters
{
    private long delivered;
    private long filteredOut;
    private long failed;

    public void Delivered() => Interlocked.Increment(ref delivered);

    public void FilteredOut() => Interlocked.Increment(ref filteredOut);

    public void Failed() => Interlocked.Increment(ref failed);

    public SubscriptionStatistics Snapshot() =>
        new(Interlocked.Read(ref delivered), Interlocked.Read(ref filteredOut), Interlocked.Read(ref failed));
}
