using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Spillway.Bench.Sqs;

/// <summary>
/// The three calls of the benchmark in the SQS JSON 1.0 protocol, as current SDKs send them (POST /, X-Amz-Target), over
/// one pooled HttpClient. Requests carry a well-formed but unchecked SigV4 header: the benchmark server has no
/// credentials configured, so, as SQS emulators do, it accepts any signature.
/// </summary>
internal sealed class SqsJsonClient : IDisposable
{
    private static readonly MediaTypeHeaderValue JsonType = new("application/x-amz-json-1.0");
    private readonly HttpClient http;
    private readonly Uri endpoint;

    public SqsJsonClient(Uri endpoint, int connections)
    {
        this.endpoint = endpoint;
        http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = connections,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
        })
        {
            Timeout = TimeSpan.FromSeconds(60),
        };
    }

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

    public void Dispose() => http.Dispose();

    private static readonly string[] Ids = Enumerable.Range(0, 10).Select(i => "m" + i).ToArray();

    private async Task<JsonDocument> CallAsync(string action, Action<Utf8JsonWriter> write, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new ReadOnlyMemoryContent(buffer.WrittenMemory) };
        request.Content.Headers.ContentType = JsonType;
        request.Headers.TryAddWithoutValidation("X-Amz-Target", "AmazonSQS." + action);
        var now = DateTime.UtcNow;
        request.Headers.TryAddWithoutValidation("X-Amz-Date", now.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation(
            "Authorization",
            $"AWS4-HMAC-SHA256 Credential=bench/{now.ToString("yyyyMMdd", CultureInfo.InvariantCulture)}/us-east-1/sqs/aws4_request, " +
            "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=" + new string('0', 64));
        using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException(
                $"{action}: HTTP {(int)response.StatusCode}: {System.Text.Encoding.UTF8.GetString(bytes)}", null, response.StatusCode);
        }

        return bytes.Length == 0 ? JsonDocument.Parse("{}") : JsonDocument.Parse(bytes);
    }
}
