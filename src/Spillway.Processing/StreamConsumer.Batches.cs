using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Spillway.Messaging;
using Spillway.Messaging.Streams;
using Spillway.Processing.Internal;
using Spillway.Sinks;
using Spillway.Transport;

namespace Spillway.Processing;

public sealed partial class StreamConsumer
{
    /// <summary>Lambda's on-failure condition when the retries are used up.</summary>
    public const string RetryAttemptsExhausted = "RetryAttemptsExhausted";

    /// <summary>Lambda's on-failure condition when records outlived <see cref="StreamConsumerOptions.MaximumRecordAge"/>.</summary>
    public const string RecordAgeExceeded = "RecordAgeExceeded";

    // Handles one round of a shard's records in lanes by partition key; the checkpoint follows the handled prefix.
    // False when stopped before the round finished.
    private async Task<bool> HandleRoundAsync(string shardId, List<StreamRecord> records, ShardLag shardLag, CancellationToken stop)
    {
        var round = new Round(shardId, records, this);
        shardLag.PendingSince = records.Min(r => r.ApproximateArrivalTimestamp);
        var lanes = new List<StreamRecord>[Options.ParallelizationFactor];
        for (var i = 0; i < records.Count; i++)
        {
            var lane = lanes.Length == 1 ? 0 : (int)(Fnv1a(records[i].PartitionKey) % (uint)lanes.Length);
            (lanes[lane] ??= []).Add(records[i]);
        }

        var handled = await Task.WhenAll(lanes.Where(l => l is not null).Select(async lane =>
        {
            for (var offset = 0; offset < lane.Count; offset += Options.BatchSize)
            {
                var batch = lane.GetRange(offset, Math.Min(Options.BatchSize, lane.Count - offset));
                if (!await HandleBatchAsync(round, batch, stop).ConfigureAwait(false))
                {
                    return false;
                }

                shardLag.IteratorAge = time.GetUtcNow() - batch[^1].ApproximateArrivalTimestamp;
            }

            return true;
        })).ConfigureAwait(false);
        shardLag.PendingSince = null;
        return handled.All(h => h) && !stop.IsCancellationRequested;
    }

    // Runs one batch to its end: handled, or discarded after its retries or its age. False when stopped.
    private async Task<bool> HandleBatchAsync(Round round, List<StreamRecord> records, CancellationToken stop)
    {
        var pending = new Stack<(List<StreamRecord> Records, int Attempts)>();
        pending.Push((records, 0));
        var retry = new Backoff(Options.RetryInitialDelay, Options.RetryMaxDelay);
        while (pending.Count > 0)
        {
            var (part, attempts) = pending.Pop();
            if (Options.MaximumRecordAge is { } maxAge)
            {
                var now = time.GetUtcNow();
                var expired = part.TakeWhile(r => now - r.ApproximateArrivalTimestamp > maxAge).ToList();
                if (expired.Count > 0)
                {
                    await DiscardAsync(round, expired, RecordAgeExceeded, attempts, stop).ConfigureAwait(false);
                    part = part[expired.Count..];
                    if (part.Count == 0)
                    {
                        continue;
                    }
                }
            }

            if (stop.IsCancellationRequested)
            {
                return false;
            }

            var batch = round.Batch(part);
            var startedAt = time.GetTimestamp();
            counters.Enter();
            int firstFailed;
            string reason;
            try
            {
                var outcome = await handler.HandleAsync(batch, stop).ConfigureAwait(false);
                firstFailed = FirstFailed(batch, outcome);
                reason = "records reported failed";
                counters.Finished(part.Count, succeeded: firstFailed, failed: part.Count - firstFailed, batchFailed: false);
            }
            catch (DownstreamUnavailableException unavailable)
            {
                counters.UnavailableRetry();
                LogMessages.StreamBatchFailed(logger, Name, round.ShardId, part.Count, attempts, unavailable.Message);
                pending.Push((part, attempts));
                if (!await retry.WaitAsync(time, stop, RetryScheduled).ConfigureAwait(false))
                {
                    return false;
                }

                continue;
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return false;
            }
            catch (Exception ex)
            {
                firstFailed = 0;
                reason = ex.Message;
                counters.Finished(part.Count, succeeded: 0, failed: part.Count, batchFailed: true);
            }
            finally
            {
                counters.Exit(time.GetElapsedTime(startedAt));
            }

            if (firstFailed > 0)
            {
                await round.DoneAsync(part[..firstFailed], stop).ConfigureAwait(false);
            }

            if (firstFailed == part.Count)
            {
                retry.Reset();
                continue;
            }

            var failed = part[firstFailed..];
            LogMessages.StreamBatchFailed(logger, Name, round.ShardId, failed.Count, attempts + 1, reason);

            // A whole batch that failed is split, and the split is not a retry; a partial failure is retried from its
            // lowest failed record (Lambda splits there when both are on).
            if (Options.BisectBatchOnFunctionError && firstFailed == 0 && failed.Count > 1)
            {
                var half = failed.Count / 2;
                pending.Push((failed[half..], attempts));
                pending.Push((failed[..half], attempts));
                continue;
            }

            if (Options.MaximumRetryAttempts >= 0 && attempts >= Options.MaximumRetryAttempts)
            {
                await DiscardAsync(round, failed, RetryAttemptsExhausted, attempts + 1, stop).ConfigureAwait(false);
                continue;
            }

            pending.Push((failed, attempts + 1));
            if (!await retry.WaitAsync(time, stop, RetryScheduled).ConfigureAwait(false))
            {
                return false;
            }
        }

        return true;
    }

