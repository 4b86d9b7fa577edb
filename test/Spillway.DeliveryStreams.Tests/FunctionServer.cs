using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Spillway.DeliveryStreams.Tests;

/// <summary>
/// A transform function on loopback (Kestrel): each POSTed event is kept in <see cref="Events"/> and answered by the
/// test's <c>answer</c>, which gets the parsed event and returns the status and body.
/// </summary>
internal sealed class FunctionServer : IAsyncDisposable
{
    private readonly WebApplication app;

    private FunctionServer(WebApplication app, Uri url)
    {
        this.app = app;
        Url = url;
    }

    public Uri Url { get; }

    public ConcurrentQueue<JsonElement> Events { get; } = new();

    public static Task<FunctionServer> StartAsync(Func<JsonElement, (int Status, string Body)> answer) =>
        StartAsync(request => Task.FromResult(answer(request)));

    public static async Task<FunctionServer> StartAsync(Func<JsonElement, Task<(int Status, string Body)>> answer)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        FunctionServer? server = null;
        app.MapPost("/transform", async (HttpContext context) =>
        {
            using var document = await JsonDocument.ParseAsync(context.Request.Body);
            var request = document.RootElement.Clone();
            server!.Events.Enqueue(request);
            var (status, body) = await answer(request);
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(body);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        server = new FunctionServer(app, new Uri(address + "/transform"));
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

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
