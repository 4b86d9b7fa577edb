using System.Buffers;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Spillway.DeliveryStreams.Destinations;

namespace Spillway.DeliveryStreams.Internal;

/// <summary>
/// Sends a buffer to an HTTP endpoint in Firehose's request shape and reads its answer: 200 with a JSON body whose
/// <c>requestId</c> is the one sent is success, anything else a failure. A failure is retried after 1 s, doubling to
/// 60 s, on the stream's clock, until the destination's retry duration has passed since the first failure.
/// </summary>
internal sealed class HttpEndpointSender(HttpClient client, TimeProvider time)
{
    private static readonly MediaTypeHeaderValue JsonType = new("application/json");

    // An answer is a small JSON object; more than this is not one.
    private const int MaxAnswerBytes = 1024 * 1024;

    /// <summary>What became of a buffer: delivered or not, after how many attempts, when the last one ended, the body's
    /// size as sent, and the last failure's code and message.</summary>
    public readonly record struct Outcome(bool Delivered, int Attempts, long EndingMs, long BodyBytes, string? ErrorCode, string? ErrorMessage);

    /// <summary>Sends <paramref name="records"/> under <paramref name="requestId"/> (the same at every attempt) until the
    /// endpoint accepts them or the retry duration has passed; <paramref name="failed"/> is called after each failed attempt.</summary>
    public async Task<Outcome> SendAsync(
        HttpEndpointDestination endpoint,
        string sourceArn,
        string requestId,
        IReadOnlyList<ReadOnlyMemory<byte>> records,
        Action failed,
        CancellationToken cancellationToken)
    {
        var delay = RetryDelay.First;
        DateTimeOffset? firstFailure = null;
        var attempts = 0;
        while (true)
        {
            attempts++;
            var body = Body(requestId, time.GetUtcNow().ToUnixTimeMilliseconds(), records, endpoint.Gzip);
            try
            {
                await PostAsync(endpoint, sourceArn, requestId, body, cancellationToken).ConfigureAwait(false);
                return new Outcome(true, attempts, time.GetUtcNow().ToUnixTimeMilliseconds(), body.Length, null, null);
            }
            catch (EndpointException e)
            {
                failed();
                var now = time.GetUtcNow();
                firstFailure ??= now;
                var left = firstFailure.Value + endpoint.RetryDuration - now;
                if (left <= TimeSpan.Zero)
                {
                    return new Outcome(false, attempts, now.ToUnixTimeMilliseconds(), body.Length, e.Code, e.Message);
                }

                await Task.Delay(delay < left ? delay : left, time, cancellationToken).ConfigureAwait(false);
                delay = RetryDelay.Next(delay);
            }
        }
    }

    private async Task PostAsync(HttpEndpointDestination endpoint, string sourceArn, string requestId, byte[] body, CancellationToken cancellationToken)
    {
        var where = $"{endpoint.Url.Scheme}://{endpoint.Url.Authority}{endpoint.Url.AbsolutePath}";
        using var timeout = new CancellationTokenSource(endpoint.RequestTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint.Url)
        {
            Content = new ByteArrayContent(body) { Headers = { ContentType = JsonType } },
        };
        if (endpoint.Gzip)
        {
            request.Content.Headers.ContentEncoding.Add("gzip");
        }

        request.Headers.Add("X-Amz-Firehose-Protocol-Version", "1.0");
        request.Headers.Add("X-Amz-Firehose-Request-Id", requestId);
        request.Headers.Add("X-Amz-Firehose-Source-Arn", sourceArn);
        if (endpoint.AccessKey is { } accessKey)
        {
            request.Headers.TryAddWithoutValidation("X-Amz-Firehose-Access-Key", accessKey);
        }

        if (endpoint.CommonAttributes.Count > 0)
        {
            request.Headers.TryAddWithoutValidation("X-Amz-Firehose-Common-Attributes", CommonAttributes(endpoint.CommonAttributes));
        }

        try
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
            var answer = response.Content.Headers.ContentLength is > MaxAnswerBytes
                ? []
                : await response.Content.ReadAsByteArrayAsync(linked.Token).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new EndpointException(InvalidResponse, $"The endpoint at {where} answered {(int)response.StatusCode}{ErrorMessageOf(answer)}.");
            }

            if (RequestIdOf(answer) != requestId)
            {
                throw new EndpointException(
                    InvalidResponse, $"The endpoint at {where} answered 200 without a JSON body whose requestId is {requestId}.");
            }
        }
        catch (OperationCanceledException e) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new EndpointException("HttpEndpoint.RequestTimeout", $"The endpoint at {where} did not answer within {endpoint.RequestTimeout}.", e);
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            throw new EndpointException("HttpEndpoint.ConnectionFailed", $"The endpoint at {where} could not be reached: {(e as HttpRequestException)?.HttpRequestError.ToString() ?? e.Message}.", e);
        }
    }

    private const string InvalidResponse = "HttpEndpoint.InvalidResponseFromDestination";

    /// <summary>Firehose's request body: <c>{"requestId", "timestamp", "records": [{"data": base64}]}</c>, gzipped when asked.</summary>
    private static byte[] Body(string requestId, long timestampMs, IReadOnlyList<ReadOnlyMemory<byte>> records, bool gzip)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("requestId", requestId);
            json.WriteNumber("timestamp", timestampMs);
            json.WriteStartArray("records");
            foreach (var record in records)
            {
                json.WriteStartObject();
                json.WriteBase64String("data", record.Span);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        if (!gzip)
        {
            return buffer.WrittenSpan.ToArray();
        }

        using var compressed = new MemoryStream();
        using (var zip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            zip.Write(buffer.WrittenSpan);
        }

        return compressed.ToArray();
    }

    private static string CommonAttributes(IReadOnlyDictionary<string, string> attributes)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartObject("commonAttributes");
            foreach (var (name, value) in attributes)
            {
                json.WriteString(name, value);
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static string? RequestIdOf(byte[] answer)
    {
        try
        {
            using var document = JsonDocument.Parse(answer);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("requestId", out var id) && id.ValueKind == JsonValueKind.String
                ? id.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string ErrorMessageOf(byte[] answer)
    {
        try
        {
            using var document = JsonDocument.Parse(answer);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("errorMessage", out var message) && message.ValueKind == JsonValueKind.String
                ? ": " + message.GetString()
                : string.Empty;
        }
        catch (JsonException)
        {
            return string.Empty;
        }
    }

    /// <summary>An attempt that failed, with Firehose's error code for it.</summary>
    private sealed class EndpointException(string code, string message, Exception? inner = null) : Exception(message, inner)
    {
        public string Code { get; } = code;
    }
}
