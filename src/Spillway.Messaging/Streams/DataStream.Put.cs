using System.Buffers;
using System.Text;
using Spillway.Messaging.Streams.Internal;

namespace Spillway.Messaging.Streams;

public sealed partial class DataStream
{
    private static readonly UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);

    /// <summary>
    /// Puts records, durable before this completes (one group commit for the whole batch); per-record outcomes in
    /// input order. A record refused by the shard's write quota (only when the stream enforces quotas) is not stored
    /// and reports <see cref="PutOutcome.Throttled"/>; the others are. Invalid input stores nothing.
    /// </summary>
    public async ValueTask<IReadOnlyList<PutOutcome>> PutAsync(
        IReadOnlyList<StreamRecordInput> records, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        if (records.Count is < 1 or > StreamLimits.MaxPutRecords)
        {
            throw new ArgumentException($"A put takes 1-{StreamLimits.MaxPutRecords} records, not {records.Count}.", nameof(records));
        }

        // Everything that can be refused is checked before anything is stored; the records are encoded outside the lock,
        // which then only routes them, stamps shard and arrival time, and hands them to the log.
        var count = records.Count;
        var hashKeys = new UInt128[count];
        var keyBytes = new int[count];
        var lengths = new int[count];
        long total = 0;
        for (var i = 0; i < count; i++)
        {
            var record = records[i];
            keyBytes[i] = ValidatePartitionKey(record.PartitionKey, nameof(records));
            if (record.Data.Length + keyBytes[i] > StreamLimits.MaxRecordBytes)
            {
                throw new ArgumentException(
                    $"Record {i} has {record.Data.Length + keyBytes[i]} bytes of data and partition key; the limit is {StreamLimits.MaxRecordBytes}.",
                    nameof(records));
            }

            hashKeys[i] = record.ExplicitHashKey ?? StreamCodec.HashKey(record.PartitionKey);
            lengths[i] = StreamCodec.Size(keyBytes[i], record.Data.Length);
            total += record.Data.Length + keyBytes[i];
        }

        if (total > StreamLimits.MaxPutRecordsBytes)
        {
            throw new ArgumentException($"A put carries at most {StreamLimits.MaxPutRecordsBytes} bytes, not {total}.", nameof(records));
        }

        cancellationToken.ThrowIfCancellationRequested();
        engine.EnsureWritable(log);
        // A put of 500 records of 4 KiB is 2 MiB: a fresh array for each would be a large-object allocation (and page
        // faults) per put. The log copies the records into its group under its lock, so the buffer goes back at once.
        var size = lengths.Sum();
        var buffer = ArrayPool<byte>.Shared.Rent(size);
        Task<IReadOnlyList<PutOutcome>> answer;
        try
        {
            answer = PutEncodedAsync(records, buffer, size, hashKeys, keyBytes, lengths);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return await answer.ConfigureAwait(false);
    }

    /// <summary>
    /// Encodes the validated records into <paramref name="buffer"/>, routes them and hands them to the log, which copies
    /// them before this returns; the task completes once they are durable.
    /// </summary>
    private Task<IReadOnlyList<PutOutcome>> PutEncodedAsync(
        IReadOnlyList<StreamRecordInput> records, byte[] buffer, int size, UInt128[] hashKeys, int[] keyBytes, int[] lengths)
    {
        var count = records.Count;
        var offsets = new int[count];
        for (int i = 0, offset = 0; i < count; offset += lengths[i], i++)
        {
            offsets[i] = offset;
            StreamCodec.Encode(buffer.AsSpan(offset, lengths[i]), 0, 0, records[i].PartitionKey, keyBytes[i], records[i].Data.Span);
        }

        var outcomes = new PutOutcome[count];
        var positions = new long[count];
        Task durable;
        lock (gate)
        {
            ThrowIfClosed();
            var now = Now();
            lastArrivalMs = Math.Max(lastArrivalMs, now); // arrival times only grow along the log, so both are searched alike
            var targets = new ShardState?[count];
            var accepted = 0;
            for (var i = 0; i < count; i++)
            {
                var shard = Route(hashKeys[i]);
                if (definition.EnforceShardQuotas && !(shard.Quota ??= new ShardQuota(now)).TryWrite(lengths[i], now))
                {
                    outcomes[i] = new PutOutcome(null, null, Throttled: true);
                    continue;
                }

                targets[i] = shard;
                StreamCodec.Stamp(buffer.AsSpan(offsets[i]), shard.Number, lastArrivalMs);
                accepted++;
            }

            if (accepted == 0)
            {
                return Task.FromResult<IReadOnlyList<PutOutcome>>(outcomes);
            }

            var (payloads, acceptedLengths) = accepted == count ? (buffer.AsMemory(0, size), lengths) : Compact(buffer, offsets, lengths, targets);
            durable = log.AppendBatch(StreamCodec.RecordType, payloads.Span, acceptedLengths, positions);
            for (int i = 0, appended = 0; i < count; i++)
            {
                if (targets[i] is not { } shard)
                {
                    continue;
                }

                var position = positions[appended++];
                shard.Index.Add(position, lastArrivalMs, lengths[i]);
                shard.IncomingRecords++;
                shard.IncomingBytes += records[i].Data.Length;
                outcomes[i] = new PutOutcome(shard.Id, StreamCodec.SequenceNumber(position, shard.Number), Throttled: false);
                Interlocked.Add(ref totalBytes, records[i].Data.Length);
            }

            Interlocked.Add(ref totalRecords, accepted);
        }

        return AnswerWhenDurableAsync(durable, outcomes);
    }

    private static async Task<IReadOnlyList<PutOutcome>> AnswerWhenDurableAsync(Task durable, PutOutcome[] outcomes)
    {
        await durable.ConfigureAwait(false);
        return outcomes;
    }

    /// <summary>The open shard taking <paramref name="explicitHashKey"/>, or else MD5 of the UTF-8 key as a big-endian 128-bit integer.</summary>
    public ShardDescription ShardFor(string partitionKey, UInt128? explicitHashKey)
    {
        ValidatePartitionKey(partitionKey, nameof(partitionKey));
        var hashKey = explicitHashKey ?? StreamCodec.HashKey(partitionKey);
        lock (gate)
        {
            return Route(hashKey).Describe();
        }
    }

    private static int ValidatePartitionKey(string? partitionKey, string parameterName)
    {
        if (string.IsNullOrEmpty(partitionKey) || partitionKey.Length > StreamLimits.MaxPartitionKeyLength)
        {
            throw new ArgumentException(
                $"A partition key has 1-{StreamLimits.MaxPartitionKeyLength} characters, not {partitionKey?.Length ?? 0}.", parameterName);
        }

        try
        {
            return StrictUtf8.GetByteCount(partitionKey);
        }
        catch (EncoderFallbackException)
        {
            throw new ArgumentException("A partition key must be valid Unicode (it has an unpaired surrogate).", parameterName);
        }
    }

    /// <summary>Under the lock: the open shard whose hash-key range holds <paramref name="hashKey"/>.</summary>
    private ShardState Route(UInt128 hashKey)
    {
        var open = openShards;
        int low = 0, high = open.Length - 1;
        while (low < high)
        {
            var mid = (low + high + 1) >>> 1;
            if (open[mid].StartingHashKey <= hashKey)
            {
                low = mid;
            }
            else
            {
                high = mid - 1;
            }
        }

        return open[low];
    }

    // Only throttled puts get here: the accepted records' payloads, back to back.
    private static (Memory<byte> Payloads, int[] Lengths) Compact(byte[] buffer, int[] offsets, int[] lengths, ShardState?[] targets)
    {
        var kept = Enumerable.Range(0, targets.Length).Where(i => targets[i] is not null).ToArray();
        var payloads = new byte[kept.Sum(i => lengths[i])];
        var offset = 0;
        foreach (var i in kept)
        {
            buffer.AsSpan(offsets[i], lengths[i]).CopyTo(payloads.AsSpan(offset));
            offset += lengths[i];
        }

        return (payloads, [.. kept.Select(i => lengths[i])]);
    }
}
