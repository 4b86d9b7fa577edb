using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;
using Spillway.Messaging.Internal;
using Spillway.Storage;

namespace Spillway.Messaging;

public sealed partial class MessageQueue
{
    private const int MaxKeyLength = 1024;

    // One send is one log record: this keeps it well inside the log's record limit (64 MiB) with attributes and ids.
    private const int MaxBatchBodyBytes = 48 * 1024 * 1024;

    /// <summary>
    /// Stores the messages atomically (all or none) and completes only after the fsync that covers them. With an
    /// <paramref name="idempotencyKey"/> seen before (kept 24 h, durable with the messages), nothing is stored and
    /// the original answer comes back with <see cref="SendResult.Replayed"/> set.
    /// Throws <see cref="Storage.StorageFullException"/> when the disk is nearly full and
    /// <see cref="Storage.StorageFaultedException"/> after an I/O failure stopped the writer.
    /// Once the messages are handed to the log, cancellation no longer withdraws them.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<SendResult> SendBatchAsync(
        IReadOnlyList<OutgoingMessage> messages, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        if (fifo is not null)
        {
            return await SendFifoAsync(messages, idempotencyKey, cancellationToken).ConfigureAwait(false);
        }

        var entries = PrepareSend(messages, idempotencyKey);
        cancellationToken.ThrowIfCancellationRequested();
        engine.EnsureWritable(this);
        var pending = BeginAppend(entries, idempotencyKey, out var replay);
        if (replay is not null)
        {
            if (replay.Pending is { } first)
            {
                // A concurrent send with the same key stored first: its answer is ours once it is durable.
                await first.ConfigureAwait(false);
            }

            return new SendResult(replay.Messages, Replayed: true);
        }

        try
        {
            await pending.Append.Durable.ConfigureAwait(false);
        }
        catch (StorageFaultedException)
        {
            ForgetFailedKey(pending, idempotencyKey);
            throw;
        }

