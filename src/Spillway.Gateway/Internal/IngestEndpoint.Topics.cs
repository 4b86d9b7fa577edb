using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Spillway.Messaging;
using Spillway.Messaging.Topics;
using Spillway.Storage;
using Spillway.Transport;

namespace Spillway.Gateway.Internal;

internal sealed partial class IngestEndpoint
{
    // Found on the first request that finds the topic, then kept.
    private ITopicPublisher? publisher;

    /// <summary>
    /// A topic route: the records, validated as for a queue, are published one message each (with the route's attribute
    /// fields as message attributes), all at once; 202 with their message ids once every one is durable.
    /// </summary>
    private async Task PublishAsync(HttpContext context, ReadOnlyMemory<byte> body, BodyFormat format, string? idempotencyKey)
    {
        var topicName = route.Topic!;
        if (idempotencyKey is not null)
        {
            await WriteProblemAsync(context, IngestProblem.InvalidHeader(
                "Idempotency-Key", "is not supported on a topic route: use a FIFO topic's deduplication instead."));
            return;
        }

        var target = publisher ??= transport.Topics?.FindPublisher(topicName);
        if (await AdmitAsync(context, body, format, $"topic '{topicName}'", target?.Status, TopicLimits.MaxMessageBytes) is not (var records, var isBatch))
        {
            return;
        }

        var publishes = new Task<PublishResult>[records.Count];
        for (var i = 0; i < publishes.Length; i++)
        {
            var record = body[records[i]];
            publishes[i] = target!.PublishAsync(
                new TopicMessage(Encoding.UTF8.GetString(record.Span)) { Attributes = Attributes(record.Span) }, CancellationToken.None).AsTask();
        }

        try
        {
            await Task.WhenAll(publishes);
        }
        catch (ArgumentException e)
        {
            // The topic's own rules (a FIFO topic needs a message group, say): records before it may be stored.
            await WriteProblemAsync(context, IngestProblem.NotAnObject(topicName, e.Message));
            return;
        }
        catch (Exception e) when (e is StorageFullException or StorageFaultedException or ObjectDisposedException or IOException)
        {
            logger.SendFailed(path, e);
            await WriteUnavailableAsync(context, "Storage could not complete the publishes; the records were not acknowledged.");
            return;
        }

        var ids = publishes.Select(p => p.Result.MessageId).ToArray();
        await (isBatch
            ? WriteJsonAsync(context.Response, 202, new AcceptedBatch(ids), GatewayJsonContext.Default.AcceptedBatch, JsonContentType)
            : WriteJsonAsync(context.Response, 202, new AcceptedRecord(ids[0]), GatewayJsonContext.Default.AcceptedRecord, JsonContentType));
    }

    /// <summary>The route's attribute fields of one record: strings as String, numbers as Number, arrays as String.Array.</summary>
    private Dictionary<string, MessageAttributeValue>? Attributes(ReadOnlySpan<byte> record)
    {
        if (route.MessageAttributeFields.Count == 0)
        {
            return null;
        }

        Dictionary<string, MessageAttributeValue>? attributes = null;
        var reader = new Utf8JsonReader(record);
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString()!;
            reader.Read();
            if (!route.MessageAttributeFields.Contains(name))
            {
                reader.Skip();
                continue;
            }

            var start = (int)reader.TokenStartIndex;
            MessageAttributeValue? value = reader.TokenType switch
            {
                JsonTokenType.String => new("String", reader.GetString()),
                JsonTokenType.Number => new("Number", Encoding.UTF8.GetString(reader.ValueSpan)),
                JsonTokenType.True => new("String", "true"),
                JsonTokenType.False => new("String", "false"),
                JsonTokenType.StartArray => ArrayValue(ref reader, record, start),
                _ => null,
            };
            if (reader.TokenType is JsonTokenType.StartObject)
            {
                reader.Skip();
            }

            if (value is not null)
            {
                (attributes ??= new(StringComparer.Ordinal))[name] = value;
            }
        }

        return attributes;
    }

    private static MessageAttributeValue ArrayValue(ref Utf8JsonReader reader, ReadOnlySpan<byte> record, int start)
    {
        reader.Skip();
        return new("String.Array", Encoding.UTF8.GetString(record[start..((int)reader.TokenStartIndex + 1)]));
    }
}
