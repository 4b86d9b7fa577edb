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

        CompleteAppend(pending, idempotencyKey);
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
            DefinitionRules.Range(delay, TimeSpan.Zero, DefinitionRules.MaxDelay, nameof(OutgoingMessage.Delay));
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

        if (attributes.Count > DefinitionRules.MaxAttributes)
        {
            throw new ArgumentException(
                $"Message {index} has {attributes.Count} attributes; at most {DefinitionRules.MaxAttributes}.", nameof(attributes));
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
    private PendingAppend BeginAppend(EntryData[] entries, string? key, out KeyEntry? replay)
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
            return AppendLocked(entries, payload, offsets, key, now);
        }
    }

    /// <summary>Gives the encoded entries sequence numbers and pending slots and hands the record to the log. Under the lock.</summary>
    private PendingAppend AppendLocked(EntryData[] entries, byte[] payload, int[] offsets, string? key, long now)
    {
        var sent = new SentMessage[entries.Length];
        var firstSeq = nextSeq;
        RecordCodec.PatchFirstSeq(payload, firstSeq);
        var append = Log.Append(RecordType.Send, payload);
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

        return new PendingAppend(append, firstSeq, payload, sent);
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

    /// <summary>After the covering fsync: makes the messages visible (or delayed) and wakes long-pollers.</summary>
    private void CompleteAppend(PendingAppend pending, string? key)
    {
        lock (gate)
        {
            var now = Now();
            for (var seq = pending.FirstSeq; seq < pending.FirstSeq + pending.Sent.Length; seq++)
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

            cache.Add(pending.Append.Position, pending.Payload);
            if (key is not null && keys.TryGetValue(key, out var entry) && entry.Pending == pending.Append.Durable)
            {
                entry.Pending = null;
            }

            SignalArrival();
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

        var pending = BeginAppend(entries, key: null, out _);
        await pending.Append.Durable.ConfigureAwait(false);
        TrackMovedIn(pending.FirstSeq, entries.Length);
        CompleteAppend(pending, key: null);
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

    private readonly record struct PendingAppend(AppendResult Append, long FirstSeq, byte[] Payload, SentMessage[] Sent);
}
