using System.Diagnostics.Metrics;
using System.Net.Http.Headers;
using System.Text.Json;
using Spillway.Messaging;
using Spillway.Notifications;
using Spillway.Operations.Alarms;
using Spillway.Processing;
using Spillway.Sns.Delivery;

namespace Spillway.Hosting;

/// <summary>
/// Builds the SNS delivery worker over the node's engine, with what it reaches through the host: the alarms' SMTP server
/// (<c>Spillway:Alarms:Email</c>) for e-mail subscriptions, and the configured workers as the functions of <c>lambda</c>
/// subscriptions.
/// </summary>
internal static class SnsDeliveryHosting
{
    public static SnsDeliveryService? Create(
        QueueEngine? engine,
        bool snsEnabled,
        ResolvedConfiguration configuration,
        ResolvedAlarms alarms,
        HandlerRegistry? registry,
        TimeProvider time,
        ILoggerFactory loggerFactory,
        IMeterFactory meterFactory)
    {
        // Topics deliver from the embedded engine only; without the SNS API nothing signs the envelopes they would carry.
        if (engine is null || !snsEnabled)
        {
            return null;
        }

        var smtp = alarms.Options.Email;
        SmtpMailer? mailer = string.IsNullOrWhiteSpace(smtp.Host) ? null : new SmtpMailer(smtp, alarms.EmailPassword, time);
        var functions = new WorkerFunctions(configuration.Workers, registry ?? HandlerRegistry.Default, time);
        return new SnsDeliveryService(engine, new SnsDeliverySettings
        {
            TimeProvider = time,
            SendMail = mailer is null ? null : (to, subject, body, cancellationToken) => mailer.SendAsync([to], subject, body, cancellationToken),
            InvokeFunction = functions.InvokeAsync,
            MeterFactory = meterFactory,
            LoggerFactory = loggerFactory,
        });
    }
}

/// <summary>
/// The functions <c>lambda</c> subscriptions name: the function <c>arn:aws:lambda:…:function:&lt;name&gt;</c> is the worker
/// <c>Spillway:Workers:&lt;name&gt;</c>, whose handler gets the SNS event as Lambda would, besides the batches of its own
/// queue: an <c>http</c> handler has the event POSTed to its URL (a 2xx is success), a <c>csharp</c> handler gets a batch
/// of one message whose body is the event.
/// </summary>
internal sealed class WorkerFunctions(IReadOnlyList<ResolvedWorker> workers, HandlerRegistry registry, TimeProvider time)
{
    private static readonly MediaTypeHeaderValue Json = new("application/json") { CharSet = "utf-8" };
    private readonly HttpClient http = new() { Timeout = Timeout.InfiniteTimeSpan };

    public async Task InvokeAsync(string name, ReadOnlyMemory<byte> snsEvent, CancellationToken cancellationToken)
    {
        var worker = workers.FirstOrDefault(w => string.Equals(w.Name, name, StringComparison.OrdinalIgnoreCase))
            ?? throw new InvalidOperationException($"No worker named '{name}' is configured under {SpillwayOptions.SectionName}:Workers.");
        var handler = worker.Config.Handler;
        switch (handler.Kind)
        {
            case MessageHandlerOptions.HttpKind:
                await PostAsync(worker.Name, new Uri(handler.Url!), TimeSpan.FromSeconds(handler.TimeoutSeconds), snsEvent, cancellationToken)
                    .ConfigureAwait(false);
                break;
            case MessageHandlerOptions.CSharpKind:
                var now = time.GetUtcNow();
                var message = new ReceivedMessage(MessageIdOf(snsEvent), string.Empty, snsEvent, 1, now, now, 0);
                var outcome = await registry.Get(handler.Name!).HandleAsync(
                    new MessageBatch(worker.Queue, [message]), cancellationToken).ConfigureAwait(false);
                if (outcome.FailedMessageIds.Count > 0)
                {
                    throw new InvalidOperationException($"The handler of worker '{worker.Name}' reported the event failed.");
                }

                break;
            default:
                throw new InvalidOperationException($"Worker '{worker.Name}' has a {handler.Kind} handler; a topic invokes http and csharp handlers only.");
        }
    }

    private async Task PostAsync(string worker, Uri url, TimeSpan timeout, ReadOnlyMemory<byte> snsEvent, CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, cancellationToken);
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ReadOnlyMemoryContent(snsEvent) { Headers = { ContentType = Json } } };
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
