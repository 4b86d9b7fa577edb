using Spillway.Messaging.Internal;
using Spillway.Storage;

namespace Spillway.Messaging;

/// <summary>
/// FIFO queues: deduplication within 5 minutes, strict order within a message group with the group held back while one
/// of its messages is in flight, and receive attempt ids. Only queues whose definition says FifoQueue come here.
/// </summary>
public sealed partial class MessageQueue
{
    /// <summary>As in SQS, a FIFO receive looks at the first 120,000 live messages for available groups.</summary>
    private const int MaxFifoScan = 120_000;

    private async ValueTask<SendResult> SendFifoAsync(
        IReadOnlyList<OutgoingMessage> messages, string? idempotencyKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var deduplicationIds = new string[messages.Count];
        for (var i = 0; i < deduplicationIds.Length && i < DefinitionRules.MaxSendBatch; i++)
        {
            var message = messages[i] ?? throw new ArgumentException($"Message {i} is null.", nameof(messages));
            deduplicationIds[i] = FifoRules.ValidateSend(Definition, message, i);
        }

        var entries = PrepareSend(messages, idempotencyKey);
        for (var i = 0; i < entries.Length; i++)
        {
            entries[i].GroupId = messages[i].MessageGroupId;
            entries[i].DeduplicationId = deduplicationIds[i];
            entries[i].Deduplicates = true;
        }

        cancellationToken.ThrowIfCancellationRequested();
        engine.EnsureWritable(this);
        var results = new SentMessage[entries.Length];
        List<Task>? earlier = null;
        KeyEntry? replay = null;
        PendingAppend pending = default;
        (string Key, FifoState.DedupEntry Entry)[] remembered = [];
        lock (gate)
        {
            var now = Now();
            if (idempotencyKey is not null)
            {
                ForgetExpiredKeys(now);
                keys.TryGetValue(idempotencyKey, out replay);
            }

            if (replay is null)
            {
                if (sendQuota is not null
                    && !sendQuota.TryTake(Definition.FifoThroughputLimit, entries, now, out var retryAfter))
                {
                    throw Throttled(entries.Length, retryAfter);
                }

                // Which entries are new: not within the window, and not repeating an earlier entry of this batch.
                var state = fifo!;
                var source = new int[entries.Length];
                var fresh = new List<int>(entries.Length);
                var batchKeys = new Dictionary<string, int>(StringComparer.Ordinal);
                var dedupKeys = new string[entries.Length];
                for (var i = 0; i < entries.Length; i++)
                {
                    var key = FifoRules.DedupKey(state.Scope, entries[i].GroupId!, deduplicationIds[i]);
                    dedupKeys[i] = key;
                    if (state.TryGetDuplicate(key, now, out var duplicate))
                    {
                        results[i] = duplicate.Message;
                        source[i] = -1;
                        if (duplicate.Pending is { } first)
                        {
                            (earlier ??= []).Add(first);
                        }
                    }
                    else if (batchKeys.TryGetValue(key, out var index))
                    {
                        source[i] = index;
                    }
                    else
                    {
                        batchKeys[key] = fresh.Count;
                        source[i] = fresh.Count;
                        fresh.Add(i);
                    }
                }

                if (fresh.Count > 0)
                {
                    var newEntries = fresh.Select(i => entries[i]).ToArray();
                    var offsets = new int[newEntries.Length];
                    var payload = RecordCodec.EncodeSend(newEntries, idempotencyKey, newEntries[0].SentAtMs, offsets);
                    pending = AppendLocked(newEntries, payload, offsets, idempotencyKey, now);
                    remembered = new (string, FifoState.DedupEntry)[fresh.Count];
                    for (var j = 0; j < fresh.Count; j++)
                    {
                        var entry = new FifoState.DedupEntry(pending.Sent[j], newEntries[j].SentAtMs, pending.Append.Position)
                        {
                            Pending = pending.Append.Durable,
                        };
                        state.Remember(dedupKeys[fresh[j]], entry, now);
                        remembered[j] = (dedupKeys[fresh[j]], entry);
                    }

                    for (var i = 0; i < entries.Length; i++)
                    {
                        if (source[i] >= 0)
                        {
                            results[i] = pending.Sent[source[i]];
                        }
                    }
                }
            }
        }

        if (replay is not null)
        {
            if (replay.Pending is { } first)
            {
                await first.ConfigureAwait(false);
            }

            return new SendResult(replay.Messages, Replayed: true);
        }

        if (earlier is not null)
        {
            // A duplicate of a send not yet durable: its answer is ours once it is.
            await Task.WhenAll(earlier).ConfigureAwait(false);
        }

        if (remembered.Length == 0)
        {
            // Every message repeated one sent within the deduplication window: nothing was stored.
            return new SendResult(results, Replayed: true);
        }

        try
        {
            await pending.Append.Durable.ConfigureAwait(false);
        }
        catch (StorageFaultedException)
        {
            ForgetFailedKey(pending, idempotencyKey);
            lock (gate)
            {
                foreach (var (key, entry) in remembered)
                {
                    fifo!.Forget(key, entry);
                }
            }

            throw;
        }

        lock (gate)
        {
            foreach (var (_, entry) in remembered)
            {
                entry.Pending = null;
            }
        }

        return new SendResult(results, Replayed: false);
    }

