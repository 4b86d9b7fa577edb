using System.Net.Http.Headers;
using System.Text.Json;
using Spillway.Messaging;
using Spillway.Processing;

namespace Spillway.Hosting;

/// <summary>
/// The functions <c>lambda</c> subscriptions and bucket notifications name: the function
/// <c>arn:aws:lambda:…:function:&lt;name&gt;</c> is the worker <c>Spillway:Workers:&lt;name&gt;</c>, whose handler gets the
/// event (SNS's, S3's) as Lambda would, besides the batches of its own queue: an <c>http</c> handler has the event POSTed
/// to its URL (a 2xx is success), a <c>csharp</c> handler gets a batch of one message whose body is the event.
/// </summary>
internal sealed class WorkerFunctions(IReadOnlyList<ResolvedWorker> workers, HandlerRegistry registry, TimeProvider time)
{
    private static readonly MediaTypeHeaderValue Json = new("application/json") { CharSet = "utf-8" };
    private readonly HttpClient http = new() { Timeout = Timeout.InfiniteTimeSpan };

    /// <summary>Whether a worker of that name is configured.</summary>
    public bool Exists(string name) => workers.Any(w => string.Equals(w.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>Invokes the worker with an SNS event, whose message id the handler sees.</summary>
    public Task InvokeAsync(string name, ReadOnlyMemory<byte> snsEvent, CancellationToken cancellationToken) =>
        InvokeAsync(name, snsEvent, MessageIdOf(snsEvent), cancellationToken);

    /// <summary>Invokes the worker with an event; a <c>csharp</c> handler sees <paramref name="messageId"/> as the message's
    /// id, the same on every retry.</summary>
    public async Task InvokeAsync(string name, ReadOnlyMemory<byte> payload, Guid messageId, CancellationToken cancellationToken)
    {
        var worker = workers.FirstOrDefault(w => string.Equals(w.Name, name, StringComparison.OrdinalIgnoreCase))
            ?? throw new InvalidOperationException($"No worker named '{name}' is configured under {SpillwayOptions.SectionName}:Workers.");
        var handler = worker.Config.Handler;
        switch (handler.Kind)
        {
            case MessageHandlerOptions.HttpKind:
                await PostAsync(worker.Name, new Uri(handler.Url!), TimeSpan.FromSeconds(handler.TimeoutSeconds), payload, cancellationToken)
                    .ConfigureAwait(false);
                break;
            case MessageHandlerOptions.CSharpKind:
                var now = time.GetUtcNow();
                var message = new ReceivedMessage(messageId, string.Empty, payload, 1, now, now, 0);
                var outcome = await registry.Get(handler.Name!).HandleAsync(
                    new MessageBatch(worker.Queue, [message]), cancellationToken).ConfigureAwait(false);
                if (outcome.FailedMessageIds.Count > 0)
                {
                    throw new InvalidOperationException($"The handler of worker '{worker.Name}' reported the event failed.");
                }

                break;
            default:
                throw new InvalidOperationException($"Worker '{worker.Name}' has a {handler.Kind} handler; an event invokes http and csharp handlers only.");
        }
    }

    private async Task PostAsync(string worker, Uri url, TimeSpan timeout, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, cancellationToken);
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ReadOnlyMemoryContent(payload) { Headers = { ContentType = Json } } };
        try
        {
            using var response = await http.SendAsync(request, linked.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"The function of worker '{worker}' answered {(int)response.StatusCode}.");
            }
        }
        catch (OperationCanceledException e) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"The function of worker '{worker}' did not answer within {timeout.TotalSeconds:0} s.", e);
        }
    }

    /// <summary>The notification's id, which the handler sees as the message id (the same on every retry).</summary>
    private static Guid MessageIdOf(ReadOnlyMemory<byte> snsEvent)
    {
        using var document = JsonDocument.Parse(snsEvent);
        var id = document.RootElement.GetProperty("Records")[0].GetProperty("Sns").GetProperty("MessageId").GetString();
        return Guid.TryParse(id, out var parsed) ? parsed : Guid.Empty;
    }
}
