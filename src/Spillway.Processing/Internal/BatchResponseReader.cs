using System.Text.Json;

namespace Spillway.Processing.Internal;

/// <summary>
/// Reads a partial batch response exactly as Lambda does: an empty or null answer, or a null or empty
/// <c>batchItemFailures</c>, is full success; an item without a valid <c>itemIdentifier</c> naming a message of the batch,
/// or an answer that is not JSON, fails the whole batch. Items name message ids, or sequence numbers for a stream batch.
/// </summary>
internal static class BatchResponseReader
{
    public static BatchOutcome Read(ReadOnlySpan<byte> answer, MessageBatch batch)
    {
        if (answer.Trim(" \t\r\n"u8).IsEmpty)
        {
            return BatchOutcome.Success;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(answer.ToArray());
        }
        catch (JsonException ex)
        {
            throw new HttpFunctionException("The function's answer is not valid JSON; the whole batch failed.", ex);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Null)
            {
                return BatchOutcome.Success;
            }

            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new HttpFunctionException($"The function answered a JSON {root.ValueKind}, not an object; the whole batch failed.");
            }

            if (!root.TryGetProperty("batchItemFailures", out var failures) || failures.ValueKind == JsonValueKind.Null)
            {
                return BatchOutcome.Success;
            }

            if (failures.ValueKind != JsonValueKind.Array)
            {
                throw new HttpFunctionException("batchItemFailures is not an array; the whole batch failed.");
            }

            if (failures.GetArrayLength() == 0)
            {
                return BatchOutcome.Success;
            }

            // A queue's items are message ids; a stream's are sequence numbers (as Lambda's Kinesis trigger reads them).
            var inBatch = new Dictionary<string, Guid>(batch.Messages.Count, StringComparer.Ordinal);
            for (var i = 0; i < batch.Messages.Count; i++)
            {
                var id = batch.Messages[i].MessageId;
                inBatch[batch.Stream is { } stream ? stream.Records[i].SequenceNumber : id.ToString("D")] = id;
            }

            var failed = new HashSet<Guid>();
            foreach (var item in failures.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Object
                    || !item.TryGetProperty("itemIdentifier", out var identifier)
                    || identifier.ValueKind != JsonValueKind.String
                    || !inBatch.TryGetValue(Normalized(identifier.GetString()!, batch), out var id))
                {
                    throw new HttpFunctionException(
                        "A batchItemFailures entry has no itemIdentifier naming a message of the batch; the whole batch failed.");
                }

                failed.Add(id);
            }

            return new BatchOutcome(failed);
        }
    }

    // Message ids are compared as GUIDs (any casing or format); sequence numbers exactly.
    private static string Normalized(string identifier, MessageBatch batch) =>
        batch.Stream is null && Guid.TryParse(identifier, out var id) ? id.ToString("D") : identifier;
}
