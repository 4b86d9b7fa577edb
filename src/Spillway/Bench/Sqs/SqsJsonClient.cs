using System.Text.Json;
using Spillway.Bench.Support;

namespace Spillway.Bench.Sqs;

/// <summary>
/// The three calls of the benchmark in the SQS JSON 1.0 protocol.
/// </summary>
internal sealed class SqsJsonClient(Uri endpoint, int connections) : IDisposable
{
    private readonly AwsJsonClient client = new(endpoint, connections, "application/x-amz-json-1.0", "AmazonSQS.", "sqs");

    public async Task<string> CreateQueueAsync(string name, CancellationToken cancellationToken)
    {
        using var document = await CallAsync("CreateQueue", w => w.WriteString("QueueName", name), cancellationToken).ConfigureAwait(false);
        return document.RootElement.GetProperty("QueueUrl").GetString()!;
    }

    public async Task DeleteQueueAsync(string queueUrl, CancellationToken cancellationToken)
    {
        using var _ = await CallAsync("DeleteQueue", w => w.WriteString("QueueUrl", queueUrl), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends up to 10 bodies in one SendMessageBatch; throws if any entry failed.</summary>
    public async Task SendBatchAsync(string queueUrl, string body, int count, CancellationToken cancellationToken)
    {
        using var document = await CallAsync(
            "SendMessageBatch",
            w =>
            {
                w.WriteString("QueueUrl", queueUrl);
                w.WriteStartArray("Entries");
                for (var i = 0; i < count; i++)
                {
                    w.WriteStartObject();
                    w.WriteString("Id", Ids[i]);
                    w.WriteString("MessageBody", body);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
            },
            cancellationToken).ConfigureAwait(false);
        if (document.RootElement.TryGetProperty("Failed", out var failed) && failed.GetArrayLength() > 0)
        {
            throw new InvalidOperationException("SendMessageBatch entries failed: " + failed.GetRawText());
        }
    }

    /// <summary>Receives up to 10 messages (long poll <paramref name="waitSeconds"/>) and deletes them in one batch;
    /// returns how many were deleted.</summary>
    public async Task<int> ReceiveAndDeleteAsync(string queueUrl, int waitSeconds, CancellationToken cancellationToken)
    {
        string[] handles;
        using (var received = await CallAsync(
            "ReceiveMessage",
            w =>
            {
                w.WriteString("QueueUrl", queueUrl);
                w.WriteNumber("MaxNumberOfMessages", 10);
                w.WriteNumber("WaitTimeSeconds", waitSeconds);
            },
            cancellationToken).ConfigureAwait(false))
        {
            if (!received.RootElement.TryGetProperty("Messages", out var messages) || messages.GetArrayLength() == 0)
            {
                return 0;
            }

            handles = messages.EnumerateArray().Select(m => m.GetProperty("ReceiptHandle").GetString()!).ToArray();
        }

        using var deleted = await CallAsync(
            "DeleteMessageBatch",
            w =>
            {
                w.WriteString("QueueUrl", queueUrl);
                w.WriteStartArray("Entries");
                for (var i = 0; i < handles.Length; i++)
                {
                    w.WriteStartObject();
                    w.WriteString("Id", Ids[i]);
                    w.WriteString("ReceiptHandle", handles[i]);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
            },
            cancellationToken).ConfigureAwait(false);
        return deleted.RootElement.TryGetProperty("Successful", out var successful) ? successful.GetArrayLength() : 0;
    }

    public void Dispose() => client.Dispose();

    private static readonly string[] Ids = Enumerable.Range(0, 10).Select(i => "m" + i).ToArray();

    private Task<JsonDocument> CallAsync(string action, Action<Utf8JsonWriter> write, CancellationToken cancellationToken)
        => client.CallAsync(action, write, cancellationToken);
}
