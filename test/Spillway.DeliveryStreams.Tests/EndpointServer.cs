using System.IO.Compression;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Spillway.TestKit;

namespace Spillway.DeliveryStreams.Tests;

/// <summary>
/// An HTTP endpoint destination on loopback (TestKit's Kestrel host): each POST is kept (headers, and the body, gunzipped when it came
/// compressed) and announced on <see cref="Requests"/>, and answered by the test's <c>answer</c>.
/// </summary>
internal sealed class EndpointServer : IAsyncDisposable
{
    private readonly Channel<EndpointRequest> requests = Channel.CreateUnbounded<EndpointRequest>();
    private TestWebHost host = null!;

    public Uri Url { get; private set; } = null!;

    public List<EndpointRequest> Received { get; } = [];

    /// <summary>An answer as Firehose expects it: 200 with the request's id.</summary>
    public static (int Status, string Body) Accept(EndpointRequest request) =>
        (200, JsonSerializer.Serialize(new { requestId = request.Body.GetProperty("requestId").GetString(), timestamp = 1 }));

    public static async Task<EndpointServer> StartAsync(Func<EndpointRequest, (int Status, string Body)> answer)
    {
        var server = new EndpointServer();
        server.host = await TestWebHost.StartAsync(app => app.MapPost("/ingest", async (HttpContext context) =>
        {
            var encoding = context.Request.Headers.ContentEncoding.ToString();
            await using var body = encoding == "gzip" ? new GZipStream(context.Request.Body, CompressionMode.Decompress) : context.Request.Body;
            using var document = await JsonDocument.ParseAsync(body);
            var request = new EndpointRequest(
                context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
                document.RootElement.Clone());
            lock (server.Received)
            {
                server.Received.Add(request);
            }

            var (status, answerBody) = answer(request);
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(answerBody);
            await server.requests.Writer.WriteAsync(request);
        }));
        server.Url = new Uri(server.host.BaseUrl + "/ingest");
        return server;
    }

    /// <summary>The next request answered.</summary>
    public async Task<EndpointRequest> NextAsync() => await requests.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));

    public ValueTask DisposeAsync() => host.DisposeAsync();
}

/// <summary>One POST the endpoint received: its headers and its JSON body.</summary>
internal sealed record EndpointRequest(IReadOnlyDictionary<string, string> Headers, JsonElement Body)
{
    public IReadOnlyList<string> Records =>
        [.. Body.GetProperty("records").EnumerateArray().Select(r => System.Text.Encoding.UTF8.GetString(r.GetProperty("data").GetBytesFromBase64()))];
}
