using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Spillway.TestKit;

namespace Spillway.Sns.ClientTests.Support;

/// <summary>
/// An HTTP subscriber on a loopback port the kernel picks: <c>POST /hook</c> records each delivery with its headers and
/// answers 200; <c>GET /received/{n}</c> answers the n-th delivery (from 0) as <c>{"headers":{…},"body":"…"}</c> once it
/// arrived (404 after 15 s), so a client's scenario script reads what the server sent, as the endpoint's own code would.
/// </summary>
public sealed class HookReceiver : IAsyncDisposable
{
    private readonly List<JsonObject> received = [];
    private readonly Lock gate = new();
    private TaskCompletionSource arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TestWebHost host = null!;

    public string BaseUrl => host.BaseUrl;

    public static async Task<HookReceiver> StartAsync()
    {
        var receiver = new HookReceiver();
        receiver.host = await TestWebHost.StartAsync(app =>
        {
            app.MapPost("/hook", receiver.RecordAsync);
            app.MapGet("/received/{index:int}", receiver.AnswerAsync);
        });
        return receiver;
    }

    /// <summary>Every delivery so far.</summary>
    public IReadOnlyList<JsonObject> Received
    {
        get
        {
            lock (gate)
            {
                return [.. received];
            }
        }
    }

    public ValueTask DisposeAsync() => host.DisposeAsync();

    private async Task RecordAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync();
        var headers = new JsonObject();
        foreach (var (name, value) in context.Request.Headers)
        {
            headers[name.ToLowerInvariant()] = value.ToString();
        }

        lock (gate)
        {
            received.Add(new JsonObject { ["headers"] = headers, ["body"] = body });
            arrived.TrySetResult();
            arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    private async Task<IResult> AnswerAsync(int index)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            Task next;
            lock (gate)
            {
                if (index < received.Count)
                {
                    return Results.Text(received[index].ToJsonString(), "application/json");
                }

                next = arrived.Task;
            }

            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || await Task.WhenAny(next, Task.Delay(left)) != next)
            {
                return Results.NotFound();
            }
        }
    }
}
