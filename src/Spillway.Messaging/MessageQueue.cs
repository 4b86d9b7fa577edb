using Spillway.Messaging.Internal;
using Spillway.Storage;

namespace Spillway.Messaging;

/// <summary>
/// One queue of a <see cref="QueueEngine"/>: a segment log of its own (send, delete, receive-count and purge records)
/// replayed into a compact in-memory index at open. One lock guards the index; each operation takes it once per batch.
/// </summary>
public sealed partial class MessageQueue
{
    private static readonly long KeyLifetimeMs = (long)TimeSpan.FromHours(24).TotalMilliseconds;

    private readonly QueueEngine engine;
    private readonly TimeProvider time;
    private readonly Lock gate = new();
    private readonly SlotTable table = new();
    private readonly SeqRuns visible = new();
    private readonly Queue<Appended> appended = new(); // sends handed to the log, not yet durable, in log order
    private readonly Ring<TimerEntry> timerFifo = new();
    private readonly PriorityQueue<TimerEntry, long> timerHeap = new();
    private readonly BodyCache cache;
    private readonly Dictionary<string, KeyEntry> keys = new(StringComparer.Ordinal);
    private readonly Queue<(string Key, long SentAtMs)> keyExpiry = new();
    private readonly int incarnation = Random.Shared.Next();
    private readonly long releaseStep;

    // FIFO queues only (null on standard queues, so their paths do no FIFO work).
    private readonly FifoState? fifo;
    private readonly SendQuota? sendQuota;
    private long lastFifoDue = long.MinValue;
    private long nextSeq = 1;
    private long visibleCount;
    private long inFlightCount;
    private long delayedCount;
    private long keyFloor = long.MaxValue;
    private long releasedBefore;
    private TaskCompletionSource? arrival;
    private SegmentLog? log;

    private MessageQueue(QueueEngine engine, QueueDefinition definition, string directory)
    {
        this.engine = engine;
        time = engine.Time;
        Definition = definition;
        Directory = directory;
        cache = new BodyCache(engine.Options.BodyCacheBytes);
        releaseStep = Math.Max(4096, engine.Options.SegmentSize / 8);
        fifo = definition.FifoQueue ? new FifoState(definition) : null;
        sendQuota = definition.FifoQueue && engine.Options.FifoSendRateLimit is { } rate ? new SendQuota(rate) : null;
    }

    /// <summary>The queue's name.</summary>
    public string Name => Definition.Name;

    /// <summary>The queue's definition.</summary>
    public QueueDefinition Definition { get; internal set; }

    /// <summary>What recovery found in the queue's log when it was opened (dropped torn tail, damaged ranges).</summary>
    public RecoveryReport Recovery => Log.Recovery;

    /// <summary>Counters of the queue's log: appends, group writes, fsyncs, bytes.</summary>
    public SegmentLogMetrics StorageMetrics => Log.Metrics;

    internal SegmentLog Log => log!;

    /// <summary>Runs of consecutive sequence numbers in the visible FIFO. For tests.</summary>
    internal int VisibleRuns
    {
        get
        {
            lock (gate)
            {
                return visible.Runs;
            }
        }
    }

    internal string Directory { get; }

    internal static MessageQueue Open(QueueEngine engine, QueueDefinition definition, string directory)
    {
        var queue = new MessageQueue(engine, definition, directory);
        var options = new SegmentLogOptions { SegmentSize = engine.Options.SegmentSize };
        var now = queue.Now();
        queue.log = SegmentLog.Open(
            engine.Device, directory, (position, type, payload) => queue.Replay(position, type, payload, now), options, queue.time,
            queue.PublishDurable);
        queue.FinishRecovery(now);
        return queue;
    }

    internal async ValueTask CloseAsync()
    {
        lock (gate)
        {
            arrival?.TrySetResult();
        }

        await compaction.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await Log.DisposeAsync().ConfigureAwait(false);
    }

    internal void Crash() => Log.Abandon();

    private long Now() => time.GetUtcNow().ToUnixTimeMilliseconds();

