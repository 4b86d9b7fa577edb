using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Spillway.EndToEnd.Tests.Support;

/// <summary>
/// A real HTTP endpoint on a loopback port chosen by the kernel that records every JSON body POSTed to it, and every
/// other body as bytes with its path and content type (an OTLP export, say).
/// </summary>
internal sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly Channel<JsonElement> received = Channel.CreateUnbounded<JsonElement>();
    private readonly Channel<(string Path, string? ContentType, byte[] Body)> other = Channel.CreateUnbounded<(string, string?, byte[])>();
    private TestWebHost? host;
    private int failuresToAnswer;

    private WebhookReceiver()
    {
    }

    /// <summary>Where the receiver listens, as <c>http://127.0.0.1:port</c>.</summary>
    public string BaseUrl => host!.BaseUrl;

    public Uri Url => new($"{BaseUrl}/hooks/alarm");

    /// <summary>Starts a receiver; the kernel picks its port, so no other process can take it first.</summary>
    public static async Task<WebhookReceiver> StartAsync()
    {
        var receiver = new WebhookReceiver();
        receiver.host = await TestWebHost.StartAsync(app => app.Run(receiver.AnswerAsync));
        return receiver;
    }

    /// <summary>Answers the next <paramref name="count"/> requests with 500 (they are not recorded).</summary>
    public void FailNext(int count) => Volatile.Write(ref failuresToAnswer, count);

    /// <summary>The next body received, or a timeout.</summary>
    public async Task<JsonElement> NextAsync(TimeSpan timeout) => await received.Reader.ReadAsync().AsTask().WaitAsync(timeout);

    /// <summary>The next request whose body was not JSON, or a timeout.</summary>
    public async Task<(string Path, string? ContentType, byte[] Body)> NextOtherAsync(TimeSpan timeout) =>
        await other.Reader.ReadAsync().AsTask().WaitAsync(timeout);

    /// <summary>True when a body is waiting (for asserting that nothing was sent).</summary>
    public bool TryTake(out JsonElement body) => received.Reader.TryRead(out body);

    public async ValueTask DisposeAsync()
    {
        if (host is not null)
        {
            await host.DisposeAsync();
        }
    }

    private async Task AnswerAsync(HttpContext context)
    {
        if (Interlocked.Decrement(ref failuresToAnswer) >= 0)
        {
            context.Response.StatusCode = 500;
            return;
        }

        var request = context.Request;
        if (request.ContentType?.StartsWith("application/json", StringComparison.Ordinal) != true)
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            other.Writer.TryWrite((request.Path.Value ?? "/", request.ContentType, body.ToArray()));
            context.Response.StatusCode = 200;
            return;
        }

        using var document = await JsonDocument.ParseAsync(request.Body);
        received.Writer.TryWrite(document.RootElement.Clone());
        context.Response.StatusCode = 204;
    }
}