    // How many records at the batch's start succeeded: all unless partial responses are on and some failed, then up to
    // the lowest failed one. An id that names no record of the batch fails it whole, as Lambda does.
    private int FirstFailed(MessageBatch batch, BatchOutcome? outcome)
    {
        var failed = outcome?.FailedMessageIds;
        if (!Options.ReportBatchItemFailures || failed is null || failed.Count == 0)
        {
            return batch.Messages.Count;
        }

        var set = failed as IReadOnlySet<Guid> ?? failed.ToHashSet();
        var first = -1;
        var named = 0;
        for (var i = 0; i < batch.Messages.Count; i++)
        {
            if (set.Contains(batch.Messages[i].MessageId))
            {
                named++;
                if (first < 0)
                {
                    first = i;
                }
            }
        }

        return named != set.Count ? 0 : first;
    }

    private async Task DiscardAsync(Round round, List<StreamRecord> records, string condition, int invokeCount, CancellationToken stop)
    {
        LogMessages.StreamRecordsDiscarded(
            logger, Name, round.ShardId, records.Count, condition, records[0].SequenceNumber, records[^1].SequenceNumber);
        if (onFailure is not null)
        {
            var body = OnFailureRecord(round.ShardId, records, condition, invokeCount);
            var retry = new Backoff(Options.RetryInitialDelay, Options.RetryMaxDelay);

            // The record is the only trace of the discarded batch: it is sent before the checkpoint passes the batch.
            while (true)
            {
                try
                {
                    await onFailure.SendBatchAsync([new OutgoingMessage(body)], null, stop).ConfigureAwait(false);
                    break;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogMessages.OnFailureSendFailed(logger, Name, onFailure.QueueName, ex);
                    if (!await retry.WaitAsync(time, stop, RetryScheduled).ConfigureAwait(false))
                    {
                        throw new OperationCanceledException(stop);
                    }
                }
            }
        }

        await round.DoneAsync(records, stop).ConfigureAwait(false);
    }

