using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Spillway.Messaging;
using Spillway.Messaging.Topics;
using Spillway.Storage;

namespace Spillway.Sns.Delivery;

/// <summary>
/// The delivery worker of the subscriptions that are not queues (<c>http</c>, <c>https</c>, <c>email</c>,
/// <c>email-json</c>, <c>lambda</c>). Each has its own queue (<see cref="Subscription.OwnsDeliveryQueue"/>), which the publish
/// fan-out writes the signed envelope into in its group commit; this drains each queue and makes the attempts. A delivery
/// leaves its queue only once its endpoint took it or it is durable in the subscription's dead-letter queue; a failed
/// attempt is made visible again after the delay its retry policy gives (on <see cref="SnsDeliverySettings.TimeProvider"/>),
/// so retries and pending deliveries survive a restart as queue messages.
/// </summary>
public sealed partial class SnsDeliveryService : IAsyncDisposable
{
    /// <summary>The meter the worker measures on.</summary>
    public const string MeterName = "Spillway.Sns";

    // Longer than any attempt (an HTTP timeout, an SMTP timeout, a function's), so a message is not received twice at once.
    private static readonly TimeSpan InFlight = TimeSpan.FromMinutes(15);
    private static readonly TimeSpan LongPoll = TimeSpan.FromSeconds(20);
    private const int BatchSize = 10;

    private readonly QueueEngine engine;
    private readonly SnsDeliverySettings settings;
    private readonly EndpointClient endpoints;
    private readonly ILogger logger;
    private readonly Counter<long>? deliveries;
    private readonly Lock gate = new();
    private readonly Dictionary<Guid, Drain> drains = [];
    private readonly CancellationTokenSource stopping = new();
    private Task sweep = Task.CompletedTask;
    private bool started;

    public SnsDeliveryService(QueueEngine engine, SnsDeliverySettings settings)
    {
        this.engine = engine ?? throw new ArgumentNullException(nameof(engine));
        this.settings = settings ?? throw new ArgumentNullException(nameof(settings));
        endpoints = new EndpointClient(settings);
        logger = settings.LoggerFactory?.CreateLogger("Spillway.Sns") ?? NullLogger.Instance;
        deliveries = settings.MeterFactory?.Create(MeterName).CreateCounter<long>(
            "spillway.sns.deliveries",
            "{delivery}",
            "Delivery attempts to http, https, email, email-json and lambda subscriptions, by outcome: delivered, retry_scheduled, dead_lettered, dropped.");
    }

    /// <summary>Starts draining every subscription's queue, and those of subscriptions made from now on.</summary>
    public void Start()
    {
        lock (gate)
        {
            if (started)
            {
                return;
            }

            started = true;
        }

        engine.Topics.Changed += Rescan;
        Rescan();
        sweep = SweepAsync();
    }

    public async ValueTask DisposeAsync()
    {
        engine.Topics.Changed -= Rescan;
        Task[] running;
        lock (gate)
        {
            stopping.Cancel();
            running = [.. drains.Values.Select(d => d.Task)];
            drains.Clear();
        }

        await Task.WhenAll([.. running, sweep]).ConfigureAwait(false);
        endpoints.Dispose();
        stopping.Dispose();
    }

