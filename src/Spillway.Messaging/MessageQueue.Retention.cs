using System.Runtime.InteropServices;
using Spillway.Messaging.Internal;

namespace Spillway.Messaging;

/// <summary>
/// Retention: a message older than the queue's MessageRetentionPeriod is deleted wherever it sits. Messages sent here
/// are in sent-time order along their sequence numbers, so a walk from the oldest finds the expired ones and stops at
/// the first that is not; the walk's cursor only moves forward, so a long-lived message at the head costs nothing per
/// call. Messages moved in from another queue keep their original sent time (as in SQS) and may be older than those
/// before them: they wait in a heap ordered by sent time instead, and the walk steps over them.
/// </summary>
public sealed partial class MessageQueue
{
    /// <summary>Sends that raced each other may be this far out of order and still count as in order.</summary>
    private const long SentOrderToleranceMs = 1000;

    private readonly PriorityQueue<long, long> expiryHeap = new();
    private long expirySeq;

    /// <summary>Under the lock: deletes every message past the retention period, adding it to <paramref name="expired"/>.</summary>
    private void ExpireDue(long now, ref List<long>? expired)
    {
        var retentionMs = (long)Definition.MessageRetentionPeriod.TotalMilliseconds;
        for (expirySeq = Math.Max(expirySeq, table.Head); expirySeq < table.End; expirySeq = table.Next(expirySeq))
        {
            ref var slot = ref table[expirySeq];
            if (slot.State is SlotState.Deleted or SlotState.Empty || (slot.Flags & SlotFlags.ExpiryTracked) != 0)
            {
                continue;
            }

            if (slot.State is SlotState.Pending or SlotState.Moving || now - slot.SentAtMs < retentionMs)
            {
                break;
            }

            SetState(ref slot, SlotState.Deleted);
            (expired ??= []).Add(expirySeq);
        }

        List<long>? later = null;
        while (expiryHeap.TryPeek(out var seq, out var sentAtMs) && now - sentAtMs >= retentionMs)
        {
            expiryHeap.Dequeue();
            if (table.IsGone(seq))
            {
                continue;
            }

            ref var slot = ref table[seq];
            if (slot.State is SlotState.Pending or SlotState.Moving)
            {
                (later ??= []).Add(seq); // not durable yet, or being moved: decided once that is over
                continue;
            }

            SetState(ref slot, SlotState.Deleted);
            (expired ??= []).Add(seq);
        }

        foreach (var seq in later ?? [])
        {
            expiryHeap.Enqueue(seq, table[seq].SentAtMs);
        }
    }

    /// <summary>
    /// Under the lock: logs the deletion of the messages found expired, not awaited (one found again after a crash is
    /// past its retention period still, and expires again).
    /// </summary>
    private void LogExpired(List<long>? expired)
    {
        if (expired is not null)
        {
            _ = Log.Append(RecordType.Delete, RecordCodec.EncodeSeqList(CollectionsMarshal.AsSpan(expired)));
            ReleaseDeadSegments();
        }
    }

    /// <summary>Messages retention finds through the expiry heap rather than the walk from the head. For tests.</summary>
    internal int ExpiryTrackedCount
    {
        get
        {
            lock (gate)
            {
                return expiryHeap.Count;
            }
        }
    }

    /// <summary>Under the lock: the sent time of the oldest live message the expiry heap holds; long.MaxValue when none.</summary>
    private long OldestMovedInSentMs()
    {
        while (expiryHeap.TryPeek(out var seq, out var sentAtMs))
        {
            if (table.Contains(seq) && table[seq].IsLive)
            {
                return sentAtMs;
            }

            expiryHeap.Dequeue();
        }

        return long.MaxValue;
    }

    /// <summary>Under the lock: messages just moved in from another queue; retention finds them through the heap.</summary>
    private void TrackMovedIn(long firstSeq, int count)
    {
        for (var seq = firstSeq; seq < firstSeq + count; seq++)
        {
            if (!table.IsGone(seq))
            {
                ref var slot = ref table[seq];
                slot.Flags |= SlotFlags.ExpiryTracked;
                expiryHeap.Enqueue(seq, slot.SentAtMs);
            }
        }
    }

    /// <summary>Recovery, in sequence order over live messages: one older than a message before it goes to the heap.</summary>
    private void TrackExpiryAtRecovery(long seq, ref MessageSlot slot, ref long newestSentMs)
    {
        // Added on the left: newestSentMs starts at long.MinValue, which a subtraction would wrap to a huge value, sending
        // every message to the heap.
        if (slot.SentAtMs + SentOrderToleranceMs < newestSentMs)
        {
            slot.Flags |= SlotFlags.ExpiryTracked;
            expiryHeap.Enqueue(seq, slot.SentAtMs);
        }
        else
        {
            newestSentMs = Math.Max(newestSentMs, slot.SentAtMs);
        }
    }
}