    private void Replay(long position, byte type, ReadOnlySpan<byte> payload, long now)
    {
        switch (type)
        {
            case RecordType.Send:
                ReplaySend(position, payload, now);
                break;
            case RecordType.Delete:
                var count = RecordCodec.ReadSeqListCount(payload);
                for (var i = 0; i < count; i++)
                {
                    var seq = RecordCodec.ReadSeqListItem(payload, i);
                    nextSeq = Math.Max(nextSeq, seq + 1);
                    if (table.Contains(seq))
                    {
                        table[seq].State = SlotState.Deleted;
                    }
                }

                break;
            case RecordType.Received:
                RecordCodec.ReadReceivedHeader(payload, out var atMs, out var received);
                for (var i = 0; i < received; i++)
                {
                    var (seq, receiveCount) = RecordCodec.ReadReceivedItem(payload, i);
                    if (table.Contains(seq))
                    {
                        ref var slot = ref table[seq];
                        slot.ReceiveCount = Math.Max(slot.ReceiveCount, receiveCount);
                        slot.FirstReceiveMs = slot.FirstReceiveMs == 0 ? atMs : slot.FirstReceiveMs;
                    }
                }

                break;
            case RecordType.Purge:
                var below = RecordCodec.ReadPurge(payload);
                nextSeq = Math.Max(nextSeq, below);
                for (var seq = table.Head; seq < Math.Min(below, table.End); seq = table.Next(seq))
                {
                    table[seq].State = SlotState.Deleted;
                }

                break;
            case RecordType.Relocate:
                ReplayRelocate(position, payload);
                break;
            case RecordType.KeyCheckpoint:
                foreach (var (key, sentAtMs, messages) in RecordCodec.ReadKeyCheckpoint(payload))
                {
                    RememberKey(key, new KeyEntry(messages, sentAtMs, position), now);
                }

                break;
            default:
                throw new InvalidDataException($"Unknown record type {type} at position {position} of queue '{Name}'.");
        }
    }

    private void ReplaySend(long position, ReadOnlySpan<byte> payload, long now)
    {
        RecordCodec.ReadSendHeader(payload, out var firstSeq, out var sentAtMs, out var key, out var count, out var offset);
        table.Grow(firstSeq, firstSeq + count);
        nextSeq = Math.Max(nextSeq, firstSeq + count);
        var messages = key is null ? null : new SentMessage[count];
        for (var i = 0; i < count; i++)
        {
            var length = System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(payload[offset..]);
            offset += 4;
            RecordCodec.ReadEntryHead(
                payload.Slice(offset, length), out var id, out var entrySentAt, out var visibleAt, out var receiveCount);
            var seq = firstSeq + i;
            ref var slot = ref table[seq];
            slot = new MessageSlot
            {
                Position = position,
                SentAtMs = entrySentAt,
                DueAtMs = visibleAt,
                EntryOffset = offset,
                EntryLength = length,
                ReceiveCount = receiveCount,
                State = SlotState.Pending,
            };
            if (messages is not null)
            {
                messages[i] = new SentMessage(id, seq);
            }

            if (fifo is not null)
            {
                ReplayFifoEntry(seq, id, entrySentAt, position, payload.Slice(offset, length), now);
            }

            offset += length;
        }

        if (key is not null)
        {
            RememberKey(key, new KeyEntry(messages!, sentAtMs, position), now);
        }
    }

    private void FinishRecovery(long now)
    {
        table.StartAt(nextSeq);
        var relocations = new SortedSet<long>();
        var newestSentMs = long.MinValue;
        for (var seq = table.Head; seq < table.End; seq = table.Next(seq))
        {
            ref var slot = ref table[seq];
            if (slot.State != SlotState.Pending)
            {
                continue;
            }

            if ((slot.Flags & SlotFlags.Relocated) != 0)
            {
                relocatedLive[slot.Position] = relocatedLive.GetValueOrDefault(slot.Position) + 1;
                relocations.Add(slot.Position);
            }

            TrackExpiryAtRecovery(seq, ref slot, ref newestSentMs);

            // In-flight state is not persisted: a message received before the crash is visible again at once.
            if (slot.DueAtMs > now && slot.ReceiveCount == 0)
            {
                SetState(ref slot, SlotState.Delayed);
                ArmTimer(seq, ref slot, slot.DueAtMs);
            }
            else
            {
                MakeVisible(seq, ref slot);
            }
        }

        foreach (var position in relocations)
        {
            relocationOrder.Enqueue(position);
        }

        releasedBefore = Log.FirstPosition;
        lock (gate)
        {
            // A crash may have left segments that were about to go (a compaction's originals): they go now.
            ReleaseDeadSegments();
        }
    }