    private QueueThrottledException Throttled(int messages, TimeSpan retryAfter)
    {
        var scope = Definition.FifoThroughputLimit == FifoThroughputLimit.PerQueue ? "the queue" : "a message group of the send";
        var rate = engine.Options.FifoSendRateLimit;
        return new QueueThrottledException(
            retryAfter == TimeSpan.MaxValue
                ? $"A send of {messages} messages to '{Name}' exceeds one second of its quota ({rate} messages per second); "
                    + "send fewer at a time."
                : $"Send quota of '{Name}' exceeded: {rate} messages per second for {scope}; "
                    + $"retry in {retryAfter.TotalMilliseconds:F0} ms.",
            retryAfter);
    }

    /// <summary>Recovery: the entry's group, and its deduplication id if it was sent here within the window.</summary>
    private void ReplayFifoEntry(long seq, Guid id, long sentAtMs, long position, ReadOnlySpan<byte> entry, long now)
    {
        if (!RecordCodec.ReadFifoFields(entry, out var groupId, out var deduplicationId, out var deduplicates))
        {
            fifo!.SetGroup(seq, string.Empty); // moved in from a standard queue
            return;
        }

        fifo!.SetGroup(seq, groupId);
        if (deduplicates)
        {
            fifo.Remember(
                FifoRules.DedupKey(fifo.Scope, groupId, deduplicationId),
                new FifoState.DedupEntry(new SentMessage(id, seq), sentAtMs, position),
                now);
        }
    }

