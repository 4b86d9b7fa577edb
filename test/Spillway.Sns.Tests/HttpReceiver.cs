using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Spillway.TestKit;

namespace Spillway.Sns.Tests;

/// <summary>One POST an endpoint received: its headers of interest and its body.</summary>
internal sealed record ReceivedPost(IReadOnlyDictionary<string, string> Headers, string Body, int AnsweredStatus)
{
    public string Header(string name) => Headers.TryGetValue(name, out var value) ? value : throw new InvalidOperationException($"no header {name}");
}

/// <summary>
/// A real HTTP endpoint on a loopback port the kernel picks, standing in for a subscriber: it records every POST with its
/// headers and answers 200, or 500 while told to fail.
/// </summary>
internal sealed class HttpReceiver : IAsyncDisposable
{
    private readonly Channel<ReceivedPost> received = Channel.CreateUnbounded<ReceivedPost>();
    private TestWebHost host = null!;
    private int failing;

    public Uri Url => new(host.BaseUrl + "/sns-endpoint");

    public static async Task<HttpReceiver> StartAsync()
    {
        var receiver = new HttpReceiver();
        receiver.host = await TestWebHost.StartAsync(app => app.Run(receiver.AnswerAsync));
        return receiver;
    }

    /// <summary>Answers 500 from now on, until <see cref="Recover"/>.</summary>
    public void Fail() => Volatile.Write(ref failing, 1);

    public void Recover() => Volatile.Write(ref failing, 0);

    /// <summary>The next POST, or a TimeoutException.</summary>
    public async Task<ReceivedPost> NextAsync(TimeSpan? timeout = null) =>
        await received.Reader.ReadAsync().AsTask().WaitAsync(timeout ?? TimeSpan.FromSeconds(10));

    public bool TryTake(out ReceivedPost? post) => received.Reader.TryRead(out post);

    public ValueTask DisposeAsync() => host.DisposeAsync();

    private async Task AnswerAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync();
        var headers = context.Request.Headers
            .Where(h => h.Key.StartsWith("x-amz-sns-", StringComparison.OrdinalIgnoreCase) || h.Key is "Content-Type" or "User-Agent")
            .ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString(), StringComparer.Ordinal);
        var status = Volatile.Read(ref failing) == 1 ? 500 : 200;
        context.Response.StatusCode = status;
        received.Writer.TryWrite(new ReceivedPost(headers, body, status));
    }
}
