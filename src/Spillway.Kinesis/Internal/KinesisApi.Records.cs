using System.Globalization;
using System.Text;
using Spillway.Aws;
using Spillway.Aws.Protocols;
using Spillway.Messaging.Streams;

namespace Spillway.Kinesis.Internal;

/// <summary>Putting records, and reading them with shard iterators.</summary>
internal sealed partial class KinesisApi
{
    private async ValueTask PutRecordAsync(AwsCall call)
    {
        var stream = Stream(call);
        var record = RecordInput(call.Input, "");
        if (call.Input.String("SequenceNumberForOrdering") is { } ordering && !SequenceNumberPattern(ordering))
        {
            throw KinesisErrors.Shape($"1 validation error detected: Value '{ordering}' at 'sequenceNumberForOrdering' is not a sequence number.");
        }

        var outcome = (await stream.PutAsync([record], call.Aborted).ConfigureAwait(false))[0];
        if (outcome.Throttled)
        {
            throw new AwsException(KinesisErrors.ThroughputExceeded, ThrottledMessage(stream, outcome.ShardId));
        }

        var r = call.Response;
        r.Begin(call.Action);
        r.String("ShardId", outcome.ShardId);
        r.String("SequenceNumber", outcome.SequenceNumber);
        r.String("EncryptionType", "NONE");
        r.End(call.Action, call.RequestId);
    }

    private async ValueTask PutRecordsAsync(AwsCall call)
    {
        var stream = Stream(call);
        var entries = call.Input.Structures("Records", "Records")
            ?? throw KinesisErrors.Shape("1 validation error detected: Value null at 'records' failed to satisfy constraint: Member must not be null.");
        if (entries.Count is < 1 or > StreamLimits.MaxPutRecords)
        {
            throw KinesisErrors.Shape(
                $"1 validation error detected: Value '{entries.Count}' records at 'records' failed to satisfy constraint: "
                + $"Member must have length between 1 and {StreamLimits.MaxPutRecords}.");
        }

        // Every entry is checked before anything is written, so a bad one refuses the whole call and writes nothing.
        var records = new StreamRecordInput[entries.Count];
        long bytes = 0;
        for (var i = 0; i < entries.Count; i++)
        {
            records[i] = RecordInput(entries[i], $"records.{i + 1}.member.");
            bytes += records[i].Data.Length + Encoding.UTF8.GetByteCount(records[i].PartitionKey);
        }

        if (bytes > StreamLimits.MaxPutRecordsBytes)
        {
            throw KinesisErrors.Invalid($"Records size exceeds {StreamLimits.MaxPutRecordsBytes / (1024 * 1024)} MB limit ({bytes} bytes).");
        }

        var outcomes = await stream.PutAsync(records, call.Aborted).ConfigureAwait(false);
        var r = call.Response;
        r.Begin(call.Action);
        r.Number("FailedRecordCount", outcomes.Count(o => o.Throttled));
        r.BeginList("Records");
        foreach (var outcome in outcomes)
        {
            r.BeginItem("member");
            if (outcome.Throttled)
            {
                r.String("ErrorCode", KinesisErrors.ThroughputExceeded.Code);
                r.String("ErrorMessage", ThrottledMessage(stream, outcome.ShardId));
            }
            else
            {
                r.String("SequenceNumber", outcome.SequenceNumber);
                r.String("ShardId", outcome.ShardId);
            }

            r.EndItem("member");
        }

        r.EndList();
        r.String("EncryptionType", "NONE");
        r.End(call.Action, call.RequestId);
    }

    private ValueTask GetShardIterator(AwsCall call)
    {
        var stream = Stream(call);
        var shard = Required(call, "ShardId");
        var start = IteratorStartOf(Required(call, "ShardIteratorType"), "shardIteratorType");
        var sequence = call.Input.String("StartingSequenceNumber");
        var timestamp = call.Input.Timestamp("Timestamp");
        var position = Seek(stream, shard, start, sequence, timestamp);
        var r = call.Response;
        r.Begin(call.Action);
        r.String("ShardIterator", iterators.Issue(stream, position));
        r.End(call.Action, call.RequestId);
        return ValueTask.CompletedTask;
    }

    private ValueTask GetRecords(AwsCall call)
    {
        var text = Required(call, "ShardIterator");
        if (text.Length > 512)
        {
            throw KinesisErrors.Shape("1 validation error detected: Value at 'shardIterator' failed to satisfy constraint: Member must have length less than or equal to 512.");
        }

        var limit = Bounded(call, "Limit", 1, StreamLimits.MaxGetRecordsLimit) ?? StreamLimits.MaxGetRecordsLimit;
        var (name, created, position) = iterators.Read(text);
        if (!streams.TryGet(name, out var stream) || stream.CreatedAt.ToUnixTimeMilliseconds() != created)
        {
            throw new AwsException(KinesisErrors.ResourceNotFound, $"Shard {position.ShardId} in stream {name} under account {account.AccountId} does not exist.");
        }

        var read = stream.Read(position, limit);
        var r = call.Response;
        r.Begin(call.Action);
        WriteRecords(r, read.Records);
        if (read.Next is { } next)
        {
            r.String("NextShardIterator", iterators.Issue(stream, next));
        }

        r.Number("MillisBehindLatest", read.MillisBehindLatest);
        WriteChildShards(r, read.ChildShards);
        r.End(call.Action, call.RequestId);
        return ValueTask.CompletedTask;
    }

