using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Spillway.Messaging.Streams;
using Spillway.Storage;
using Spillway.Transport;

namespace Spillway.Gateway.Internal;

internal sealed partial class IngestEndpoint
{
    // Found on the first request that finds the stream, then kept.
    private IStreamProducer? producer;

    /// <summary>A stream route: the records, validated as for a queue, are put with their partition key field's value in
    /// one durable put (at most PutRecords' 500), answered with where each went.</summary>
    private async Task PutAsync(HttpContext context, ReadOnlyMemory<byte> body, BodyFormat format, string? idempotencyKey)
    {
        var streamName = route.Stream!;
        if (idempotencyKey is not null)
        {
            // A stream keeps every put, as Kinesis does: a key it could not honour must not look honoured.
            await WriteProblemAsync(context, IngestProblem.InvalidHeader(
                "Idempotency-Key", "is not supported on a stream route: a stream keeps every put, as Kinesis does."));
            return;
        }

        var target = producer ??= transport.Streams?.FindProducer(streamName);
        if (await AdmitAsync(context, body, format, $"stream '{streamName}'", target?.Status, StreamLimits.MaxRecordBytes) is not (var records, var isBatch))
        {
            return;
        }

        var inputs = new StreamRecordInput[records.Count];
        Dictionary<string, string[]>? errors = null;
        for (var i = 0; i < inputs.Length; i++)
        {
            var data = body[records[i]].ToArray();
            var key = PartitionKey(data);
            if (key is null)
            {
                IngestProblem.AddError(
                    ref errors, RecordValidator.Path(isBatch ? i : -1, route.PartitionKeyField), "is required: it is the record's partition key");
                continue;
            }

            inputs[i] = new StreamRecordInput(data, key);
        }

        if (errors is not null)
        {
            await WriteProblemAsync(context, IngestProblem.InvalidRecords(errors));
            return;
        }

        IReadOnlyList<PutOutcome> outcomes;
        try
        {
            outcomes = await target!.PutAsync(inputs, CancellationToken.None);
        }
        catch (ArgumentException e)
        {
            // The stream's own limits (a partition key over 256 characters, say); nothing was stored.
            await WriteProblemAsync(context, IngestProblem.NotAnObject(route.PartitionKeyField!, e.Message));
            return;
        }
        catch (Exception e) when (e is StorageFullException or StorageFaultedException or ObjectDisposedException or IOException)
        {
            logger.SendFailed(path, e);
            await WriteUnavailableAsync(context, "Storage could not complete the put; the records were not acknowledged.");
            return;
        }

        var accepted = new AcceptedStreamRecord[outcomes.Count];
        for (var i = 0; i < accepted.Length; i++)
        {
            if (outcomes[i] is not { Throttled: false, ShardId: { } shard, SequenceNumber: var sequence })
            {
                // Only with the stream's shard quotas on; the other records of the request are stored.
                await WriteUnavailableAsync(
                    context, $"The stream's shard write quota refused record {i}; records before it may be stored, so retry only the rest.");
                return;
            }

            accepted[i] = new AcceptedStreamRecord(shard, sequence);
        }

        await (isBatch
            ? WriteJsonAsync(context.Response, 202, new AcceptedStreamBatch(accepted), GatewayJsonContext.Default.AcceptedStreamBatch, JsonContentType)
            : WriteJsonAsync(context.Response, 202, accepted[0], GatewayJsonContext.Default.AcceptedStreamRecord, JsonContentType));
    }

    // The partition key field's value as text: a string as it is, a number as written; null when absent or of another kind.
    private string? PartitionKey(byte[] record)
    {
        var reader = new Utf8JsonReader(record);
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var match = reader.ValueTextEquals(route.PartitionKeyField);
            reader.Read();
            if (match)
            {
                return reader.TokenType switch
                {
                    JsonTokenType.String => reader.GetString() is { Length: > 0 } text ? text : null,
                    JsonTokenType.Number => System.Text.Encoding.UTF8.GetString(reader.ValueSpan),
                    _ => null,
                };
            }

            reader.Skip();
        }

        return null;
    }
}
