using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Spillway.TestKit;

namespace Spillway.DeliveryStreams.Tests;

/// <summary>
/// A transform function on loopback (Kestrel): each POSTed event is kept in <see cref="Events"/> and answered by the
/// test's <c>answer</c>, which gets the parsed event and returns the status and body.
/// </summary>
internal sealed class FunctionServer : IAsyncDisposable
{
    private TestWebHost host = null!;

    public Uri Url { get; private set; } = null!;

    public ConcurrentQueue<JsonElement> Events { get; } = new();

    public static Task<FunctionServer> StartAsync(Func<JsonElement, (int Status, string Body)> answer) =>
        StartAsync(request => Task.FromResult(answer(request)));

    public static async Task<FunctionServer> StartAsync(Func<JsonElement, Task<(int Status, string Body)>> answer)
    {
        var server = new FunctionServer();
        server.host = await TestWebHost.StartAsync(app => app.MapPost("/transform", async (HttpContext context) =>
        {
            using var document = await JsonDocument.ParseAsync(context.Request.Body);
            var request = document.RootElement.Clone();
            server.Events.Enqueue(request);
            var (status, body) = await answer(request);
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(body);
        }));
        server.Url = new Uri(server.host.BaseUrl + "/transform");
        return server;
    }

    /// <summary>An answer giving every record of the event the result <paramref name="result"/> of its data.</summary>
    public static string Answer(JsonElement request, Func<string, (string Result, string? Data)> result) =>
        JsonSerializer.Serialize(new
        {
            records = request.GetProperty("records").EnumerateArray().Select(r =>
            {
                var (outcome, data) = result(System.Text.Encoding.UTF8.GetString(r.GetProperty("data").GetBytesFromBase64()));
                return new
                {
                    recordId = r.GetProperty("recordId").GetString(),
                    result = outcome,
                    data = data is null ? null : Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(data)),
                };
            }),
        });

    public ValueTask DisposeAsync() => host.DisposeAsync();
}
