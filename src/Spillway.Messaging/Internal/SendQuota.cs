namespace Spillway.Messaging.Internal;

/// <summary>
/// Token buckets for a FIFO queue's send quota: one for the queue and one per message group, each holding at most one
/// second of quota and refilled on the engine clock. Not thread-safe: used under the queue's lock.
/// </summary>
internal sealed class SendQuota(double perSecond)
{
    // Idle groups' buckets are full again after a second; past this many they are swept so groups do not accumulate.
    private const int SweepAbove = 4096;

    private readonly Dictionary<string, Bucket> groups = new(StringComparer.Ordinal);
    private Bucket queue = new(perSecond, 0);

    /// <summary>
    /// Takes quota for every message of a send, all or nothing. On refusal returns false and how long until it would fit.
    /// </summary>
    public bool TryTake(FifoThroughputLimit scope, ReadOnlySpan<EntryData> entries, long nowMs, out TimeSpan retryAfter)
    {
        retryAfter = TimeSpan.Zero;
        if (scope == FifoThroughputLimit.PerQueue)
        {
            queue = Refill(queue, nowMs);
            if (!Fits(queue, entries.Length, ref retryAfter))
            {
                return false;
            }

            queue = queue with { Tokens = queue.Tokens - entries.Length };
            return true;
        }

        var wanted = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (ref readonly var entry in entries)
        {
            wanted[entry.GroupId!] = wanted.GetValueOrDefault(entry.GroupId!) + 1;
        }

        foreach (var (group, count) in wanted)
        {
            var bucket = Refill(groups.GetValueOrDefault(group, new Bucket(perSecond, nowMs)), nowMs);
            groups[group] = bucket;
            Fits(bucket, count, ref retryAfter);
        }

        if (retryAfter > TimeSpan.Zero)
        {
            return false;
        }

        foreach (var (group, count) in wanted)
        {
            groups[group] = groups[group] with { Tokens = groups[group].Tokens - count };
        }

        if (groups.Count > SweepAbove)
        {
            foreach (var idle in groups.Where(g => Refill(g.Value, nowMs).Tokens >= perSecond).Select(g => g.Key).ToList())
            {
                groups.Remove(idle);
            }
        }

        return true;
    }

    private Bucket Refill(Bucket bucket, long nowMs) => nowMs <= bucket.AtMs
        ? bucket
        : new Bucket(Math.Min(perSecond, bucket.Tokens + ((nowMs - bucket.AtMs) * perSecond / 1000.0)), nowMs);

    /// <summary>Whether <paramref name="count"/> fits; if not, raises <paramref name="retryAfter"/> to when it would.</summary>
    private bool Fits(Bucket bucket, int count, ref TimeSpan retryAfter)
    {
        if (bucket.Tokens >= count)
        {
            return true;
        }

        var wait = count > perSecond
            ? TimeSpan.MaxValue
            : TimeSpan.FromMilliseconds(Math.Ceiling((count - bucket.Tokens) * 1000.0 / perSecond));
        retryAfter = wait > retryAfter ? wait : retryAfter;
        return false;
    }

    private readonly record struct Bucket(double Tokens, long AtMs);
}
