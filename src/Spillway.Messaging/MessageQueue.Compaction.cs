using Spillway.Messaging.Internal;
using Spillway.Storage;

namespace Spillway.Messaging;

/// <summary>
/// Compaction: when the live messages of a run of the oldest closed segments take less than
/// <see cref="QueueEngineOptions.CompactionThreshold"/> of their bytes, they are copied forward to the end of the log in
/// relocation records and the old segments are deleted like any fully dead prefix. Only a prefix is ever compacted, so
/// every delete, receive-count or purge record inside it refers to messages in the prefix itself or in segments already
/// gone, and dropping it cannot bring a deleted message back. Each step is crash-safe: until the relocation records are
/// durable the old segments are untouched; afterwards both copies replay to the same sequence numbers (the later one
/// wins), and the old segments go only once the index points at the copies.
/// </summary>
public sealed partial class MessageQueue
{
    /// <summary>Largest relocation record: small enough that building one under the queue lock costs little.</summary>
    private const int RelocationChunkBytes = 1024 * 1024;

    // Live relocated messages per relocation record position, the positions oldest first: the oldest with any live
    // message bounds what may be deleted, as the head's send record does for the rest.
    private readonly Dictionary<long, int> relocatedLive = [];
    private readonly Queue<long> relocationOrder = new();

    // Sequence number of the first message that is live and not relocated: its send record's position only grows.
    private long lowSeq;
    private long lastCompactionCheck;
    private bool compacting;
    private Task compaction = Task.CompletedTask;

    /// <summary>Chunks of index slots the queue holds in memory. For tests.</summary>
    internal int IndexChunks => table.HeldChunks;

    /// <summary>Runs a compaction check now, whatever was appended since the last one, and waits for it. For tests.</summary>
    internal async Task CompactNowAsync()
    {
        await compaction.ConfigureAwait(false);
        lock (gate)
        {
            ReleaseDeadSegments(force: true);
            lastCompactionCheck = long.MinValue / 2;
            MaybeStartCompaction(asked: true);
        }

        await compaction.ConfigureAwait(false);
    }

    /// <summary>Under the lock: the lowest log position that still holds a live message (or where the next one goes).</summary>
    private long LowestLivePosition()
    {
        lowSeq = Math.Max(lowSeq, table.Head);
        while (lowSeq < table.End)
        {
            ref var slot = ref table[lowSeq];
            if (slot.State is not (SlotState.Deleted or SlotState.Empty) && (slot.Flags & SlotFlags.Relocated) == 0)
            {
                break;
            }

            lowSeq = table.Next(lowSeq);
        }

        var low = lowSeq < table.End ? table[lowSeq].Position : Log.AppendedPosition;
        while (relocationOrder.TryPeek(out var oldest))
        {
            if (relocatedLive.GetValueOrDefault(oldest) > 0)
            {
                return Math.Min(low, oldest);
            }

            relocationOrder.Dequeue();
            relocatedLive.Remove(oldest);
        }

        return low;
    }

    /// <summary>A relocated message died: its relocation record holds one live message fewer.</summary>
    private void ReleaseRelocated(long position)
    {
        if (relocatedLive.TryGetValue(position, out var live))
        {
            relocatedLive[position] = live - 1;
        }
    }

    private void CountRelocated(long position)
    {
        if (relocatedLive.TryGetValue(position, out var live))
        {
            relocatedLive[position] = live + 1;
        }
        else
        {
            relocatedLive[position] = 1;
            relocationOrder.Enqueue(position);
        }
    }

