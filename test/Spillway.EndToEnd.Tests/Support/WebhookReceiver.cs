using System.Net;
using System.Text.Json;
using System.Threading.Channels;

namespace Spillway.EndToEnd.Tests.Support;

/// <summary>
/// A real HTTP endpoint on a free loopback port that records every JSON body POSTed to it, and every other body as
/// bytes with its path and content type (an OTLP export, say).
/// </summary>
internal sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly HttpListener listener = new();
    private readonly Channel<JsonElement> received = Channel.CreateUnbounded<JsonElement>();
    private readonly Channel<(string Path, string? ContentType, byte[] Body)> other = Channel.CreateUnbounded<(string, string?, byte[])>();
    private readonly Task loop;
    private int failuresToAnswer;

    public WebhookReceiver()
    {
        Port = SpillwayProcess.FreePort();
        listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        listener.Start();
        loop = Task.Run(ServeAsync);
    }

    public int Port { get; }

    public Uri Url => new($"http://127.0.0.1:{Port}/hooks/alarm");

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
        listener.Stop();
        try
        {
            await loop;
        }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
        {
            // Stopped.
        }

        listener.Close();
    }

    private async Task ServeAsync()
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using (context.Response)
            {
                if (Interlocked.Decrement(ref failuresToAnswer) >= 0)
                {
                    context.Response.StatusCode = 500;
                    continue;
                }

                if (context.Request.ContentType?.StartsWith("application/json", StringComparison.Ordinal) != true)
                {
                    using var body = new MemoryStream();
                    await context.Request.InputStream.CopyToAsync(body);
                    other.Writer.TryWrite((context.Request.Url!.AbsolutePath, context.Request.ContentType, body.ToArray()));
                    context.Response.StatusCode = 200;
                    continue;
                }

                using var document = await JsonDocument.ParseAsync(context.Request.InputStream);
                received.Writer.TryWrite(document.RootElement.Clone());
                context.Response.StatusCode = 204;
            }
        }
    }
}
