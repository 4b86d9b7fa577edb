using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Spillway.Bench.Support;

/// <summary>
/// Calls of an AWS JSON protocol as current SDKs send them (POST /, <c>X-Amz-Target</c>), over one pooled HttpClient.
/// Requests carry a well-formed but unchecked SigV4 header: a benchmark server has no credentials configured, so, as
/// emulators do, it accepts any signature.
/// </summary>
internal sealed class AwsJsonClient : IDisposable
{
    private readonly HttpClient http;
    private readonly Uri endpoint;
    private readonly MediaTypeHeaderValue contentType;
    private readonly string targetPrefix;
    private readonly string service;

    /// <param name="endpoint">The server's main listener.</param>
    /// <param name="connections">Most connections at once.</param>
    /// <param name="contentType">e.g. <c>application/x-amz-json-1.0</c>.</param>
    /// <param name="targetPrefix">What precedes the action in <c>X-Amz-Target</c>, e.g. <c>AmazonSQS.</c>.</param>
    /// <param name="service">The service in the signature's scope, e.g. <c>sqs</c>.</param>
    public AwsJsonClient(Uri endpoint, int connections, string contentType, string targetPrefix, string service)
    {
        this.endpoint = endpoint;
        this.contentType = new MediaTypeHeaderValue(contentType);
        this.targetPrefix = targetPrefix;
        this.service = service;
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

    /// <summary>Calls <paramref name="action"/> with the JSON object <paramref name="write"/> fills; throws on a non-2xx answer.</summary>
    public async Task<JsonDocument> CallAsync(string action, Action<Utf8JsonWriter> write, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new ReadOnlyMemoryContent(buffer.WrittenMemory) };
        request.Content.Headers.ContentType = contentType;
        request.Headers.TryAddWithoutValidation("X-Amz-Target", targetPrefix + action);
        var now = DateTime.UtcNow;
        request.Headers.TryAddWithoutValidation("X-Amz-Date", now.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation(
            "Authorization",
            $"AWS4-HMAC-SHA256 Credential=bench/{now.ToString("yyyyMMdd", CultureInfo.InvariantCulture)}/us-east-1/{service}/aws4_request, " +
            "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=" + new string('0', 64));
        using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"{action}: HTTP {(int)response.StatusCode}: {Encoding.UTF8.GetString(bytes)}", null, response.StatusCode);
        }

        return bytes.Length == 0 ? JsonDocument.Parse("{}") : JsonDocument.Parse(bytes);
    }

    public void Dispose() => http.Dispose();
}
