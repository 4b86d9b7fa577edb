using System.Runtime.CompilerServices;
using Spillway.Messaging.Internal;
using Spillway.Storage;

namespace Spillway.Messaging;

public sealed partial class MessageQueue
{
    // A coalesced read stays below the large-object threshold (85,000 bytes): received bodies are slices of its buffer,
    // and a buffer in the large-object heap is only reclaimed by a full collection, which a backlog drained at
    // hundreds of thousands of messages a second would then trigger over and over.
    private const int ReadWindowBytes = 80 * 1024;
    private const int ReadGapBytes = 16 * 1024;

    /// <summary>Receives up to <see cref="ReceiveOptions.MaxMessages"/> visible messages, long-polling when asked.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<IReadOnlyList<ReceivedMessage>> ReceiveAsync(
        ReceiveOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.MaxMessages is < 1 or > DefinitionRules.MaxReceiveBatch)
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"MaxMessages must be 1-{DefinitionRules.MaxReceiveBatch}.");
        }

        var visibility = options.VisibilityTimeout ?? Definition.VisibilityTimeout;
        DefinitionRules.Range(visibility, TimeSpan.Zero, QueueLimits.MaxVisibilityTimeout, nameof(ReceiveOptions.VisibilityTimeout));
        var wait = options.WaitTime ?? Definition.ReceiveMessageWaitTime;
        DefinitionRules.Range(wait, TimeSpan.Zero, QueueLimits.MaxWaitTime, nameof(ReceiveOptions.WaitTime));
        var deadline = Now() + (long)wait.TotalMilliseconds;
        var deadLetterQueue = ResolveDeadLetterQueue();
        var attemptId = fifo is null ? null : options.ReceiveRequestAttemptId;
        if (attemptId is not null)
        {
            if (!FifoRules.IsValidId(attemptId))
            {
                throw new ArgumentException(
                    $"ReceiveRequestAttemptId must be 1-{FifoRules.MaxIdLength} ASCII letters, digits or punctuation.", nameof(options));
            }

            if (TryReplayAttempt(attemptId, (long)visibility.TotalMilliseconds) is { } replayed)
            {
                return Materialize(LoadEntries(replayed));
            }
        }

        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var picks = fifo is null
                ? TakeVisible(
                    options.MaxMessages, (long)visibility.TotalMilliseconds, deadLetterQueue, out var moves, out var signal, out var nextDue)
                : TakeFifo(
                    options.MaxMessages, (long)visibility.TotalMilliseconds, deadLetterQueue, attemptId, out moves, out signal, out nextDue);
            var moved = 0;
            if (moves is not null)
            {
                moved = await DeadLetterAsync(deadLetterQueue!, moves).ConfigureAwait(false);
            }

            if (picks.Length > 0)
            {
                var loaded = LoadEntries(picks);
                CountReceived(loaded.Length);
                return Materialize(loaded);
            }

            var now = Now();
            if (moved > 0 && now < deadline)
            {
                continue; // the dead-lettered ones made room: look again (a failed move must not spin)
            }

            if (now >= deadline || signal is null)
            {
                return [];
            }

            try
            {
                // One timer and one registration per wait: under load a consumer waits here once per group commit.
                await signal.WaitAsync(TimeSpan.FromMilliseconds(Math.Max(1, Math.Min(deadline, nextDue) - now)), time, cancellationToken)
                    .ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // the wait is over or a timer is due: look again
            }
        }
    }

    /// <summary>
    /// Deletes messages by receipt handle; the deletion is durable before this completes. Returns, per handle, whether
    /// it named a message that is now deleted (a stale handle of a message already deleted counts as deleted, as in SQS).
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<IReadOnlyList<bool>> DeleteBatchAsync(
        IReadOnlyList<string> receiptHandles, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(receiptHandles);
        var results = new bool[receiptHandles.Count];
        if (results.Length == 0)
        {
            return results;
        }

        var seqs = new long[results.Length];
        var deleted = 0;
        Task durable;
        lock (gate)
        {
            for (var i = 0; i < results.Length; i++)
            {
                if (!ReceiptHandle.TryDecode(receiptHandles[i], out var handleIncarnation, out var seq, out var receiveCount))
                {
                    continue;
                }

                if (table.IsGone(seq))
                {
                    results[i] = seq < nextSeq;
                    continue;
                }

                ref var slot = ref table[seq];
                if (handleIncarnation == incarnation && slot.ReceiveCount == receiveCount
                    && slot.State is SlotState.InFlight or SlotState.Visible)
                {
                    SetState(ref slot, SlotState.Deleted);
                    seqs[deleted++] = seq;
                    results[i] = true;
                }
            }

            durable = deleted > 0
                ? Log.Append(RecordType.Delete, RecordCodec.EncodeSeqList(seqs.AsSpan(0, deleted))).Durable
                : Log.FlushAsync();
            if (deleted > 0)
            {
                ReleaseDeadSegments();
                if (fifo is not null)
                {
                    SignalArrival(); // a deleted FIFO message may unblock its group for a long-poller
                }
            }
        }

        await durable.WaitAsync(cancellationToken).ConfigureAwait(false);
        CountDeleted(deleted);
        return results;
    }

    /// <summary>
    /// Sets a received message's remaining visibility timeout. False when the handle's message is not in flight. A handle
    /// of an earlier receive of a message received again changes it too when <paramref name="acceptEarlierReceive"/> is
    /// true, as SQS's ChangeMessageVisibility does; otherwise only the latest receive's handle does.
    /// </summary>
    public bool ChangeVisibility(string receiptHandle, TimeSpan visibilityTimeout, bool acceptEarlierReceive = false)
    {
        DefinitionRules.Range(visibilityTimeout, TimeSpan.Zero, QueueLimits.MaxVisibilityTimeout, nameof(visibilityTimeout));
        if (!ReceiptHandle.TryDecode(receiptHandle, out var handleIncarnation, out var seq, out var receiveCount)
            || handleIncarnation != incarnation)
        {
            return false;
        }

        lock (gate)
        {
            var now = Now();
            PromoteDue(now);
            if (!table.Contains(seq))
            {
                return false;
            }

            ref var slot = ref table[seq];
            if (slot.State != SlotState.InFlight || (acceptEarlierReceive ? slot.ReceiveCount < receiveCount : slot.ReceiveCount != receiveCount))
            {
                return false;
            }

            if (visibilityTimeout == TimeSpan.Zero)
            {
                MakeVisible(seq, ref slot);
                SignalArrival();
            }
            else
            {
                ArmTimer(seq, ref slot, now + (long)visibilityTimeout.TotalMilliseconds);
            }

            return true;
        }
    }

    private MessageQueue? ResolveDeadLetterQueue() =>
        Definition.RedrivePolicy is { } policy && engine.TryGetQueue(policy.DeadLetterQueue, out var queue) ? queue : null;

    /// <summary>
    /// Takes up to <paramref name="max"/> visible messages and puts them in flight, under one lock. Messages past the
    /// redrive policy's receive count are set aside for the dead-letter queue instead. When nothing is visible, hands
    /// out a task that completes when a message arrives.
    /// </summary>
    private Pick[] TakeVisible(
        int max, long visibilityMs, MessageQueue? deadLetterQueue, out List<long>? moves, out Task? signal, out long nextDue)
    {
        moves = null;
        signal = null;
        List<long>? expired = null;
        lock (gate)
        {
            var now = Now();
            nextDue = PromoteDue(now);
            ExpireDue(now, ref expired);
            var take = (int)Math.Min(max, visibleCount);
            var picks = take == 0 ? [] : new Pick[take];
            var received = take == 0 ? [] : new (long, int)[take];
            var count = 0;
            var retentionMs = (long)Definition.MessageRetentionPeriod.TotalMilliseconds;
            var maxReceives = deadLetterQueue is null ? int.MaxValue : Definition.RedrivePolicy?.MaxReceiveCount ?? int.MaxValue;
            while (count < take && visible.Count > 0)
            {
                var seq = visible.Dequeue();
                if (!table.Contains(seq))
                {
                    continue;
                }

                ref var slot = ref table[seq];
                if (slot.State != SlotState.Visible)
                {
                    continue;
                }

                if (!TryClaim(seq, ref slot, now, retentionMs, maxReceives, visibilityMs, ref expired, ref moves))
                {
                    continue;
                }

                picks[count] = new Pick(seq, slot, cache.Get(slot.Position));
                cache.Release(slot.Position);
                received[count] = (seq, slot.ReceiveCount);
                count++;
            }

            if (count > 0)
            {
                // Receive counts are bookkeeping: not awaited, flushed with the next group, so the dead-letter cutoff
                // survives a restart approximately at no cost to the receive.
                _ = Log.Append(RecordType.Received, RecordCodec.EncodeReceived(now, received.AsSpan(0, count)));
            }

            LogExpired(expired);

            if (count == 0 && moves is null)
            {
                arrival ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                signal = arrival.Task;
            }

            return count == picks.Length ? picks : picks[..count];
        }
    }

    /// <summary>
    /// Under the lock, for a visible message about to be received: one past the retention period is deleted, one past
    /// the redrive policy's receive count is set aside for the dead-letter queue, any other is put in flight (true).
    /// </summary>
    private bool TryClaim(
        long seq, ref MessageSlot slot, long now, long retentionMs, int maxReceives, long visibilityMs,
        ref List<long>? expired, ref List<long>? moves)
    {
        if (now - slot.SentAtMs >= retentionMs)
        {
            SetState(ref slot, SlotState.Deleted);
            (expired ??= []).Add(seq);
            return false;
        }

        if (slot.ReceiveCount >= maxReceives)
        {
            SetState(ref slot, SlotState.Moving);
            (moves ??= []).Add(seq);
            return false;
        }

        slot.ReceiveCount++;
        slot.FirstReceiveMs = slot.FirstReceiveMs == 0 ? now : slot.FirstReceiveMs;
        SetState(ref slot, SlotState.InFlight);
        ArmTimer(seq, ref slot, now + visibilityMs);
        return true;
    }

    /// <summary>
    /// Reads the entries not in the body cache from the log. A read may find its segment deleted because compaction
    /// copied the message forward since it was picked: the picks are then pointed at the copies and read again. Returns
    /// the picks, without any whose message was deleted meanwhile (so its entry may be gone).
    /// </summary>
    private Pick[] LoadEntries(Pick[] picks)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                ReadMisses(picks);
                return picks;
            }
            catch (Exception ex) when (attempt < 3 && ex is IOException or InvalidOperationException or ObjectDisposedException)
            {
                if (!Reresolve(ref picks))
                {
                    throw;
                }
            }
        }
    }

    /// <summary>Under the lock: points picks at where their messages are now; false when none moved or died.</summary>
    private bool Reresolve(ref Pick[] picks)
    {
        var changed = false;
        var kept = new List<Pick>(picks.Length);
        lock (gate)
        {
            foreach (var pick in picks)
            {
                if (table.IsGone(pick.Seq))
                {
                    changed = true;
                    continue;
                }

                ref var slot = ref table[pick.Seq];
                var current = pick;
                if (slot.Position != pick.Slot.Position || slot.EntryOffset != pick.Slot.EntryOffset)
                {
                    current.Slot.Position = slot.Position;
                    current.Slot.EntryOffset = slot.EntryOffset;
                    current.Slot.EntryLength = slot.EntryLength;
                    current.Payload = cache.Get(slot.Position);
                    current.Entry = default;
                    changed = true;
                }

                kept.Add(current);
            }
        }

        picks = [.. kept];
        return changed;
    }

    /// <summary>Reads the entries not in the body cache from the log, coalescing neighbours into one read.</summary>
    private void ReadMisses(Pick[] picks)
    {
        List<int>? misses = null;
        for (var i = 0; i < picks.Length; i++)
        {
            if (picks[i].Payload is null)
            {
                (misses ??= []).Add(i);
            }
        }

        if (misses is null)
        {
            return;
        }

        misses.Sort((a, b) => EntryStart(picks[a]).CompareTo(EntryStart(picks[b])));
        var first = 0;
        while (first < misses.Count)
        {
            var start = EntryStart(picks[misses[first]]);
            var end = start + picks[misses[first]].Slot.EntryLength;
            var last = first + 1;
            while (last < misses.Count)
            {
                var next = picks[misses[last]];
                var nextStart = EntryStart(next);
                var nextEnd = nextStart + next.Slot.EntryLength;
                if (nextStart - end > ReadGapBytes || Math.Max(end, nextEnd) - start > ReadWindowBytes)
                {
                    break;
                }

                end = Math.Max(end, nextEnd);
                last++;
            }

            var buffer = GC.AllocateUninitializedArray<byte>((int)(end - start));
            Log.Read(start, buffer);
            for (var k = first; k < last; k++)
            {
                ref var pick = ref picks[misses[k]];
                pick.Entry = buffer.AsMemory((int)(EntryStart(pick) - start), pick.Slot.EntryLength);
            }

            first = last;
        }
    }

    private static long EntryStart(in Pick pick) => pick.Slot.Position + SegmentLog.RecordOverhead + pick.Slot.EntryOffset;

    private ReceivedMessage[] Materialize(Pick[] picks)
    {
        var messages = new ReceivedMessage[picks.Length];
        for (var i = 0; i < picks.Length; i++)
        {
            ref readonly var pick = ref picks[i];
            var entry = RecordCodec.ReadEntry(pick.EntryMemory);
            messages[i] = new ReceivedMessage(
                entry.Id,
                ReceiptHandle.Encode(incarnation, pick.Seq, pick.Slot.ReceiveCount),
                entry.Body,
                pick.Slot.ReceiveCount,
                DateTimeOffset.FromUnixTimeMilliseconds(entry.SentAtMs),
                DateTimeOffset.FromUnixTimeMilliseconds(pick.Slot.FirstReceiveMs),
                pick.Seq)
            {
                Attributes = entry.Attributes ?? (IReadOnlyDictionary<string, MessageAttributeValue>)
                    System.Collections.ObjectModel.ReadOnlyDictionary<string, MessageAttributeValue>.Empty,
                MessageGroupId = entry.GroupId,
                MessageDeduplicationId = entry.DeduplicationId,
            };
        }

        return messages;
    }

    /// <summary>A message taken under the lock: a copy of its slot and its record payload when cached.</summary>
    private struct Pick(long seq, MessageSlot slot, byte[]? payload)
    {
        public readonly long Seq = seq;
        public MessageSlot Slot = slot;
        public byte[]? Payload = payload;
        public ReadOnlyMemory<byte> Entry;

        public readonly ReadOnlyMemory<byte> EntryMemory =>
            Payload is not null ? Payload.AsMemory(Slot.EntryOffset, Slot.EntryLength) : Entry;
    }
}
