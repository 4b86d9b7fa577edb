namespace Spillway.Messaging.Internal;

/// <summary>
/// The in-memory state only a FIFO queue has: the group of each live message, the deduplication window and the
/// receive attempts of the last 5 minutes. Guarded by the queue's lock; a standard queue has none of it.
/// </summary>
internal sealed class FifoState
{
    private readonly Dictionary<long, string> groups = [];
    private readonly Dictionary<string, string> groupNames = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DedupEntry> dedup = new(StringComparer.Ordinal);
    private readonly Queue<(string Key, DedupEntry Entry)> dedupOrder = new();
    private readonly Dictionary<string, ReceiveAttempt> attempts = new(StringComparer.Ordinal);
    private readonly Queue<(string Id, ReceiveAttempt Attempt)> attemptOrder = new();
    private long prunedBelow;

    public FifoState(QueueDefinition definition) => Scope = definition.DeduplicationScope;

    public DeduplicationScope Scope { get; }

    /// <summary>Records a message's group; equal group names share one string.</summary>
    public void SetGroup(long seq, string groupId)
    {
        if (!groupNames.TryGetValue(groupId, out var shared))
        {
            groupNames[groupId] = shared = groupId;
        }

        groups[seq] = shared;
    }

    public string GroupOf(long seq) => groups.TryGetValue(seq, out var group) ? group : string.Empty;

    /// <summary>Forgets the groups of messages below the index head (all dead by then).</summary>
    public void PruneGroups(long head)
    {
        if (head - prunedBelow > groups.Count)
        {
            // Cheaper to sweep the map than to walk the sequence range.
            foreach (var seq in groups.Keys.Where(s => s < head).ToList())
            {
                groups.Remove(seq);
            }
        }
        else
        {
            for (var seq = prunedBelow; seq < head; seq++)
            {
                groups.Remove(seq);
            }
        }

        prunedBelow = Math.Max(prunedBelow, head);
        if (groups.Count == 0)
        {
            groupNames.Clear();
        }
    }

    /// <summary>Forgets the groups of dead messages anywhere (behind a long-lived head too); a walk over the whole map.</summary>
    public void PruneDeadGroups(Func<long, bool> isDead)
    {
        foreach (var seq in groups.Keys.Where(isDead).ToList())
        {
            groups.Remove(seq);
        }
    }

    public bool TryGetDuplicate(string key, long now, out DedupEntry entry)
    {
        ForgetExpired(now);
        return dedup.TryGetValue(key, out entry!);
    }

    public void Remember(string key, DedupEntry entry, long now)
    {
        if (now - entry.SentAtMs >= FifoRules.WindowMs)
        {
            return;
        }

        dedup[key] = entry;
        dedupOrder.Enqueue((key, entry));
    }

    /// <summary>The first send's fsync failed: its ids must not answer for anything.</summary>
    public void Forget(string key, DedupEntry entry)
    {
        if (dedup.TryGetValue(key, out var current) && current == entry)
        {
            dedup.Remove(key);
        }
    }

    /// <summary>
    /// The lowest log position whose send record still backs a remembered deduplication id: segments from there on
    /// must stay, so the window survives a restart even when the messages themselves are long deleted.
    /// </summary>
    public long RetainFrom(long now)
    {
        ForgetExpired(now);
        return dedupOrder.TryPeek(out var oldest) ? oldest.Entry.Position : long.MaxValue;
    }

    public bool TryGetAttempt(string id, long now, out ReceiveAttempt attempt)
    {
        while (attemptOrder.TryPeek(out var oldest) && now - oldest.Attempt.CreatedMs >= FifoRules.WindowMs)
        {
            attemptOrder.Dequeue();
            if (attempts.TryGetValue(oldest.Id, out var current) && current == oldest.Attempt)
            {
                attempts.Remove(oldest.Id);
            }
        }

        return attempts.TryGetValue(id, out attempt!);
    }

    public void RememberAttempt(string id, ReceiveAttempt attempt)
    {
        attempts[id] = attempt;
        attemptOrder.Enqueue((id, attempt));
    }

    public void ForgetAttempt(string id) => attempts.Remove(id);

    private void ForgetExpired(long now)
    {
        while (dedupOrder.TryPeek(out var oldest) && now - oldest.Entry.SentAtMs >= FifoRules.WindowMs)
        {
            dedupOrder.Dequeue();
            if (dedup.TryGetValue(oldest.Key, out var current) && current == oldest.Entry)
            {
                dedup.Remove(oldest.Key);
            }
        }
    }

    /// <summary>A remembered deduplication id; <see cref="Pending"/> is set while the first send is not yet durable.</summary>
    internal sealed class DedupEntry(SentMessage message, long sentAtMs, long position)
    {
        public SentMessage Message { get; } = message;

        public long SentAtMs { get; } = sentAtMs;

        public long Position { get; } = position;

        public Task? Pending { get; set; }
    }

    /// <summary>
    /// The messages one receive attempt returned: sequence number, receive count and due time of each (a visibility
    /// change sets a new due time, which ends the replay).
    /// </summary>
    internal sealed class ReceiveAttempt(long createdMs, (long Seq, int ReceiveCount, long DueAtMs)[] messages)
    {
        public long CreatedMs { get; } = createdMs;

        public (long Seq, int ReceiveCount, long DueAtMs)[] Messages { get; } = messages;
    }
}
