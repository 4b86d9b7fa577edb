using System.Text;
using System.Text.Json;
using Spillway.Messaging.Streams;
using Spillway.Transport;

namespace Spillway.Processing;

/// <summary>
/// Feeds a stream from a queue: puts each message body into the stream as one record and reports the batch done once
/// the records are durable there, so the queue then deletes the messages. The partition key is the message body's
/// <c>partitionKeyField</c> (a top-level JSON text or number) when given and present, else the FIFO message group,
/// else the message id. At least once, as every hop between two stores without a shared transaction: a crash after the
/// put and before the delete puts the message again when it is received again.
/// </summary>
/// <remarks>
/// A message the stream can never take (its body over <see cref="StreamLimits.MaxRecordBytes"/>) is reported failed, so
/// the queue retries and then dead-letters it; a throttled record (shard quotas on) is reported failed and retried.
/// A stream that does not exist (yet) fails the whole batch, which the queue retries.
/// </remarks>
public sealed class StreamPutHandler : IMessageHandler
{
    private readonly Func<string, IStreamProducer?> streams;

    /// <param name="streamName">The stream fed.</param>
    /// <param name="partitionKeyField">The body's field whose value is the partition key; null for none.</param>
    /// <param name="streams">Finds a stream's producer by name; null when it does not exist. Looked up on every batch, so
    /// a stream created after the worker started is found.</param>
    public StreamPutHandler(string streamName, string? partitionKeyField, Func<string, IStreamProducer?> streams)
    {
        ArgumentException.ThrowIfNullOrEmpty(streamName);
        StreamName = streamName;
        PartitionKeyField = string.IsNullOrEmpty(partitionKeyField) ? null : partitionKeyField;
        this.streams = streams ?? throw new ArgumentNullException(nameof(streams));
    }

    public string StreamName { get; }

    public string? PartitionKeyField { get; }

    /// <inheritdoc />
    public async ValueTask<BatchOutcome> HandleAsync(MessageBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var producer = streams(StreamName) ?? throw new InvalidOperationException($"The stream '{StreamName}' does not exist.");
        var failed = new List<Guid>();
        var taken = new List<(Guid MessageId, StreamRecordInput Record, int Size)>(batch.Messages.Count);
        foreach (var message in batch.Messages)
        {
            var key = PartitionKey(message);
            var size = message.Body.Length + Encoding.UTF8.GetByteCount(key);
            if (size > StreamLimits.MaxRecordBytes)
            {
                failed.Add(message.MessageId);
                continue;
            }

            taken.Add((message.MessageId, new StreamRecordInput(message.Body, key), size));
        }

        // Puts as large as a stream request may be (records and bytes), each durable before the next.
        var start = 0;
        while (start < taken.Count)
        {
            var end = start;
            long bytes = 0;
            while (end < taken.Count && end - start < StreamLimits.MaxPutRecords
                && bytes + taken[end].Size <= StreamLimits.MaxPutRecordsBytes)
            {
                bytes += taken[end].Size;
                end++;
            }

            var outcomes = await producer.PutAsync([.. taken[start..end].Select(t => t.Record)], cancellationToken).ConfigureAwait(false);
            for (var i = start; i < end; i++)
            {
                if (outcomes[i - start].Throttled)
                {
                    failed.Add(taken[i].MessageId);
                }
            }

            start = end;
        }

        return failed.Count == 0 ? BatchOutcome.Success : new BatchOutcome(failed);
    }

    private string PartitionKey(Messaging.ReceivedMessage message)
    {
        if (PartitionKeyField is { } field && FieldText(message.Body.Span, field) is { Length: > 0 and <= StreamLimits.MaxPartitionKeyLength } value)
        {
            return value;
        }

        return message.MessageGroupId ?? message.MessageId.ToString("D");
    }

    /// <summary>A top-level field of a JSON object as text (a string's value, a number's spelling); null otherwise.</summary>
    private static string? FieldText(ReadOnlySpan<byte> body, string field)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var match = reader.ValueTextEquals(field);
                reader.Read();
                if (match)
                {
                    return reader.TokenType switch
                    {
                        JsonTokenType.String => reader.GetString(),
                        JsonTokenType.Number => Encoding.UTF8.GetString(reader.ValueSpan),
                        _ => null,
                    };
                }

                reader.Skip();
            }
        }
        catch (JsonException)
        {
        }

        return null;
    }
}