    /// <summary>
    /// The FIFO receive: walks live messages in sequence order, skipping every group that has a message in flight (or
    /// delayed, pending or being moved) before it, and takes visible messages of the other groups in order, several per
    /// group when they follow each other. Messages past the redrive policy's receive count are set aside for the
    /// dead-letter queue and hold their group back until moved, so the group's order carries over.
    /// </summary>
    private Pick[] TakeFifo(
        int max,
        long visibilityMs,
        MessageQueue? deadLetterQueue,
        string? attemptId,
        out List<long>? moves,
        out Task? signal,
        out long nextDue)
    {
        moves = null;
        signal = null;
        List<long>? expired = null;
        lock (gate)
        {
            var state = fifo!;
            var now = Now();
            nextDue = PromoteDue(now);
            ExpireDue(now, ref expired);
            CompactVisibleRing();
            state.PruneGroups(table.Head);
            var picks = new List<Pick>(Math.Min(max, 16));
            var retentionMs = (long)Definition.MessageRetentionPeriod.TotalMilliseconds;
            var maxReceives = deadLetterQueue is null ? int.MaxValue : Definition.RedrivePolicy?.MaxReceiveCount ?? int.MaxValue;
            HashSet<string>? blocked = null;
            var scanned = 0;
            for (var seq = table.Head; seq < table.End && picks.Count < max && scanned < MaxFifoScan; seq = table.Next(seq))
            {
                ref var slot = ref table[seq];
                if (slot.State is SlotState.Deleted or SlotState.Empty)
                {
                    continue;
                }

                scanned++;
                var group = state.GroupOf(seq);
                if (blocked is not null && blocked.Contains(group))
                {
                    continue;
                }

                if (slot.State != SlotState.Visible)
                {
                    (blocked ??= new HashSet<string>(StringComparer.Ordinal)).Add(group);
                    continue;
                }

                var movesBefore = moves?.Count ?? 0;
                if (!TryClaim(seq, ref slot, now, retentionMs, maxReceives, visibilityMs, ref expired, ref moves))
                {
                    // A message leaving for the dead-letter queue holds its group back until it has gone.
                    if ((moves?.Count ?? 0) > movesBefore)
                    {
                        (blocked ??= new HashSet<string>(StringComparer.Ordinal)).Add(group);
                    }

                    continue;
                }

                picks.Add(new Pick(seq, slot, cache.Get(slot.Position)));
                cache.Release(slot.Position);
            }

            if (picks.Count > 0)
            {
                var received = new (long, int)[picks.Count];
                var attempt = new (long, int, long)[picks.Count];
                for (var i = 0; i < picks.Count; i++)
                {
                    received[i] = (picks[i].Seq, picks[i].Slot.ReceiveCount);
                    attempt[i] = (picks[i].Seq, picks[i].Slot.ReceiveCount, picks[i].Slot.DueAtMs);
                }

                _ = Log.Append(RecordType.Received, RecordCodec.EncodeReceived(now, received));
                if (attemptId is not null)
                {
                    state.RememberAttempt(attemptId, new FifoState.ReceiveAttempt(now, attempt));
                }
            }

            LogExpired(expired);

            if (picks.Count == 0 && moves is null)
            {
                arrival ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                signal = arrival.Task;
            }

            return [.. picks];
        }
    }

    /// <summary>
    /// A FIFO receive finds its messages by walking the index, so nothing dequeues the ring of visible messages (which
    /// only a redrive out of this queue reads, skipping stale entries). Rebuilt in sequence order once mostly stale, so it
    /// stays within twice the visible count. Under the lock.
    /// </summary>
    private void CompactVisibleRing()
    {
        if (visible.Count <= (2 * visibleCount) + 4096)
        {
            return;
        }

        visible.Clear();
        for (var seq = table.Head; seq < table.End; seq = table.Next(seq))
        {
            if (table[seq].State == SlotState.Visible)
            {
                visible.Enqueue(seq);
            }
        }
    }

    /// <summary>
    /// A retried receive within 5 minutes: the same messages and receipt handles, with their visibility timeout
    /// restarted, provided every one is still in flight from that receive (not deleted, not changed, not timed out).
    /// Null when the attempt is unknown, expired or no longer valid; a new receive then takes its place.
    /// </summary>
    private Pick[]? TryReplayAttempt(string attemptId, long visibilityMs)
    {
        lock (gate)
        {
            var now = Now();
            PromoteDue(now);
            if (!fifo!.TryGetAttempt(attemptId, now, out var attempt))
            {
                return null;
            }

            foreach (var (seq, receiveCount, dueAtMs) in attempt.Messages)
            {
                if (!table.Contains(seq) || table[seq].State != SlotState.InFlight
                    || table[seq].ReceiveCount != receiveCount || table[seq].DueAtMs != dueAtMs)
                {
                    fifo.ForgetAttempt(attemptId);
                    return null;
                }
            }

            var picks = new Pick[attempt.Messages.Length];
            for (var i = 0; i < picks.Length; i++)
            {
                var seq = attempt.Messages[i].Seq;
                ref var slot = ref table[seq];
                ArmTimer(seq, ref slot, now + visibilityMs);
                attempt.Messages[i].DueAtMs = slot.DueAtMs;
                picks[i] = new Pick(seq, slot, cache.Get(slot.Position));
            }

            return picks;
        }
    }
}