    private void RememberKey(string key, KeyEntry entry, long now)
    {
        if (now - entry.SentAtMs >= KeyLifetimeMs)
        {
            return;
        }

        keys[key] = entry;
        keyExpiry.Enqueue((key, entry.SentAtMs));
        keyFloor = Math.Min(keyFloor, entry.Position);
        while (keys.Count > engine.Options.MaxIdempotencyKeys && keyExpiry.TryDequeue(out var oldest))
        {
            if (keys.TryGetValue(oldest.Key, out var old) && old.SentAtMs == oldest.SentAtMs && old.Pending is null)
            {
                keys.Remove(oldest.Key);
            }
        }
    }

    private void SetState(ref MessageSlot slot, SlotState state)
    {
        Count(slot.State, -1);
        slot.State = state;
        Count(state, 1);
        if (state == SlotState.Deleted && (slot.Flags & SlotFlags.Relocated) != 0)
        {
            ReleaseRelocated(slot.Position);
        }
    }

    private void Count(SlotState state, int delta)
    {
        switch (state)
        {
            case SlotState.Visible:
                visibleCount += delta;
                break;
            case SlotState.InFlight:
                inFlightCount += delta;
                break;
            case SlotState.Delayed:
                delayedCount += delta;
                break;
        }
    }

    private void MakeVisible(long seq, ref MessageSlot slot)
    {
        SetState(ref slot, SlotState.Visible);
        visible.Enqueue(seq);
    }

    /// <summary>Arms the message's timer. Timers mostly come due in the order they were armed (one visibility timeout
    /// per queue), so they go to a FIFO; only an out-of-order one (a changed visibility, a shorter delay) uses the heap.</summary>
    private void ArmTimer(long seq, ref MessageSlot slot, long dueMs)
    {
        slot.DueAtMs = dueMs;
        var entry = new TimerEntry(seq, dueMs);
        if (timerFifo.Count == 0 || dueMs >= lastFifoDue)
        {
            timerFifo.Enqueue(entry);
            lastFifoDue = dueMs;
        }
        else
        {
            timerHeap.Enqueue(entry, dueMs);
        }
    }

    /// <summary>Makes every message whose timer came due visible; returns when the next timer is due (or long.MaxValue).</summary>
    private long PromoteDue(long now)
    {
        while (timerFifo.Count > 0)
        {
            var entry = timerFifo.Peek();
            if (!IsArmed(entry))
            {
                timerFifo.Dequeue();
                continue;
            }

            if (entry.DueMs > now)
            {
                break;
            }

            timerFifo.Dequeue();
            MakeVisible(entry.Seq, ref table[entry.Seq]);
        }

        while (timerHeap.TryPeek(out var entry, out var due) && due <= now)
        {
            timerHeap.Dequeue();
            if (IsArmed(entry))
            {
                MakeVisible(entry.Seq, ref table[entry.Seq]);
            }
        }

        var next = long.MaxValue;
        if (timerFifo.Count > 0)
        {
            next = timerFifo.Peek().DueMs;
        }

        if (timerHeap.TryPeek(out _, out var heapDue))
        {
            next = Math.Min(next, heapDue);
        }

        return next;
    }

    /// <summary>
    /// Whether the timer entry is the message's current timer: re-arming sets a new due time, so an entry whose time is
    /// not the slot's is stale. Two entries with the same time promote the message once (the second finds it visible).
    /// </summary>
    private bool IsArmed(TimerEntry entry)
    {
        if (!table.Contains(entry.Seq))
        {
            return false;
        }

        ref var slot = ref table[entry.Seq];
        return slot.DueAtMs == entry.DueMs && slot.State is SlotState.InFlight or SlotState.Delayed;
    }

    private void SignalArrival()
    {
        if (arrival is { } waiting)
        {
            arrival = null;
            waiting.TrySetResult();
        }
    }

    private readonly record struct TimerEntry(long Seq, long DueMs);

    /// <summary>An idempotency key's answer; <see cref="Pending"/> is set while the first send is not yet durable.</summary>
    private sealed class KeyEntry(SentMessage[] messages, long sentAtMs, long position)
    {
        public SentMessage[] Messages { get; } = messages;

        public long SentAtMs { get; } = sentAtMs;

        public long Position { get; set; } = position;

        public Task? Pending { get; set; }
    }
}
