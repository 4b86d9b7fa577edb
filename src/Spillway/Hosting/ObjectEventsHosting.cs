using System.Buffers;
using System.Text;
using System.Text.Json;
using Spillway.Messaging;
using Spillway.Messaging.Topics;
using Spillway.Objects;
using Spillway.Objects.Events;
using Spillway.Transport;

namespace Spillway.Hosting;

/// <summary>
/// Bucket notifications over the node's transport: a queue destination gets the event as a message, a topic gets it
/// published, and a function destination (a configured worker) gets it through <see cref="ObjectEventFunctions"/>, whose
/// engine queue holds it durably until the worker took it.
/// </summary>
internal sealed partial class ObjectEventPublisher(
    IMessageTransport transport, ObjectEventFunctions? functions, ILogger logger) : IObjectEventPublisher
{
    public void CheckTarget(ObjectEventRule rule)
    {
        var name = NameOf(rule);
        var exists = rule.Target switch
        {
            ObjectEventTarget.Queue => transport.FindSender(name) is not null,
            ObjectEventTarget.Topic => transport.Topics?.FindPublisher(name) is not null,
            _ => functions is not null && functions.Exists(name),
        };
        if (!exists)
        {
            var why = rule.Target == ObjectEventTarget.Function && functions is null
                ? "functions are notified through the embedded engine, which this node does not run"
                : $"no {rule.Target.ToString().ToLowerInvariant()} named '{name}' exists";
            throw new ObjectStoreException(
                ObjectError.InvalidArgument, $"Unable to validate the following destination configurations: {rule.TargetArn} ({why}).");
        }
    }

    public async Task PublishAsync(ObjectEventRule rule, ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        var name = NameOf(rule);
        switch (rule.Target)
        {
            case ObjectEventTarget.Queue when transport.FindSender(name) is { } sender:
                await sender.SendBatchAsync([new OutgoingMessage(message)], null, cancellationToken).ConfigureAwait(false);
                return;
            case ObjectEventTarget.Topic when transport.Topics?.FindPublisher(name) is { } publisher:
                await publisher.PublishAsync(new TopicMessage(Encoding.UTF8.GetString(message.Span)) { Subject = "Amazon S3 Notification" }, cancellationToken)
                    .ConfigureAwait(false);
                return;
            case ObjectEventTarget.Function when functions is not null && functions.Exists(name):
                await functions.EnqueueAsync(name, message, cancellationToken).ConfigureAwait(false);
                return;
            default:
                // The destination was deleted after the configuration named it: S3 drops such events too.
                LogDropped(logger, rule.Id, rule.TargetArn);
                return;
        }
    }

    /// <summary>The queue, topic or function an ARN names: its last segment (<c>arn:aws:lambda:…:function:name</c> too).</summary>
    private static string NameOf(ObjectEventRule rule) => rule.TargetArn[(rule.TargetArn.LastIndexOf(':') + 1)..];

    [LoggerMessage(Level = LogLevel.Warning, Message = "Object event of notification {Rule} dropped: its destination {Arn} no longer exists")]
    private static partial void LogDropped(ILogger logger, string rule, string arn);
}

/// <summary>
/// Invokes the workers bucket notifications name, from the engine queue <see cref="QueueName"/> where each event waits
/// durably: an event is deleted once its worker took it; a failed attempt is retried after a minute, then two, and
/// dropped (logged) after the third, as Lambda treats an asynchronous invocation.
/// </summary>
internal sealed partial class ObjectEventFunctions(QueueEngine engine, WorkerFunctions functions, ILogger logger) : IAsyncDisposable
{
    public const string QueueName = "spillway-object-events";
    private const int Attempts = 3;
    private readonly CancellationTokenSource stopping = new();
    private readonly TaskCompletionSource<MessageQueue> opened = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim creating = new(1, 1);
    private Task? loop;

    /// <summary>Whether a worker of that name is configured.</summary>
    public bool Exists(string function) => functions.Exists(function);

    /// <summary>Holds an event for the function durably; the queue is made with the first one.</summary>
    public async Task EnqueueAsync(string function, ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        var queue = await OpenQueueAsync(cancellationToken).ConfigureAwait(false);
        await queue.SendBatchAsync([new OutgoingMessage(Wrap(function, message))], null, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<MessageQueue> OpenQueueAsync(CancellationToken cancellationToken)
    {
        if (opened.Task.IsCompleted)
        {
            return opened.Task.Result;
        }

        await creating.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!engine.TryGetQueue(QueueName, out var queue))
            {
                queue = await engine.CreateQueueAsync(new QueueDefinition { Name = QueueName }, cancellationToken).ConfigureAwait(false);
            }

            opened.TrySetResult(queue);
            return queue;
        }
        finally
        {
            creating.Release();
        }
    }

    /// <summary>The queued form of an event: the function's name and the event.</summary>
    private static byte[] Wrap(string function, ReadOnlyMemory<byte> message)
    {
        var buffer = new ArrayBufferWriter<byte>(message.Length + 64);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("function", function);
            json.WritePropertyName("event");
            json.WriteRawValue(message.Span, skipInputValidation: true);
            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Starts delivering: at once when events are waiting from an earlier run, else with the first event.</summary>
    public void Start()
    {
        if (engine.TryGetQueue(QueueName, out var queue))
        {
            opened.TrySetResult(queue);
        }

        loop = Task.Run(() => RunAsync(stopping.Token));
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync().ConfigureAwait(false);
        if (loop is not null)
        {
            await loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        stopping.Dispose();
        creating.Dispose();
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        MessageQueue queue;
        try
        {
            queue = await opened.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        while (!cancellationToken.IsCancellationRequested)
        {
            IReadOnlyList<ReceivedMessage> batch;
            try
            {
                batch = await queue.ReceiveAsync(
                    new ReceiveOptions { MaxMessages = 10, VisibilityTimeout = TimeSpan.FromMinutes(5), WaitTime = TimeSpan.FromSeconds(20) },
                    cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            foreach (var message in batch)
            {
                await AttemptAsync(queue, message, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task AttemptAsync(MessageQueue queue, ReceivedMessage message, CancellationToken cancellationToken)
    {
        string function;
        byte[] payload;
        using (var document = JsonDocument.Parse(message.Body))
        {
            function = document.RootElement.GetProperty("function").GetString()!;
            payload = Encoding.UTF8.GetBytes(document.RootElement.GetProperty("event").GetRawText());
        }

        try
        {
            await functions.InvokeAsync(function, payload, message.MessageId, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            if (message.ReceiveCount < Attempts)
            {
                LogRetry(logger, function, message.MessageId, message.ReceiveCount, e.Message);
                queue.ChangeVisibility(message.ReceiptHandle, TimeSpan.FromMinutes(message.ReceiveCount));
                return;
            }

            LogGivenUp(logger, function, message.MessageId, Attempts, e.Message);
        }

        await queue.DeleteBatchAsync([message.ReceiptHandle], CancellationToken.None).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Object event {MessageId} to function {Function} failed (attempt {Attempt}), retried: {Error}")]
    private static partial void LogRetry(ILogger logger, string function, Guid messageId, int attempt, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Object event {MessageId} to function {Function} dropped after {Attempts} attempts: {Error}")]
    private static partial void LogGivenUp(ILogger logger, string function, Guid messageId, int attempts, string error);
}