    /// <summary>
    /// Under the lock, at most once per half segment appended: measures the live bytes of the closed segments and, when a
    /// prefix of them is live below the threshold, starts copying its live messages forward in the background.
    /// </summary>
    private void MaybeStartCompaction(bool asked = false)
    {
        if (compacting || Log.AppendedPosition - lastCompactionCheck < engine.Options.SegmentSize / 2)
        {
            return;
        }

        lastCompactionCheck = Log.AppendedPosition;

        // The index's counterpart of compaction: chunks of dead slots behind a long-lived head go as well, and so do the
        // FIFO group names of dead messages.
        table.ReleaseDeadChunks();
        fifo?.PruneDeadGroups(table.IsGone);
        var threshold = engine.Options.CompactionThreshold;
        if (threshold <= 0 || !(asked || engine.Options.CompactAutomatically))
        {
            return;
        }

        var closed = Log.ClosedSegments;
        if (closed.Count == 0)
        {
            return;
        }

        var live = new long[closed.Count];
        var closedEnd = closed[^1].End;
        for (var seq = table.Head; seq < table.End; seq = table.Next(seq))
        {
            ref var slot = ref table[seq];
            if (slot.State is SlotState.Deleted or SlotState.Empty)
            {
                continue;
            }

            if (slot.Position >= closedEnd)
            {
                // Unrelocated live messages lie in sequence order, and a relocated one after them lies later still.
                if ((slot.Flags & SlotFlags.Relocated) == 0)
                {
                    break;
                }

                continue;
            }

            live[FindSegment(closed, slot.Position)] += slot.EntryLength + RelocationCodec.ItemOverhead;
        }

        // FIFO deduplication ids are rebuilt from send records of the last 5 minutes: those segments stay as they are.
        var limit = fifo is null ? closedEnd : Math.Min(closedEnd, fifo.RetainFrom(Now()));
        long prefixLive = 0, prefixBytes = 0, prefixEnd = -1;
        for (var i = 0; i < closed.Count && closed[i].End <= limit; i++)
        {
            prefixLive += live[i];
            prefixBytes += closed[i].Length;
            if (prefixLive > engine.Options.SegmentSize)
            {
                break; // one segment's worth of copying per round; the next round takes the rest
            }

            if (prefixLive < threshold * prefixBytes && prefixLive > 0)
            {
                prefixEnd = closed[i].End;
            }
        }

        if (prefixEnd < 0)
        {
            return;
        }

        var moving = new List<Pick>();
        for (var seq = table.Head; seq < table.End; seq = table.Next(seq))
        {
            ref var slot = ref table[seq];
            if (slot.State is SlotState.Deleted or SlotState.Empty)
            {
                continue;
            }

            if (slot.Position < prefixEnd)
            {
                moving.Add(new Pick(seq, slot, cache.Get(slot.Position)));
            }
            else if ((slot.Flags & SlotFlags.Relocated) == 0)
            {
                break;
            }
        }

        compacting = true;
        compaction = Task.Run(() => CompactAsync([.. moving]));
    }

    private static int FindSegment(IReadOnlyList<SegmentInfo> segments, long position)
    {
        int low = 0, high = segments.Count - 1;
        while (low < high)
        {
            var mid = (low + high + 1) >>> 1;
            if (segments[mid].Base <= position)
            {
                low = mid;
            }
            else
            {
                high = mid - 1;
            }
        }

        return low;
    }