    // Lambda's on-failure record for a Kinesis batch: where the records are, never their data.
    private byte[] OnFailureRecord(string shardId, List<StreamRecord> records, string condition, int invokeCount)
    {
        var output = new ArrayBufferWriter<byte>(1024);
        using (var json = new Utf8JsonWriter(output))
        {
            json.WriteStartObject();
            json.WriteStartObject("requestContext");
            json.WriteString("requestId", Guid.NewGuid().ToString("D"));
            json.WriteString("functionArn", $"arn:aws:lambda:{Options.Region}:{Options.AccountId}:function:{Name}");
            json.WriteString("condition", condition);
            json.WriteNumber("approximateInvokeCount", invokeCount);
            json.WriteEndObject();
            json.WriteStartObject("responseContext");
            json.WriteNumber("statusCode", 200);
            json.WriteString("executedVersion", "$LATEST");
            json.WriteString("functionError", "Unhandled");
            json.WriteEndObject();
            json.WriteString("version", "1.0");
            json.WriteString("timestamp", time.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
            json.WriteStartObject("KinesisBatchInfo");
            json.WriteString("shardId", shardId);
            json.WriteString("startSequenceNumber", records[0].SequenceNumber);
            json.WriteString("endSequenceNumber", records[^1].SequenceNumber);
            json.WriteString("approximateArrivalOfFirstRecord", Iso(records[0].ApproximateArrivalTimestamp));
            json.WriteString("approximateArrivalOfLastRecord", Iso(records[^1].ApproximateArrivalTimestamp));
            json.WriteNumber("batchSize", records.Count);
            json.WriteString("streamArn", streamArn);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return output.WrittenSpan.ToArray();

        static string Iso(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
    }

    // A stable hash of the partition key, so a key always falls in the same lane.
    private static uint Fnv1a(string key)
    {
        var hash = 2166136261u;
        foreach (var c in key)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return hash;
    }

    /// <summary>One round of a shard: the records in shard order, which of them are done, and the checkpoint after the
    /// longest done prefix.</summary>
    private sealed class Round(string shardId, List<StreamRecord> records, StreamConsumer owner)
    {
        private readonly Dictionary<StreamRecord, int> index = records.Select((r, i) => (r, i)).ToDictionary(p => p.r, p => p.i);
        private readonly bool[] done = new bool[records.Count];
        private readonly SemaphoreSlim gate = new(1, 1);
        private int prefix;

        public string ShardId => shardId;

        public MessageBatch Batch(List<StreamRecord> part)
        {
            var messages = new ReceivedMessage[part.Count];
            for (var i = 0; i < part.Count; i++)
            {
                var record = part[i];
                var id = StreamBatch.RecordId(owner.StreamName, shardId, record.SequenceNumber);
                messages[i] = new ReceivedMessage(
                    id, record.SequenceNumber, record.Data, 1, record.ApproximateArrivalTimestamp, record.ApproximateArrivalTimestamp, 0);
            }

            var checkpoint = CheckpointAfter(part) is { } sequenceNumber
                ? new StreamCheckpoint(owner.Name, owner.StreamName, shardId, sequenceNumber)
                : null;
            return new MessageBatch(owner.StreamName, messages)
            {
                Stream = new StreamBatch(owner.StreamName, shardId, part, owner.streamArn) { Checkpoint = checkpoint },
            };
        }

        // Where the finished prefix ends once the part is done too; null when it does not reach the part (a record before
        // it is still in another lane's hands). Read without the gate: done marks and the prefix only grow, and a record
        // is marked done only once durable, so a stale view gives an earlier checkpoint, never one past a missing row.
        private string? CheckpointAfter(List<StreamRecord> part)
        {
            var mine = new HashSet<int>(part.Count);
            foreach (var record in part)
            {
                mine.Add(index[record]);
            }

            var start = Volatile.Read(ref prefix);
            var end = start;
            while (end < done.Length && (Volatile.Read(ref done[end]) || mine.Contains(end)))
            {
                end++;
            }

            return end > start ? records[end - 1].SequenceNumber : null;
        }

        public async Task DoneAsync(List<StreamRecord> finished, CancellationToken stop)
        {
            await gate.WaitAsync(stop).ConfigureAwait(false);
            try
            {
                foreach (var record in finished)
                {
                    Volatile.Write(ref done[index[record]], true);
                }

                var before = prefix;
                var end = prefix;
                while (end < done.Length && done[end])
                {
                    end++;
                }

                Volatile.Write(ref prefix, end);

                // When the handler committed this checkpoint with its rows (the SQL sink on a broker), the store knows and
                // skips it; any other advance (another lane's batch, discarded records) is written here.
                if (end > before)
                {
                    await owner.source.SaveCheckpointAsync(owner.Name, shardId, records[end - 1].SequenceNumber, stop)
                        .ConfigureAwait(false);
                }
            }
            finally
            {
                gate.Release();
            }
        }
    }
}