    /// <summary>A record to put: its data, partition key and optional explicit hash key, checked against Kinesis's shapes
    /// (<paramref name="path"/> places the member in the message, as Kinesis does for a PutRecords entry).</summary>
    private static StreamRecordInput RecordInput(AwsInput input, string path)
    {
        var data = input.Blob("Data")
            ?? throw KinesisErrors.Shape($"1 validation error detected: Value null at '{path}data' failed to satisfy constraint: Member must not be null.");
        var key = input.String("PartitionKey")
            ?? throw KinesisErrors.Shape($"1 validation error detected: Value null at '{path}partitionKey' failed to satisfy constraint: Member must not be null.");
        if (key.Length is < 1 or > StreamLimits.MaxPartitionKeyLength)
        {
            throw KinesisErrors.Shape(
                $"1 validation error detected: Value at '{path}partitionKey' failed to satisfy constraint: Member must have length between 1 and "
                + $"{StreamLimits.MaxPartitionKeyLength}.");
        }

        if (data.Length + Encoding.UTF8.GetByteCount(key) > StreamLimits.MaxRecordBytes)
        {
            throw KinesisErrors.Shape(
                $"1 validation error detected: Value at '{path}data' failed to satisfy constraint: Member must have length less than or equal to "
                + $"{StreamLimits.MaxRecordBytes} (with its partition key).");
        }

        UInt128? explicitKey = input.String("ExplicitHashKey") is { } hash ? HashKey(hash, path + "explicitHashKey") : null;
        return new StreamRecordInput(data, key, explicitKey);
    }

    private ShardPosition Seek(DataStream stream, string shard, IteratorStart start, string? sequence, DateTimeOffset? timestamp)
    {
        switch (start)
        {
            case IteratorStart.AtSequenceNumber or IteratorStart.AfterSequenceNumber when sequence is null:
                throw KinesisErrors.Invalid("StartingSequenceNumber is required for the AT_SEQUENCE_NUMBER and AFTER_SEQUENCE_NUMBER types.");
            case IteratorStart.AtSequenceNumber or IteratorStart.AfterSequenceNumber when !SequenceNumberPattern(sequence):
                throw KinesisErrors.Shape($"1 validation error detected: Value '{sequence}' at 'startingSequenceNumber' is not a sequence number.");
            case IteratorStart.AtTimestamp when timestamp is null:
                throw KinesisErrors.Invalid("Timestamp is required for the AT_TIMESTAMP type.");
            default:
                if (!stream.Shards.Any(s => s.ShardId == shard))
                {
                    throw new AwsException(
                        KinesisErrors.ResourceNotFound, $"Shard {shard} in stream {stream.Name} under account {account.AccountId} does not exist.");
                }

                return stream.Seek(shard, start, sequence, timestamp);
        }
    }

    private static IteratorStart IteratorStartOf(string type, string member) => type switch
    {
        "TRIM_HORIZON" => IteratorStart.TrimHorizon,
        "LATEST" => IteratorStart.Latest,
        "AT_SEQUENCE_NUMBER" => IteratorStart.AtSequenceNumber,
        "AFTER_SEQUENCE_NUMBER" => IteratorStart.AfterSequenceNumber,
        "AT_TIMESTAMP" => IteratorStart.AtTimestamp,
        _ => throw KinesisErrors.Shape(
            $"1 validation error detected: Value '{type}' at '{member}' failed to satisfy constraint: Member must satisfy enum value set: "
            + "[AFTER_SEQUENCE_NUMBER, AT_SEQUENCE_NUMBER, AT_TIMESTAMP, TRIM_HORIZON, LATEST]"),
    };

    private static bool SequenceNumberPattern(string text) =>
        text.Length is >= 1 and <= 129 && text.All(char.IsAsciiDigit) && (text == "0" || text[0] != '0');

    private string ThrottledMessage(DataStream stream, string? shard) =>
        $"Rate exceeded for shard {shard} in stream {stream.Name} under account {account.AccountId}.";

    private static void WriteRecords(AwsResponse r, IReadOnlyList<StreamRecord> records)
    {
        r.BeginList("Records");
        foreach (var record in records)
        {
            r.BeginItem("member");
            r.String("SequenceNumber", record.SequenceNumber);
            r.Timestamp("ApproximateArrivalTimestamp", record.ApproximateArrivalTimestamp);
            r.Blob("Data", record.Data.Span);
            r.String("PartitionKey", record.PartitionKey);
            r.EndItem("member");
        }

        r.EndList();
    }

    private static void WriteChildShards(AwsResponse r, IReadOnlyList<ShardDescription> children)
    {
        if (children.Count == 0)
        {
            return;
        }

        r.BeginList("ChildShards");
        foreach (var child in children)
        {
            r.BeginItem("member");
            r.String("ShardId", child.ShardId);
            r.BeginList("ParentShards");
            foreach (var parent in (string?[])[child.ParentShardId, child.AdjacentParentShardId])
            {
                if (parent is not null)
                {
                    r.ListString("member", parent);
                }
            }

            r.EndList();
            r.BeginStructure("HashKeyRange");
            r.String("StartingHashKey", child.StartingHashKey.ToString(CultureInfo.InvariantCulture));
            r.String("EndingHashKey", child.EndingHashKey.ToString(CultureInfo.InvariantCulture));
            r.EndStructure("HashKeyRange");
            r.EndItem("member");
        }

        r.EndList();
    }
}