    /// <summary>Starts a drain for each subscription with its own queue that has none, and stops those whose subscription is gone.</summary>
    private void Rescan()
    {
        var wanted = new Dictionary<Guid, (string Topic, string Queue)>();
        foreach (var topic in engine.Topics.List())
        {
            foreach (var subscription in topic.Subscriptions)
            {
                if (subscription is { OwnsDeliveryQueue: true, DeliveryQueue: { } queue })
                {
                    wanted[subscription.Id] = (topic.Name, queue);
                }
            }
        }

        lock (gate)
        {
            if (stopping.IsCancellationRequested)
            {
                return;
            }

            foreach (var (id, drain) in drains.Where(d => !wanted.ContainsKey(d.Key) || d.Value.Task.IsCompleted).ToList())
            {
                try
                {
                    drain.Cancel.Cancel();
                }
                catch (ObjectDisposedException)
                {
                    // It ended on its own, and its source went with it.
                }

                drains.Remove(id);
            }

            foreach (var (id, (topic, queue)) in wanted)
            {
                if (!drains.ContainsKey(id))
                {
                    var cancel = CancellationTokenSource.CreateLinkedTokenSource(stopping.Token);
                    var task = Task.Run(() => DrainAsync(topic, id, queue, cancel.Token));
                    _ = task.ContinueWith(_ => cancel.Dispose(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                    drains[id] = new Drain(task, cancel);
                }
            }
        }
    }

    /// <summary>Removes the delivery queues a crash left without their subscription; a failure only leaves them for the next start.</summary>
    private async Task SweepAsync()
    {
        try
        {
            await Task.Yield();
            await engine.Topics.DeleteOrphanedDeliveryQueuesAsync(stopping.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or StorageFaultedException or IOException)
        {
            LogStorage(logger, "(orphaned delivery queues)", e.Message);
        }
    }

    /// <summary>Receives from one subscription's queue until it is gone or the worker stops.</summary>
    private async Task DrainAsync(string topicName, Guid subscriptionId, string queueName, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            if (!engine.TryGetQueue(queueName, out var queue))
            {
                return;
            }

            IReadOnlyList<ReceivedMessage> batch;
            try
            {
                batch = await queue.ReceiveAsync(
                    new ReceiveOptions { MaxMessages = BatchSize, VisibilityTimeout = InFlight, WaitTime = LongPoll }, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return; // the subscription and its queue were deleted, or the engine is closing
            }

            if (batch.Count == 0)
            {
                continue;
            }

            if (!engine.Topics.TryGet(topicName, out var topic) || topic.FindSubscription(subscriptionId) is not { } subscription)
            {
                return;
            }

            // Every attempt of the batch is settled (and its visibility set) before the next receive, which then waits for
            // the earliest retry that is due.
            await Task.WhenAll(batch.Select(m => AttemptAsync(topic, subscription, queue, m, cancellationToken))).ConfigureAwait(false);
        }
    }

    private async Task AttemptAsync(Topic topic, Subscription subscription, MessageQueue queue, ReceivedMessage message, CancellationToken cancellationToken)
    {
        var delivery = QueuedDelivery.Read(message.Body);
        if (delivery is null)
        {
            // Nothing the renderer wrote: no endpoint could make sense of it.
            await DeleteAsync(queue, message).ConfigureAwait(false);
            return;
        }

        var subscriptionArn = delivery.TopicArn + ":" + subscription.Id.ToString("D");
        string? error = null;
        try
        {
            await endpoints.SendAsync(subscription, subscriptionArn, delivery, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return; // stopping: the message becomes visible again after its in-flight time, or at the next start
        }
        catch (EndpointFailedException e)
        {
            error = e.Message;
        }

        try
        {
            if (error is null)
            {
                await DeleteAsync(queue, message).ConfigureAwait(false);
                Settle(topic, subscription, delivery, subscriptionArn, message.ReceiveCount, SnsDeliveryResult.Delivered, null, null);
                return;
            }

            var policy = subscription.Protocol is "lambda" or "firehose" or "kinesis"
                ? RetryPolicy.Managed
                : RetryPolicy.Effective(
                    subscription.Attributes.GetValueOrDefault("DeliveryPolicy"), topic.Definition.Attributes.GetValueOrDefault("DeliveryPolicy"));
            if (policy.DelayBefore(message.ReceiveCount) is { } delay && queue.ChangeVisibility(message.ReceiptHandle, delay))
            {
                LogRetry(logger, subscriptionArn, delivery.MessageId, message.ReceiveCount, delay.TotalSeconds, error);
                Settle(topic, subscription, delivery, subscriptionArn, message.ReceiveCount, SnsDeliveryResult.RetryScheduled, delay, error);
                return;
            }

            var result = await DeadLetterAsync(subscription, delivery).ConfigureAwait(false);
            await DeleteAsync(queue, message).ConfigureAwait(false);
            LogGivenUp(logger, subscriptionArn, delivery.MessageId, message.ReceiveCount, result.ToString(), error);
            Settle(topic, subscription, delivery, subscriptionArn, message.ReceiveCount, result, null, error);
        }
        catch (Exception e) when (e is StorageFaultedException or StorageFullException or ObjectDisposedException)
        {
            // The queue's storage failed or it is gone: the message stays (or went with its queue); nothing is lost by waiting.
            LogStorage(logger, subscriptionArn, e.Message);
        }
    }

    /// <summary>
    /// Sends a given-up notification to the subscription's dead-letter queue, durably, under a key of its subscription and
    /// message, so a crash before its removal from the delivery queue does not put it there twice. A confirmation is never
    /// dead-lettered, as in SNS.
    /// </summary>
    private async Task<SnsDeliveryResult> DeadLetterAsync(Subscription subscription, QueuedDelivery delivery)
    {
        if (delivery.IsConfirmation
            || DeadLetterTarget.QueueArn(subscription.Attributes.GetValueOrDefault("RedrivePolicy")) is not { } target
            || !engine.TryGetQueue(target.Resource, out var deadLetters))
        {
            return SnsDeliveryResult.Dropped;
        }

        var body = subscription.RawMessageDelivery ? System.Text.Encoding.UTF8.GetBytes(delivery.Message) : delivery.Envelope;
        try
        {
            await deadLetters.SendBatchAsync([new OutgoingMessage(body)], $"sns-dlq:{subscription.Id:N}:{delivery.MessageId}").ConfigureAwait(false);
            return SnsDeliveryResult.DeadLettered;
        }
        catch (ArgumentException)
        {
            return SnsDeliveryResult.Dropped; // a FIFO queue, or one that refuses the message: it cannot take it
        }
    }

    private static async Task DeleteAsync(MessageQueue queue, ReceivedMessage message) =>
        await queue.DeleteBatchAsync([message.ReceiptHandle]).ConfigureAwait(false);

    private void Settle(
        Topic topic, Subscription subscription, QueuedDelivery delivery, string subscriptionArn, int attempt, SnsDeliveryResult result,
        TimeSpan? next, string? error)
    {
        if (!delivery.IsConfirmation && result != SnsDeliveryResult.RetryScheduled)
        {
            topic.CountDelivery(subscription.Id, result == SnsDeliveryResult.Delivered);
        }

        deliveries?.Add(
            1,
            new KeyValuePair<string, object?>("topic", topic.Name),
            new KeyValuePair<string, object?>("subscription", subscription.Id.ToString("D")),
            new KeyValuePair<string, object?>("protocol", subscription.Protocol),
            new KeyValuePair<string, object?>("outcome", OutcomeName(result)));
        settings.Observer?.Invoke(new SnsDeliveryOutcome(
            subscriptionArn, subscription.Protocol, delivery.Type, delivery.MessageId, attempt, result, next, error));
    }

    private static string OutcomeName(SnsDeliveryResult result) => result switch
    {
        SnsDeliveryResult.Delivered => "delivered",
        SnsDeliveryResult.RetryScheduled => "retry_scheduled",
        SnsDeliveryResult.DeadLettered => "dead_lettered",
        _ => "dropped",
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Delivery {MessageId} to {Subscription} failed (attempt {Attempt}): {Error}; next attempt in {Seconds} s")]
    private static partial void LogRetry(ILogger logger, string subscription, string messageId, int attempt, double seconds, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivery {MessageId} to {Subscription} given up after {Attempts} attempts ({Result}): {Error}")]
    private static partial void LogGivenUp(ILogger logger, string subscription, string messageId, int attempts, string result, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivery to {Subscription} could not update its queue: {Error}")]
    private static partial void LogStorage(ILogger logger, string subscription, string error);

    private sealed record Drain(Task Task, CancellationTokenSource Cancel);
}
