using Spillway.Messaging.Internal;
using Spillway.Storage;

namespace Spillway.Messaging;

public sealed partial class MessageQueue
{
    private const int MoveChunk = 1000;

    /// <summary>Looks at up to <paramref name="maxMessages"/> messages, oldest first, without receiving them.</summary>
    public IReadOnlyList<PeekedMessage> Peek(int maxMessages)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessages, 1);
        var picks = new List<Pick>();
        lock (gate)
        {
            PromoteDue(Now());
            for (var seq = table.Head; seq < table.End && picks.Count < maxMessages; seq = table.Next(seq))
            {
                ref var slot = ref table[seq];
                if (slot.IsLive && slot.State != SlotState.Moving)
                {
                    picks.Add(new Pick(seq, slot, cache.Get(slot.Position)));
                }
            }
        }

        var array = LoadEntries(picks.ToArray());
        var result = new PeekedMessage[array.Length];
        for (var i = 0; i < array.Length; i++)
        {
            var entry = RecordCodec.ReadEntry(array[i].EntryMemory);
            result[i] = new PeekedMessage(
                entry.Id, entry.Body, array[i].Slot.ReceiveCount, DateTimeOffset.FromUnixTimeMilliseconds(entry.SentAtMs));
        }

        return result;
    }

    /// <summary>Deletes every message in the queue; durable before this completes.</summary>
    public async ValueTask PurgeAsync(CancellationToken cancellationToken = default)
    {
        Task durable;
        lock (gate)
        {
            for (var seq = table.Head; seq < table.End; seq = table.Next(seq))
            {
                ref var slot = ref table[seq];
                if (slot.State is not (SlotState.Deleted or SlotState.Empty or SlotState.Moving))
                {
                    SetState(ref slot, SlotState.Deleted);
                }
            }

            visible.Clear();
            cache.Clear();
            durable = Log.Append(RecordType.Purge, RecordCodec.EncodePurge(nextSeq)).Durable;
            ReleaseDeadSegments();
        }

        await durable.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Approximate counts.</summary>
    public QueueCounts GetCounts()
    {
        lock (gate)
        {
            var now = Now();
            PromoteDue(now);
            List<long>? expired = null;
            ExpireDue(now, ref expired);
            LogExpired(expired);

            var oldestMs = OldestMovedInSentMs();
            for (var seq = table.Head; seq < table.End; seq = table.Next(seq))
            {
                ref var slot = ref table[seq];
                if (slot.IsLive)
                {
                    oldestMs = Math.Min(oldestMs, slot.SentAtMs);
                    break;
                }
            }

            var oldest = oldestMs == long.MaxValue ? (DateTimeOffset?)null : DateTimeOffset.FromUnixTimeMilliseconds(oldestMs);
            return new QueueCounts(visibleCount, inFlightCount, delayedCount, oldest);
        }
    }

    /// <summary>
    /// Moves messages past the receive limit to the dead-letter queue: durable there first, then deleted here (durably),
    /// so a crash in between leaves a copy in both queues rather than in neither.
    /// </summary>
    private async ValueTask<int> DeadLetterAsync(MessageQueue deadLetterQueue, List<long> seqs)
    {
        var now = Now();
        var (moved, _) = await MoveAsync(seqs, _ => deadLetterQueue, entry =>
        {
            entry.SourceQueue = Name;
            entry.VisibleAtMs = now;
            return entry;
        }).ConfigureAwait(false);
        CountDeadLettered(moved);
        return moved;
    }

    /// <summary>
    /// Moves up to <paramref name="maxMessages"/> visible messages of this (dead-letter) queue;
    /// see <see cref="QueueEngine.RedriveAsync"/>.
    /// </summary>
    internal async ValueTask<int> RedriveAsync(string? destinationQueue, int maxMessages, CancellationToken cancellationToken)
    {
        var moved = 0;
        while (moved < maxMessages)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var chunk = await RedriveChunkAsync(destinationQueue, Math.Min(MoveChunk, maxMessages - moved)).ConfigureAwait(false);
            moved += chunk.Moved;
            if (chunk.Moved == 0)
            {
                break;
            }
        }

        return moved;
    }

    /// <summary>
    /// Copies the given <see cref="SlotState.Moving"/> messages to the queue <paramref name="route"/> names for each
    /// (durably), then deletes the copied ones here (durably). Messages without a destination, or whose copy failed, are
    /// made visible again. Returns how many moved and which did not.
    /// </summary>
    private async ValueTask<(int Moved, List<long> NotMoved)> MoveAsync(
        List<long> seqs, Func<EntryData, MessageQueue?> route, Func<EntryData, EntryData> reshape)
    {
        Pick[] picks;
        lock (gate)
        {
            picks = [.. seqs.Select(seq => new Pick(seq, table[seq], cache.Get(table[seq].Position)))];
        }

        var read = LoadEntries(picks);
        var groups = new Dictionary<MessageQueue, List<(long Seq, EntryData Entry)>>();
        var notMoved = seqs.Except(read.Select(p => p.Seq)).ToList(); // cannot happen to a moving message; kept safe
        picks = read;
        foreach (var pick in picks)
        {
            var entry = RecordCodec.ReadEntry(pick.EntryMemory);
            entry.ReceiveCount = pick.Slot.ReceiveCount;
            var target = route(entry);
            if (target is null)
            {
                notMoved.Add(pick.Seq);
                continue;
            }

            if (!groups.TryGetValue(target, out var list))
            {
                groups[target] = list = [];
            }

            list.Add((pick.Seq, reshape(entry)));
        }

        var copied = new List<long>();
        foreach (var (target, list) in groups)
        {
            try
            {
                await target.AppendMovedAsync([.. list.Select(x => x.Entry)]).ConfigureAwait(false);
                copied.AddRange(list.Select(x => x.Seq));
            }
            catch (Exception ex) when (ex is StorageFullException or ObjectDisposedException)
            {
                notMoved.AddRange(list.Select(x => x.Seq));
            }
        }

        Task durable = Task.CompletedTask;
        lock (gate)
        {
            foreach (var seq in notMoved)
            {
                if (table.Contains(seq) && table[seq].State == SlotState.Moving)
                {
                    MakeVisible(seq, ref table[seq]);
                }
            }

            if (copied.Count > 0)
            {
                foreach (var seq in copied)
                {
                    SetState(ref table[seq], SlotState.Deleted);
                }

                durable = Log.Append(RecordType.Delete, RecordCodec.EncodeSeqList(copied.ToArray())).Durable;
                ReleaseDeadSegments();
            }
        }

        await durable.ConfigureAwait(false);
        return (copied.Count, notMoved);
    }

    /// <summary>
    /// Trims the index past dead messages and asks the log to delete every segment before the oldest live message (and
    /// starts a compaction when the oldest segments are mostly dead).
    /// Idempotency keys whose send record would go with those segments are first carried forward in a checkpoint
    /// record, so they survive a restart for their full 24 hours. Called under the lock.
    /// </summary>
    private void ReleaseDeadSegments(bool force = false)
    {
        table.TrimHead();
        var low = LowestLivePosition();
        if (fifo is not null)
        {
            // FIFO deduplication ids outlive their messages by up to 5 minutes and are rebuilt from the send records.
            low = Math.Min(low, fifo.RetainFrom(Now()));
        }

        MaybeStartCompaction();
        if (low - releasedBefore < (force ? 1 : releaseStep))
        {
            return;
        }

        if (keyFloor < low)
        {
            CheckpointKeys(low);
        }

        Log.DeleteSegmentsBefore(low);
        releasedBefore = low;
    }

    private void CheckpointKeys(long low)
    {
        var now = Now();
        var carried = new List<(string, long, SentMessage[])>();
        var moving = new List<KeyEntry>();
        foreach (var (key, entry) in keys)
        {
            if (entry.Position < low && now - entry.SentAtMs < KeyLifetimeMs)
            {
                carried.Add((key, entry.SentAtMs, entry.Messages));
                moving.Add(entry);
            }
        }

        if (carried.Count == 0)
        {
            keyFloor = low;
            return;
        }

        var position = Log.Append(RecordType.KeyCheckpoint, RecordCodec.EncodeKeyCheckpoint(carried)).Position;
        foreach (var entry in moving)
        {
            entry.Position = position;
        }

        keyFloor = low;
    }
}