        // The log's durable handler (PublishDurable) made the messages visible before this await returned.
        return new SendResult(pending.Sent, Replayed: false);
    }

    private EntryData[] PrepareSend(IReadOnlyList<OutgoingMessage> messages, string? key)
    {
        ArgumentNullException.ThrowIfNull(messages);
        if (messages.Count is 0 or > DefinitionRules.MaxSendBatch)
        {
            throw new ArgumentException($"A send carries 1-{DefinitionRules.MaxSendBatch} messages.", nameof(messages));
        }

        if (key is not null && (key.Length is 0 or > MaxKeyLength))
        {
            throw new ArgumentException($"An idempotency key has 1-{MaxKeyLength} characters.", nameof(key));
        }

        var now = time.GetUtcNow();
        var nowMs = now.ToUnixTimeMilliseconds();
        var entries = new EntryData[messages.Count];
        long batchBytes = 0;
        for (var i = 0; i < entries.Length; i++)
        {
            var message = messages[i] ?? throw new ArgumentException($"Message {i} is null.", nameof(messages));
            if (message.Body.Length > Definition.MaximumMessageSize)
            {
                throw new ArgumentException(
                    $"Message {i} has {message.Body.Length} bytes; queue '{Name}' accepts at most {Definition.MaximumMessageSize}.",
                    nameof(messages));
            }

            batchBytes += message.Body.Length;
            if (batchBytes > MaxBatchBodyBytes)
            {
                throw new ArgumentException($"A send carries at most {MaxBatchBodyBytes} bytes of bodies.", nameof(messages));
            }

            if (fifo is null && (message.MessageGroupId is not null || message.MessageDeduplicationId is not null))
            {
                throw new ArgumentException(
                    $"Message {i}: MessageGroupId and MessageDeduplicationId apply to FIFO queues only; '{Name}' is a standard queue.",
                    nameof(messages));
            }

            var delay = message.Delay ?? Definition.DeliveryDelay;
            DefinitionRules.Range(delay, TimeSpan.Zero, QueueLimits.MaxDelay, nameof(OutgoingMessage.Delay));
            ValidateAttributes(message.Attributes, i);
            entries[i] = new EntryData
            {
                Id = MessageIds.Create(now),
                SentAtMs = nowMs,
                VisibleAtMs = nowMs + (long)delay.TotalMilliseconds,
                Attributes = message.Attributes,
                Body = message.Body,
            };
        }

        return entries;
    }

    private static void ValidateAttributes(IReadOnlyDictionary<string, MessageAttributeValue>? attributes, int index)
    {
        if (attributes is null)
        {
            return;
        }

        var count = attributes.Keys.Count(name => name?.StartsWith(QueueLimits.SystemAttributePrefix, StringComparison.Ordinal) != true);
        if (count > QueueLimits.MaxMessageAttributes)
        {
            throw new ArgumentException(
                $"Message {index} has {count} attributes; at most {QueueLimits.MaxMessageAttributes}.", nameof(attributes));
        }

        foreach (var (name, value) in attributes)
        {
            if (string.IsNullOrEmpty(name) || Encoding.UTF8.GetByteCount(name) > 255 || value is null
                || string.IsNullOrEmpty(value.DataType) || Encoding.UTF8.GetByteCount(value.DataType) > 255)
            {
                throw new ArgumentException(
                    $"Message {index} has an attribute with an empty or over-long name or data type.", nameof(attributes));
            }
        }
    }

    /// <summary>
    /// Encodes the entries as ONE send record, gives them sequence numbers and pending slots, and hands the record to the
    /// log, all under the queue lock so log order is sequence order. Returns null (and the earlier answer) when the
    /// idempotency key was seen before.
    /// </summary>
    private PendingAppend BeginAppend(EntryData[] entries, string? key, out KeyEntry? replay, bool movedIn = false)
    {
        var offsets = new int[entries.Length];
        var payload = RecordCodec.EncodeSend(entries, key, entries[0].SentAtMs, offsets);
        lock (gate)
        {
            var now = Now();
            if (key is not null)
            {
                ForgetExpiredKeys(now);
                if (keys.TryGetValue(key, out replay))
                {
                    return default;
                }
            }

            replay = null;
            return AppendLocked(entries, payload, offsets, key, now, movedIn);
        }
    }

    /// <summary>Gives the encoded entries sequence numbers and pending slots and hands the record to the log. Under the lock.</summary>
    private PendingAppend AppendLocked(
        EntryData[] entries, byte[] payload, int[] offsets, string? key, long now, bool movedIn = false)
    {
        RecordCodec.PatchFirstSeq(payload, nextSeq);
        var append = Log.Append(RecordType.Send, payload);
        return NoteAppendedLocked(entries, payload, offsets, key, now, movedIn, append);
    }

    /// <summary>
    /// Under the lock: hands several sends to the log as one batch (one group commit, each its own record) and notes
    /// each as <see cref="AppendLocked"/> does. Returns the one task that completes once all of them are durable.
    /// </summary>
    private Task AppendBatchLocked(IReadOnlyList<(EntryData[] Entries, byte[] Payload, int[] Offsets, string Key)> sends, long now)
    {
        var lengths = new int[sends.Count];
        var seq = nextSeq;
        for (var i = 0; i < sends.Count; i++)
        {
            RecordCodec.PatchFirstSeq(sends[i].Payload, seq);
            seq += sends[i].Entries.Length;
            lengths[i] = sends[i].Payload.Length;
        }

        // The log copies the records into its group before AppendBatch returns, so the joined payloads go back at once.
        var total = lengths.Sum();
        var payloads = ArrayPool<byte>.Shared.Rent(total);
        var positions = new long[sends.Count];
        Task durable;
        try
        {
            for (int i = 0, offset = 0; i < sends.Count; offset += lengths[i], i++)
            {
                sends[i].Payload.CopyTo(payloads, offset);
            }

            durable = Log.AppendBatch(RecordType.Send, payloads.AsSpan(0, total), lengths, positions);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(payloads);
        }

        for (var i = 0; i < sends.Count; i++)
        {
            var (entries, payload, offsets, key) = sends[i];
            NoteAppendedLocked(entries, payload, offsets, key, now, movedIn: false, new AppendResult(positions[i], durable));
        }

        return durable;
    }

    /// <summary>Under the lock: the bookkeeping of a send record the log has taken at <paramref name="append"/>.</summary>
    private PendingAppend NoteAppendedLocked(
        EntryData[] entries, byte[] payload, int[] offsets, string? key, long now, bool movedIn, AppendResult append)
    {
        var sent = new SentMessage[entries.Length];
        var firstSeq = nextSeq;
        nextSeq += entries.Length;
        table.Grow(firstSeq, nextSeq);
        for (var i = 0; i < entries.Length; i++)
        {
            table[firstSeq + i] = new MessageSlot
            {
                Position = append.Position,
                SentAtMs = entries[i].SentAtMs,
                DueAtMs = entries[i].VisibleAtMs,
                EntryOffset = offsets[i],
                EntryLength = (i + 1 < entries.Length ? offsets[i + 1] - 4 : payload.Length) - offsets[i],
                ReceiveCount = entries[i].ReceiveCount,
                State = SlotState.Pending,
            };
            sent[i] = new SentMessage(entries[i].Id, firstSeq + i);
        }

        if (fifo is not null)
        {
            for (var i = 0; i < entries.Length; i++)
            {
                fifo.SetGroup(firstSeq + i, entries[i].GroupId ?? string.Empty);
            }
        }

        if (key is not null)
        {
            RememberKey(key, new KeyEntry(sent, entries[0].SentAtMs, append.Position) { Pending = append.Durable }, now);
        }

        appended.Enqueue(new Appended(append.Position, firstSeq, entries.Length, payload, key, append.Durable, movedIn));
        return new PendingAppend(append, sent);
    }

    /// <summary>The covering fsync failed: nothing was stored, so the idempotency key must not answer for it.</summary>
    private void ForgetFailedKey(PendingAppend pending, string? key)
    {
        lock (gate)
        {
            if (key is not null && keys.TryGetValue(key, out var entry) && entry.Pending == pending.Append.Durable)
            {
                keys.Remove(key);
            }
        }
    }

    /// <summary>
    /// The log's durable handler: for every send now durable, in log order and under ONE lock per group commit, makes
    /// its messages visible (or delayed), caches its payload and settles its idempotency key; then wakes long-pollers
    /// once. It runs before the senders' awaits return, so a send is receivable when it is acknowledged.
    /// </summary>
    private void PublishDurable(long durablePosition)
    {
        lock (gate)
        {
            if (appended.Count == 0 || appended.Peek().Position >= durablePosition)
            {
                return; // an earlier call (a later group's) already published these
            }

            var now = Now();
            while (appended.Count > 0 && appended.Peek().Position < durablePosition)
            {
                Publish(appended.Dequeue(), now);
            }

            SignalArrival();
        }
    }

    /// <summary>Under the lock: one durable send's messages become visible or delayed.</summary>
    private void Publish(in Appended send, long now)
    {
        var messagesAhead = visibleCount + delayedCount;
        if (send.MovedIn)
        {
            TrackMovedIn(send.FirstSeq, send.Count);
        }

        for (var seq = send.FirstSeq; seq < send.FirstSeq + send.Count; seq++)
        {
            if (!table.Contains(seq) || table[seq].State != SlotState.Pending)
            {
                continue; // purged while it was being written (and maybe trimmed away since)
            }

            ref var slot = ref table[seq];
            if (slot.DueAtMs > now)
            {
                SetState(ref slot, SlotState.Delayed);
                ArmTimer(seq, ref slot, slot.DueAtMs);
            }
            else
            {
                MakeVisible(seq, ref slot);
            }
        }

        cache.Add(send.Position, send.Payload, send.Count, messagesAhead);
        if (send.Key is not null && keys.TryGetValue(send.Key, out var entry) && entry.Pending == send.Durable)
        {
            entry.Pending = null;
        }
    }

    /// <summary>Stores messages moved from another queue (dead-lettered or redriven) with their ids; durable on return.</summary>
    internal async ValueTask AppendMovedAsync(EntryData[] entries)
    {
        for (var i = 0; i < entries.Length; i++)
        {
            // A moved message keeps its group (FIFO order in the destination) but its deduplication id stays behind.
            entries[i].Deduplicates = false;
        }

        var pending = BeginAppend(entries, key: null, out _, movedIn: true);
        await pending.Append.Durable.ConfigureAwait(false);
    }

    private void ForgetExpiredKeys(long now)
    {
        while (keyExpiry.TryPeek(out var oldest) && now - oldest.SentAtMs >= KeyLifetimeMs)
        {
            keyExpiry.Dequeue();
            if (keys.TryGetValue(oldest.Key, out var entry) && entry.SentAtMs == oldest.SentAtMs)
            {
                keys.Remove(oldest.Key);
            }
        }

        if (keys.Count == 0)
        {
            keyFloor = long.MaxValue;
        }
    }

    private readonly record struct PendingAppend(AppendResult Append, SentMessage[] Sent);

    /// <summary>A send handed to the log and not yet published; <see cref="MovedIn"/> when it came from another queue.</summary>
    private readonly record struct Appended(
        long Position, long FirstSeq, int Count, byte[] Payload, string? Key, Task Durable, bool MovedIn);
}
