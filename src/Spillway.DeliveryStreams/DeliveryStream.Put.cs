using System.Buffers;
using System.Globalization;
using Spillway.DeliveryStreams.Internal;

namespace Spillway.DeliveryStreams;

public sealed partial class DeliveryStream
{
    /// <summary>The error type of records whose partition keys could not be read.</summary>
    public const string PartitioningFailed = "partitioning-failed";

    /// <summary>
    /// Puts records, all or none, answering once they are durable with one record id each. Each record joins its
    /// partition's buffer (a record whose partition keys cannot be read goes to the error prefix's buffer).
    /// </summary>
    /// <exception cref="ArgumentException">A record is empty or over <see cref="DeliveryLimits.MaxRecordBytes"/>.</exception>
    /// <exception cref="InvalidOperationException">The stream reads its records from a source.</exception>
    public ValueTask<IReadOnlyList<string>> PutAsync(IReadOnlyList<ReadOnlyMemory<byte>> records, CancellationToken cancellationToken = default) =>
        Definition.Source is null
            ? PutAsync(records, null, cancellationToken)
            : throw new InvalidOperationException($"The delivery stream {Definition.Name} reads from a stream and takes no puts.");

    /// <summary>
    /// Puts records read from a shard of the stream's source, each with its sequence number (ascending), as
    /// <see cref="PutAsync(IReadOnlyList{ReadOnlyMemory{byte}}, CancellationToken)"/> does; the log keeps each record's
    /// position, so <see cref="SourcePosition"/> says where reading resumes after any crash, and no record is read in twice.
    /// </summary>
    public ValueTask<IReadOnlyList<string>> PutFromSourceAsync(
        string shardId, IReadOnlyList<string> sequenceNumbers, IReadOnlyList<ReadOnlyMemory<byte>> records, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(shardId);
        ArgumentNullException.ThrowIfNull(sequenceNumbers);
        ArgumentOutOfRangeException.ThrowIfNotEqual(sequenceNumbers.Count, records.Count, nameof(sequenceNumbers));
        return PutAsync(records, new Source(shardId, sequenceNumbers), cancellationToken);
    }

    /// <summary>The sequence number of the last record of <paramref name="shardId"/> put from the source; null when none.</summary>
    public string? SourcePosition(string shardId)
    {
        lock (gate)
        {
            return sourcePositions.TryGetValue(shardId, out var holder) ? holder.Sequence : null;
        }
    }

    private async ValueTask<IReadOnlyList<string>> PutAsync(IReadOnlyList<ReadOnlyMemory<byte>> records, Source? source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(records);
        ObjectDisposedException.ThrowIf(stopping.IsCancellationRequested, this);
        foreach (var record in records)
        {
            if (record.Length is 0 or > DeliveryLimits.MaxRecordBytes)
            {
                throw new ArgumentException(
                    $"A record must hold 1 to {DeliveryLimits.MaxRecordBytes} bytes; one holds {record.Length}.", nameof(records));
            }
        }

        if (records.Count == 0)
        {
            return [];
        }

        var positions = new long[records.Count];
        Task durable;
        bool due;
        while (!TryAppend(records, source, positions, out durable, out due, out var change))
        {
            // A change of the destination is delivering what was buffered before it; puts wait for it to finish.
            await change!.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        if (due)
        {
            wake.Release();
        }

        await durable.WaitAsync(cancellationToken).ConfigureAwait(false);
        return [.. positions.Select(RecordId)];
    }

    /// <summary>
    /// Appends the records to the log and to their buffers under one lock, so a cut takes exactly the records before its
    /// position; false, with the change to wait for, while the destination is being changed.
    /// </summary>
    private bool TryAppend(IReadOnlyList<ReadOnlyMemory<byte>> records, Source? source, long[] positions, out Task durable, out bool due, out Task? change)
    {
        var sourceBytes = new int[records.Count];
        var partitions = new string[records.Count];
        var lengths = new int[records.Count];
        lock (gate)
        {
            (durable, due, change) = (Task.CompletedTask, false, changing?.Task);
            if (change is not null)
            {
                return false;
            }

            var total = 0;
            for (var i = 0; i < records.Count; i++)
            {
                partitions[i] = PartitionOf(records[i].Span);
                sourceBytes[i] = source is { } from ? DeliveryLog.SourceSize(from.Shard, from.Sequences[i]) : 0;
                lengths[i] = DeliveryLog.RecordSize(partitions[i], records[i].Length) + sourceBytes[i];
                total += lengths[i];
            }

            var payloads = ArrayPool<byte>.Shared.Rent(total);
            try
            {
                var arrival = NowMs();
                var offset = 0;
                for (var i = 0; i < records.Count; i++)
                {
                    if (source is { } from)
                    {
                        DeliveryLog.WriteSourcedRecord(payloads.AsSpan(offset, lengths[i]), arrival, partitions[i], from.Shard, from.Sequences[i], records[i].Span);
                    }
                    else
                    {
                        DeliveryLog.WriteRecord(payloads.AsSpan(offset, lengths[i]), arrival, partitions[i], records[i].Span);
                    }

                    offset += lengths[i];
                }

                durable = log.AppendBatch(source is null ? DeliveryLog.Record : DeliveryLog.SourcedRecord, payloads.AsSpan(0, total), lengths, positions);
                if (source is { } read)
                {
                    sourcePositions[read.Shard] = new SourceHolder(read.Sequences[^1], positions[records.Count - 1]);
                }

                for (var i = 0; i < records.Count; i++)
                {
                    var buffer = Buffer(partitions[i]);
                    buffer.Add(new BufferedRecord(positions[i], records[i].Length, arrival, sourceBytes[i]));

                    // The deliverer wakes for a buffer that is full, or that starts a new interval.
                    due |= buffer.Bytes >= definition.BufferSizeBytes || buffer.Records.Count == 1;
                    incomingRecords++;
                    incomingBytes += records[i].Length;
                    bufferedRecords++;
                    bufferedBytes += records[i].Length;
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(payloads);
            }

            return true;
        }
    }

    /// <summary>Where records of a sourced put were read: one shard, a sequence number per record.</summary>
    private sealed record Source(string Shard, IReadOnlyList<string> Sequences);

    /// <summary>A record's id: its position in the log, which no other record of the stream has.</summary>
    private static string RecordId(long position) => position.ToString("x16", CultureInfo.InvariantCulture);

    /// <summary>Under the gate: the record's partition, its query keys' values joined; an error partition when one is missing.</summary>
    private string PartitionOf(ReadOnlySpan<byte> record)
    {
        if (queries.Length == 0)
        {
            return string.Empty;
        }

        var values = new string[queries.Length];
        for (var i = 0; i < queries.Length; i++)
        {
            if (queries[i].Read(record) is not { } value)
            {
                return DeliveryLog.ErrorMark + PartitioningFailed;
            }

            values[i] = value;
        }

        return string.Join('\0', values);
    }

    private PartitionBuffer Buffer(string partition)
    {
        if (!buffers.TryGetValue(partition, out var buffer))
        {
            buffers[partition] = buffer = new PartitionBuffer(partition);
        }

        return buffer;
    }
}