    /// <summary>
    /// Copies the messages forward in relocation records, waits until they are durable, then points the index at the
    /// copies and lets the old segments go. A failure (the log stopped, a segment went away) changes nothing in the index.
    /// </summary>
    private async Task CompactAsync(Pick[] picks)
    {
        var relocated = new List<(long Seq, long OldPosition, int OldOffset, long NewPosition, int NewOffset)>();
        var applied = false;
        try
        {
            picks = LoadEntries(picks);
            var durable = new List<Task>();
            var index = 0;
            while (index < picks.Length)
            {
                var end = index;
                long bytes = 0;
                while (end < picks.Length && (end == index || bytes + picks[end].Slot.EntryLength <= RelocationChunkBytes))
                {
                    bytes += picks[end].Slot.EntryLength;
                    end++;
                }

                lock (gate)
                {
                    if (AppendRelocation(picks.AsSpan(index, end - index), relocated) is { } written)
                    {
                        durable.Add(written);
                    }
                }

                index = end;
            }

            await Task.WhenAll(durable).ConfigureAwait(false);
            lock (gate)
            {
                foreach (var (seq, oldPosition, oldOffset, newPosition, newOffset) in relocated)
                {
                    if (!table.Contains(seq))
                    {
                        continue;
                    }

                    ref var slot = ref table[seq];
                    if (slot.State is SlotState.Deleted or SlotState.Empty || slot.Position != oldPosition || slot.EntryOffset != oldOffset)
                    {
                        continue; // deleted meanwhile: its copy is dead weight that the next compaction drops
                    }

                    if ((slot.Flags & SlotFlags.Relocated) != 0)
                    {
                        ReleaseRelocated(slot.Position);
                    }

                    slot.Position = newPosition;
                    slot.EntryOffset = newOffset;
                    slot.Flags |= SlotFlags.Relocated;
                    CountRelocated(newPosition);
                }

                compacting = false;
                applied = true;
                lastCompactionCheck = long.MinValue / 2; // more may be waiting: look again at the next release
                ReleaseDeadSegments(force: true);
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException)
        {
            // The log stopped (fail-stop) or closed, or a segment was deleted under the read: the index still points at
            // the originals, which stay until their messages die. A stopped log is reported by every later append.
        }
        finally
        {
            if (!applied)
            {
                lock (gate)
                {
                    compacting = false;
                }
            }
        }
    }

    /// <summary>
    /// Under the lock: appends one relocation record holding those of <paramref name="picks"/> still live where they
    /// were read; returns its durability task, or null when none is left.
    /// </summary>
    private Task? AppendRelocation(
        ReadOnlySpan<Pick> picks, List<(long Seq, long OldPosition, int OldOffset, long NewPosition, int NewOffset)> relocated)
    {
        var keep = new List<int>(picks.Length);
        long bytes = 0;
        for (var i = 0; i < picks.Length; i++)
        {
            var seq = picks[i].Seq;
            if (!table.Contains(seq))
            {
                continue;
            }

            ref var slot = ref table[seq];
            if (slot.State is not (SlotState.Deleted or SlotState.Empty)
                && slot.Position == picks[i].Slot.Position && slot.EntryOffset == picks[i].Slot.EntryOffset)
            {
                keep.Add(i);
                bytes += slot.EntryLength;
            }
        }

        if (keep.Count == 0)
        {
            return null;
        }

        var payload = new byte[RelocationCodec.Size(keep.Count, bytes)];
        var offset = RelocationCodec.WriteHeader(payload, keep.Count);
        var offsets = new int[keep.Count];
        for (var k = 0; k < keep.Count; k++)
        {
            ref readonly var pick = ref picks[keep[k]];
            ref var slot = ref table[pick.Seq];
            offsets[k] = RelocationCodec.WriteItem(
                payload, ref offset, pick.Seq, slot.ReceiveCount, slot.FirstReceiveMs, pick.EntryMemory.Span);
        }

        var append = Log.Append(RecordType.Relocate, payload);
        for (var k = 0; k < keep.Count; k++)
        {
            ref readonly var pick = ref picks[keep[k]];
            relocated.Add((pick.Seq, pick.Slot.Position, pick.Slot.EntryOffset, append.Position, offsets[k]));
        }

        return append.Durable;
    }

    /// <summary>Recovery of a relocation record: each message takes its sequence number's slot with the copy's position.</summary>
    private void ReplayRelocate(long position, ReadOnlySpan<byte> payload)
    {
        var count = RelocationCodec.ReadCount(payload);
        var offset = RelocationCodec.FirstItemOffset;
        for (var i = 0; i < count; i++)
        {
            var (seq, receiveCount, firstReceiveMs, entryOffset, entryLength) = RelocationCodec.ReadItem(payload, ref offset);
            var entry = payload.Slice(entryOffset, entryLength);
            RecordCodec.ReadEntryHead(entry, out _, out var sentAtMs, out var visibleAtMs, out _);
            table.Grow(seq, seq + 1);
            nextSeq = Math.Max(nextSeq, seq + 1);
            table[seq] = new MessageSlot
            {
                Position = position,
                SentAtMs = sentAtMs,
                DueAtMs = visibleAtMs,
                FirstReceiveMs = firstReceiveMs,
                EntryOffset = entryOffset,
                EntryLength = entryLength,
                ReceiveCount = receiveCount,
                State = SlotState.Pending,
                Flags = SlotFlags.Relocated,
            };
            if (fifo is not null)
            {
                fifo.SetGroup(seq, RecordCodec.ReadFifoFields(entry, out var groupId, out _, out _) ? groupId : string.Empty);
            }
        }
    }
}
