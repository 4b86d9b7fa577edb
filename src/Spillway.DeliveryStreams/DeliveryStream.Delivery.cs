using System.Buffers;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Spillway.DeliveryStreams.Internal;
using Spillway.DeliveryStreams.Keys;
using Spillway.Storage;

namespace Spillway.DeliveryStreams;

public sealed partial class DeliveryStream
{
    /// <summary>
    /// Delivers every record buffered now, whatever the hints say (for development: "give me the file now"), and
    /// completes once their files are stored, with the files' keys.
    /// </summary>
    public Task<IReadOnlyList<string>> FlushAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(stopping.IsCancellationRequested, this);
        FlushWaiter waiter;
        lock (gate)
        {
            foreach (var buffer in buffers.Values.ToList())
            {
                CutLocked(buffer);
            }

            if (owed.Count == 0)
            {
                return Task.FromResult<IReadOnlyList<string>>([]);
            }

            waiter = new FlushWaiter(owed.Last().CutPosition);
            flushes.Add(waiter);
        }

        wake.Release();
        return waiter.Done.Task.WaitAsync(cancellationToken);
    }

    private async Task DeliverLoopAsync()
    {
        try
        {
            await DeliverUntilStoppedAsync(stopping.Token).ConfigureAwait(false);
        }
        catch (StorageFaultedException)
        {
            // The log stopped after an I/O failure: nothing more is cut or delivered, and puts fail. What is owed is
            // delivered when the stream is opened again.
        }
    }

    private async Task DeliverUntilStoppedAsync(CancellationToken token)
    {
        while (!token.IsCancellationRequested)
        {
            PendingFile? next;
            TimeSpan? wait;
            lock (gate)
            {
                CutDueLocked();
                next = owed.Count > 0 ? owed.Peek() : null;
                wait = next is null ? UntilNextDueLocked() : null;
            }

            if (next is not null)
            {
                await DeliverAsync(next, token).ConfigureAwait(false);
                continue;
            }

            await WaitAsync(wait, token).ConfigureAwait(false);
        }
    }

    /// <summary>Waits for a put or a flush to wake the deliverer, or for the next buffer's interval to run out.</summary>
    private async Task WaitAsync(TimeSpan? wait, CancellationToken token)
    {
        using var either = CancellationTokenSource.CreateLinkedTokenSource(token);
        var woken = wake.WaitAsync(either.Token);
        var tasks = wait is { } delay ? new[] { woken, Task.Delay(delay, time, either.Token) } : [woken];
        await Task.WhenAny(tasks).ConfigureAwait(false);
        await either.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The other of the two was cancelled; a stop shows at the loop's test.
        }
    }

    /// <summary>Under the gate: cuts every buffer whose size or time hint is reached.</summary>
    private void CutDueLocked()
    {
        var now = NowMs();
        var intervalMs = (long)definition.BufferInterval.TotalMilliseconds;
        foreach (var buffer in buffers.Values.ToList())
        {
            if (buffer.Bytes >= definition.BufferSizeBytes || now - buffer.OldestArrivalMs >= intervalMs)
            {
                CutLocked(buffer);
            }
        }
    }

    /// <summary>Under the gate: how long until the oldest buffer's interval runs out; null with nothing buffered.</summary>
    private TimeSpan? UntilNextDueLocked()
    {
        if (buffers.Count == 0)
        {
            return null;
        }

        var due = buffers.Values.Min(b => b.OldestArrivalMs) + (long)definition.BufferInterval.TotalMilliseconds;
        return TimeSpan.FromMilliseconds(Math.Max(0, due - NowMs()));
    }

    /// <summary>Under the gate: fixes the buffer's records as one file owed, durably in the log, and empties it.</summary>
    private void CutLocked(PartitionBuffer buffer)
    {
        var before = log.AppendedPosition;
        var records = buffer.TakeBefore(before);
        buffers.Remove(buffer.Partition);
        if (records.Length == 0)
        {
            return;
        }

        var cut = log.Append(DeliveryLog.Cut, DeliveryLog.EncodeCut(before, buffer.Partition));
        owed.Enqueue(new PendingFile(cut.Position, buffer.Partition, records, cut.Durable));
    }

    private async Task DeliverAsync(PendingFile file, CancellationToken token)
    {
        // The cut follows its records in the log: once it is durable, so are they, and the file is fixed.
        await file.Durable.WaitAsync(token).ConfigureAwait(false);
        var current = Definition;
        var delivery = current.HttpEndpoint is not null || current.SqlTable is not null
            ? await DeliverToDestinationAsync(file, current, token).ConfigureAwait(false)
            : new DestinationDelivery(
                file.Partition.StartsWith(DeliveryLog.ErrorMark) || (current.Transform is null && current.Conversion is null)
                    ? [Plain(file, current)]
                    : await ProcessAsync(file, current, token).ConfigureAwait(false),
                0,
                0,
                null);
        var outputs = delivery.Files;
        long written = 0;
        foreach (var output in outputs)
        {
            written += await StoreAsync(output, current, token).ConfigureAwait(false);
        }

        if (delivery.AfterStored is { } afterStored)
        {
            await RetryAsync(afterStored, token).ConfigureAwait(false);
        }

        _ = log.Append(DeliveryLog.Delivered, DeliveryLog.EncodeDelivered(file.CutPosition));
        lock (gate)
        {
            owed.Dequeue();
            bufferedRecords -= file.Records.Length;
            bufferedBytes -= file.Records.Sum(r => (long)r.DataLength);

            // A buffer an endpoint accepted or a table took counts as one file of its bytes, beside its backups.
            filesWritten += outputs.Count + (delivery.Records > 0 ? 1 : 0);
            bytesWritten += written + delivery.Bytes;
            recordsDelivered += outputs.Where(o => !o.IsBackup).Sum(o => (long)o.Records) + delivery.Records;
            recordsFailed += outputs.Where(o => o.IsError).Sum(o => (long)o.Records);
            lastLatencyMs = NowMs() - file.Records[0].ArrivalMs;
            foreach (var waiter in flushes)
            {
                waiter.Keys.AddRange(outputs.Select(o => o.Key));
            }

            // Files are delivered in cut order: a flush whose last cut this was has all its files.
            foreach (var waiter in flushes.Where(f => f.UpTo <= file.CutPosition).ToList())
            {
                flushes.Remove(waiter);
                waiter.Done.TrySetResult(waiter.Keys);
            }

            CarryPositionsLocked();
            log.DeleteSegmentsBefore(OldestNeededLocked());
        }
    }

    /// <summary>Stores one file, retrying with back-off under the same key until it is stored; the bytes written.</summary>
    private async Task<long> StoreAsync(OutputFile output, DeliveryStreamDefinition current, CancellationToken token)
    {
        long written = 0;
        var content = new DeliveredObject(
            current.Bucket,
            output.Key,
            output.ContentEncoding,
            output.Records,
            async (destination, cancellationToken) =>
            {
                var counting = new CountingStream(destination);
                await output.WriteAsync(counting, cancellationToken).ConfigureAwait(false);
                written = counting.Count;
            });
        await RetryAsync(cancellationToken => writer(content, cancellationToken), token).ConfigureAwait(false);
        return written;
    }

    /// <summary>Runs <paramref name="attempt"/> until it succeeds, after 1 s, doubling to 60 s, on the stream's clock;
    /// each failure counts in <see cref="DeliveryStreamStatistics.DeliveryFailures"/>.</summary>
    private async Task RetryAsync(Func<CancellationToken, Task> attempt, CancellationToken token)
    {
        var delay = RetryDelay.First;
        while (true)
        {
            try
            {
                await attempt(token).ConfigureAwait(false);
                return;
            }
            catch (Exception) when (!token.IsCancellationRequested)
            {
                Interlocked.Increment(ref deliveryFailures);
                await Task.Delay(delay, time, token).ConfigureAwait(false);
                delay = RetryDelay.Next(delay);
            }
        }
    }

    /// <summary>The one file of a cut without transform or conversion: its records streamed from the log.</summary>
    private OutputFile Plain(PendingFile file, DeliveryStreamDefinition current)
    {
        var isError = file.Partition.StartsWith(DeliveryLog.ErrorMark);
        var key = isError ? ErrorKeyOf(file, file.Partition[1..], current, distinct: false) : KeyOf(file, current);
        return new OutputFile(
            key.Key,
            key.IsError,
            file.Records.Length,
            current.Compression == DeliveryCompression.Gzip ? "gzip" : null,
            (destination, cancellationToken) => WriteContentAsync(destination, file, key.IsError, cancellationToken));
    }

    /// <summary>
    /// Under the gate: when a shard's last source position lies before every record still waiting, writes every position
    /// again at the log's end; once that is durable the positions are held there, and the older segments can go.
    /// </summary>
    private void CarryPositionsLocked()
    {
        var waiting = OldestWaitingLocked();
        if (carryingPositions || !sourcePositions.Values.Any(h => h.LogPosition < waiting))
        {
            return;
        }

        var carried = sourcePositions.ToDictionary(p => p.Key, p => p.Value.Sequence, StringComparer.Ordinal);
        var appended = log.Append(DeliveryLog.Positions, DeliveryLog.EncodePositions(carried));
        carryingPositions = true;
        _ = appended.Durable.ContinueWith(
            done =>
            {
                lock (gate)
                {
                    carryingPositions = false;
                    if (!done.IsCompletedSuccessfully)
                    {
                        return;
                    }

                    foreach (var (shard, sequence) in carried)
                    {
                        if (sourcePositions.TryGetValue(shard, out var holder) && holder.Sequence == sequence && holder.LogPosition < appended.Position)
                        {
                            sourcePositions[shard] = holder with { LogPosition = appended.Position };
                        }
                    }
                }
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    /// <summary>Under the gate: the log position before which nothing is needed any more: no record waiting for a file,
    /// and no record holding a shard's last source position.</summary>
    private long OldestNeededLocked()
    {
        var oldest = OldestWaitingLocked();
        foreach (var holder in sourcePositions.Values)
        {
            oldest = Math.Min(oldest, holder.LogPosition);
        }

        return oldest;
    }

    /// <summary>Under the gate: the log position of the oldest record waiting for a file (the log's end when none).</summary>
    private long OldestWaitingLocked()
    {
        var oldest = log.AppendedPosition;
        foreach (var file in owed)
        {
            oldest = Math.Min(oldest, file.Records[0].Position);
        }

        foreach (var buffer in buffers.Values)
        {
            oldest = Math.Min(oldest, buffer.Records[0].Position);
        }

        return oldest;
    }

    /// <summary>The key of the cut's file of records, the same at every attempt: its random parts are seeded by the cut.</summary>
    private (string Key, bool IsError) KeyOf(PendingFile file, DeliveryStreamDefinition current)
    {
        var oldest = DateTimeOffset.FromUnixTimeMilliseconds(file.Records[0].ArrivalMs);
        var seed = current.Name + "/" + file.CutPosition;
        var name = ObjectName.For(current.Name, current.Version, oldest, IdOf(seed), current.Extension);
        var values = file.Partition.Split('\0');
        var keys = prefix.PartitionKeysFromQuery.Select((k, i) => (k, v: values[i])).ToDictionary(p => p.k, p => p.v, StringComparer.Ordinal);
        try
        {
            return (prefix.Evaluate(new KeyContext(oldest, null, keys, null, RandomOf(seed))) + name, false);
        }
        catch (KeyEvaluationException)
        {
            return ErrorKeyOf(file, PartitioningFailed, current, distinct: false);
        }
    }

    /// <summary>The key of the cut's file of records that failed with <paramref name="errorType"/>. A cut can have several
    /// error files beside its file of records (<paramref name="distinct"/>): each then has an id of its own.</summary>
    private (string Key, bool IsError) ErrorKeyOf(PendingFile file, string errorType, DeliveryStreamDefinition current, bool distinct)
    {
        var oldest = DateTimeOffset.FromUnixTimeMilliseconds(file.Records[0].ArrivalMs);
        var seed = current.Name + "/" + file.CutPosition + (distinct ? "/" + errorType : string.Empty);
        var name = ObjectName.For(current.Name, current.Version, oldest, IdOf(seed), current.ErrorExtension);
        return (errorPrefix.Evaluate(new KeyContext(oldest, errorType, null, null, RandomOf(seed))) + name, true);
    }

    private static Guid IdOf(string seed) => new(MD5.HashData(Encoding.UTF8.GetBytes(seed)));

    // Seeded from the cut through a stable hash (string hash codes differ between processes), so the random parts of a
    // key are the same when the file is written again after a restart.
    private static Random RandomOf(string seed) => new(BitConverter.ToInt32(MD5.HashData(Encoding.UTF8.GetBytes("random/" + seed))));

    /// <summary>The file's bytes: the records back to back (each with a newline when asked), or, for records that failed,
    /// one JSON line each in Firehose's error shape with the record in <c>rawData</c>; gzip-compressed when asked.</summary>
    private async Task WriteContentAsync(Stream destination, PendingFile file, bool isError, CancellationToken cancellationToken)
    {
        var output = definition.Compression == DeliveryCompression.Gzip
            ? new GZipStream(destination, CompressionLevel.Fastest, leaveOpen: true)
            : destination;
        var chunks = new ChunkWriter(output);
        try
        {
            // Records lie where the cut says, mostly back to back: read a run of them at once, then cut the run up.
            var buffer = ArrayPool<byte>.Shared.Rent(ReadAheadBytes);
            var index = 0;
            while (index < file.Records.Length)
            {
                var (count, length) = Run(file, index);
                var start = file.Records[index].Position;
                var run = length <= buffer.Length ? buffer.AsMemory(0, (int)length) : new byte[length];
                log.Read(start, run.Span);
                for (var i = index; i < index + count; i++)
                {
                    var record = file.Records[i];
                    var data = Data(run, record.Position - start);
                    if (isError)
                    {
                        var failure = new FailedRecord(
                            record.ArrivalMs, 1, record.ArrivalMs, "DynamicPartitioning.MetadataExtractionFailed", PartitioningFailedMessage, data, null);
                        await chunks.WriteAsync(ErrorLine(failure), newline: false, cancellationToken).ConfigureAwait(false);
                        continue;
                    }

                    await chunks.WriteAsync(data, definition.AppendNewline, cancellationToken).ConfigureAwait(false);
                }

                index += count;
            }

            await chunks.FlushAsync(cancellationToken).ConfigureAwait(false);
            ArrayPool<byte>.Shared.Return(buffer);
        }
        finally
        {
            chunks.Dispose();
            if (output != destination)
            {
                await output.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private const int ReadAheadBytes = 4 * 1024 * 1024;

    /// <summary>From record <paramref name="index"/> on, how many records to read at once (close together, within the
    /// read-ahead), and the bytes from the first one's position to the end of the last.</summary>
    private static (int Count, long Length) Run(PendingFile file, int index)
    {
        var start = file.Records[index].Position;
        var end = start + RecordBytes(file, file.Records[index]);
        var count = 1;
        while (index + count < file.Records.Length)
        {
            var next = file.Records[index + count];
            var nextEnd = next.Position + RecordBytes(file, next);
            if (next.Position - end > 64 * 1024 || nextEnd - start > ReadAheadBytes)
            {
                break;
            }

            end = nextEnd;
            count++;
        }

        return (count, end - start);
    }

    private static long RecordBytes(PendingFile file, BufferedRecord record) =>
        SegmentLog.RecordOverhead + DeliveryLog.RecordSize(file.Partition, record.DataLength) + record.SourceBytes;

    /// <summary>The data of the record at <paramref name="offset"/> of a run read from the log, its checksum checked.</summary>
    private ReadOnlyMemory<byte> Data(ReadOnlyMemory<byte> run, long offset)
    {
        var frame = run[(int)offset..];
        var payload = log.PayloadOf(frame.Span, out var type);
        var dataOffset = DeliveryLog.ReadRecord(type, payload).DataOffset;
        return frame.Slice(SegmentLog.RecordOverhead + dataOffset, payload.Length - dataOffset);
    }

    private const string PartitioningFailedMessage =
        "The record's partition keys could not be read: it is not a JSON object with every key the query names.";

    // Every field comes from the log, so a file written again after a crash has the same bytes: the times are the
    // arrival's, or, for a transform, those its outcome was logged with.
    private static byte[] ErrorLine(FailedRecord failure)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("attemptsMade", failure.Attempts);
            json.WriteNumber("arrivalTimestamp", failure.ArrivalMs);
            json.WriteString("errorCode", failure.ErrorCode);
            json.WriteString("errorMessage", failure.ErrorMessage);
            json.WriteNumber("attemptEndingTimestamp", failure.EndingMs);
            json.WriteBase64String("rawData", failure.Data.Span);
            if (failure.LambdaArn is { } lambdaArn)
            {
                json.WriteString("lambdaArn", lambdaArn);
            }

            json.WriteEndObject();
        }

        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }

    /// <summary>A record bound for the error prefix, with what Firehose's error line says of it.</summary>
    private readonly record struct FailedRecord(
        long ArrivalMs, int Attempts, long EndingMs, string ErrorCode, string ErrorMessage, ReadOnlyMemory<byte> Data, string? LambdaArn);

    /// <summary>One file a cut leads to: its key, whether it holds failed records, how many, and its content.</summary>
    private sealed record OutputFile(string Key, bool IsError, int Records, string? ContentEncoding, Func<Stream, CancellationToken, Task> WriteAsync)
    {
        /// <summary>A copy of records delivered elsewhere (an HTTP endpoint's AllData backup): not counted as delivered twice.</summary>
        public bool IsBackup { get; init; }
    }

    /// <summary>A flush waiting for the files owed when it was asked, up to the cut at <see cref="UpTo"/>; the keys of
    /// the files stored meanwhile, in order.</summary>
    private sealed class FlushWaiter(long upTo)
    {
        public long UpTo { get; } = upTo;

        public List<string> Keys { get; } = [];

        public TaskCompletionSource<IReadOnlyList<string>> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
