using Spillway.Aws;
using Spillway.DeliveryStreams;

namespace Spillway.Firehose.Internal;

internal sealed partial class FirehoseApi
{
    private async ValueTask PutRecordAsync(AwsCall call)
    {
        var stream = Stream(call);
        var data = call.Input.Structure("Record")?.Blob("Data")
            ?? throw FirehoseErrors.Shape("1 validation error detected: Value null at 'record.data' failed to satisfy constraint: Member must not be null");
        CheckRecord(data, "record.data");
        RefuseSourced(stream);
        var ids = await stream.PutAsync([data], CancellationToken.None).ConfigureAwait(false);
        var r = call.Response;
        r.Begin(call.Action);
        r.String("RecordId", ids[0]);
        r.Bool("Encrypted", false);
        r.End(call.Action, call.RequestId);
    }

    /// <summary>
    /// Every record of the batch is checked first and the batch is then put all at once, durably: a batch is refused
    /// whole (nothing stored) or every record gets its id, so FailedPutCount is 0 unless storage fails.
    /// </summary>
    private async ValueTask PutRecordBatchAsync(AwsCall call)
    {
        var stream = Stream(call);
        var records = call.Input.Structures("Records", "Records")
            ?? throw FirehoseErrors.Shape("1 validation error detected: Value null at 'records' failed to satisfy constraint: Member must not be null");
        if (records.Count is 0 or > DeliveryLimits.MaxBatchRecords)
        {
            throw FirehoseErrors.Shape(
                $"1 validation error detected: Value '{records.Count}' records at 'records' failed to satisfy constraint: "
                + $"Member must have length less than or equal to {DeliveryLimits.MaxBatchRecords} and greater than or equal to 1");
        }

        var data = new ReadOnlyMemory<byte>[records.Count];
        long total = 0;
        for (var i = 0; i < records.Count; i++)
        {
            var bytes = records[i].Blob("Data")
                ?? throw FirehoseErrors.Shape($"1 validation error detected: Value null at 'records.{i + 1}.member.data' failed to satisfy constraint: Member must not be null");
            CheckRecord(bytes, $"records.{i + 1}.member.data");
            data[i] = bytes;
            total += bytes.Length;
        }

        if (total > DeliveryLimits.MaxBatchBytes)
        {
            throw FirehoseErrors.Invalid($"Records size exceeds {DeliveryLimits.MaxBatchBytes / (1024 * 1024)} MiB limit: the batch holds {total} bytes.");
        }

        RefuseSourced(stream);
        var ids = await stream.PutAsync(data, CancellationToken.None).ConfigureAwait(false);
        var r = call.Response;
        r.Begin(call.Action);
        r.Number("FailedPutCount", 0);
        r.Bool("Encrypted", false);
        r.BeginList("RequestResponses");
        foreach (var id in ids)
        {
            r.BeginItem("member");
            r.String("RecordId", id);
            r.EndItem("member");
        }

        r.EndList();
        r.End(call.Action, call.RequestId);
    }

    private static void CheckRecord(byte[] data, string member)
    {
        if (data.Length > DeliveryLimits.MaxRecordBytes)
        {
            throw FirehoseErrors.Shape(
                $"1 validation error detected: Value at '{member}' failed to satisfy constraint: Member must have length less than or equal to {DeliveryLimits.MaxRecordBytes}");
        }

        if (data.Length == 0)
        {
            throw FirehoseErrors.Shape($"1 validation error detected: Value at '{member}' failed to satisfy constraint: Member must have length greater than or equal to 1");
        }
    }

    /// <summary>A delivery stream that reads a stream takes no puts, as Firehose refuses them.</summary>
    private static void RefuseSourced(DeliveryStream stream)
    {
        if (stream.Definition.Source is not null)
        {
            throw FirehoseErrors.Invalid("This operation is not permitted on KinesisStreamAsSource delivery stream type.");
        }
    }
}
