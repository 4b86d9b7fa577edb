using System.Net.Http.Headers;
using System.Text;
using Spillway.Messaging.Topics;

namespace Spillway.Sns.Delivery;

/// <summary>A delivery attempt that the endpoint did not take; the message says why, never a secret.</summary>
internal sealed class EndpointFailedException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Makes one attempt of a delivery to its endpoint, by protocol.</summary>
internal sealed class EndpointClient(SnsDeliverySettings settings) : IDisposable
{
    /// <summary>The message attribute whose value a <c>kinesis</c> subscription uses as the record's partition key.</summary>
    public const string PartitionKeyAttribute = "PartitionKey";

    private static readonly MediaTypeHeaderValue TextPlain = new("text/plain") { CharSet = "UTF-8" };

    private readonly HttpClient http = new(settings.HttpHandler ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
    {
        // The per-attempt timeout below counts, on the delivery clock.
        Timeout = Timeout.InfiniteTimeSpan,
    };

    /// <summary>Delivers <paramref name="delivery"/> once; throws <see cref="EndpointFailedException"/> when the endpoint did not take it.</summary>
    public Task SendAsync(Subscription subscription, string subscriptionArn, QueuedDelivery delivery, CancellationToken cancellationToken) =>
        subscription.Protocol switch
        {
            "http" or "https" => PostAsync(subscription, subscriptionArn, delivery, cancellationToken),
            "email" or "email-json" => MailAsync(subscription, delivery, cancellationToken),
            "lambda" => InvokeAsync(subscription, subscriptionArn, delivery, cancellationToken),
            "firehose" => PutRecordAsync(subscription, delivery, cancellationToken),
            "kinesis" => PutStreamRecordAsync(subscription, delivery, cancellationToken),
            var other => throw new EndpointFailedException($"Spillway does not deliver to the {other} protocol."),
        };

    public void Dispose() => http.Dispose();

    private async Task PostAsync(Subscription subscription, string subscriptionArn, QueuedDelivery delivery, CancellationToken cancellationToken)
    {
        // Raw delivery sends the message alone and no attributes; a confirmation is always the envelope.
        var raw = subscription.RawMessageDelivery && !delivery.IsConfirmation;
        using var request = new HttpRequestMessage(HttpMethod.Post, subscription.Endpoint)
        {
            Content = new ReadOnlyMemoryContent(raw ? Encoding.UTF8.GetBytes(delivery.Message) : delivery.Envelope)
            {
                Headers = { ContentType = TextPlain },
            },
        };
        request.Headers.TryAddWithoutValidation("User-Agent", "Amazon Simple Notification Service Agent");
        request.Headers.Add("x-amz-sns-message-type", delivery.Type);
        request.Headers.Add("x-amz-sns-message-id", delivery.MessageId);
        request.Headers.Add("x-amz-sns-topic-arn", delivery.TopicArn);
        request.Headers.Add("x-amz-sns-subscription-arn", subscriptionArn);
        if (raw)
        {
            request.Headers.Add("x-amz-sns-rawdelivery", "true");
        }

        using var timeout = new CancellationTokenSource(settings.HttpTimeout, settings.TimeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new EndpointFailedException($"The endpoint answered {(int)response.StatusCode}.");
            }
        }
        catch (OperationCanceledException e) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new EndpointFailedException($"The endpoint did not answer within {settings.HttpTimeout.TotalSeconds:0.###} s.", e);
        }
        catch (HttpRequestException e)
        {
            throw new EndpointFailedException("The endpoint could not be reached: " + e.Message, e);
        }
    }

    private async Task MailAsync(Subscription subscription, QueuedDelivery delivery, CancellationToken cancellationToken)
    {
        var send = settings.SendMail ?? throw new EndpointFailedException("No SMTP server is configured for e-mail subscriptions.");
        var (subject, body) = MailText.For(subscription.Protocol, delivery);
        try
        {
            await send(subscription.Endpoint, subject, body, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw new EndpointFailedException(e.Message, e);
        }
    }

    /// <summary>One record per message: the message alone with raw delivery, else the JSON envelope, as SNS puts them.</summary>
    private async Task PutRecordAsync(Subscription subscription, QueuedDelivery delivery, CancellationToken cancellationToken)
    {
        var put = settings.PutToDeliveryStream ?? throw new EndpointFailedException("This node has no delivery streams.");
        var name = ResourceName.DeliveryStream(subscription.Endpoint) ?? throw new EndpointFailedException("The endpoint is not a delivery stream ARN.");
        try
        {
            await put(name, subscription.RawMessageDelivery ? Encoding.UTF8.GetBytes(delivery.Message) : delivery.Envelope, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw new EndpointFailedException(e.Message, e);
        }
    }

    /// <summary>
    /// One stream record per message, raw or the envelope as for <c>firehose</c>; its partition key is the message's
    /// <c>PartitionKey</c> attribute (a String) when it has one, else the message id, so a publisher keeps a key's
    /// messages in order in one shard by naming the key.
    /// </summary>
    private async Task PutStreamRecordAsync(Subscription subscription, QueuedDelivery delivery, CancellationToken cancellationToken)
    {
        var put = settings.PutToStream ?? throw new EndpointFailedException("This node has no streams.");
        var name = ResourceName.Stream(subscription.Endpoint) ?? throw new EndpointFailedException("The endpoint is not a stream ARN.");
        var key = delivery.AttributeText(PartitionKeyAttribute) is { Length: > 0 } given ? given : delivery.MessageId;
        try
        {
            await put(name, key, subscription.RawMessageDelivery ? Encoding.UTF8.GetBytes(delivery.Message) : delivery.Envelope, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw new EndpointFailedException(e.Message, e);
        }
    }

    private async Task InvokeAsync(Subscription subscription, string subscriptionArn, QueuedDelivery delivery, CancellationToken cancellationToken)
    {
        var invoke = settings.InvokeFunction ?? throw new EndpointFailedException("No functions are configured for lambda subscriptions.");
        var name = FunctionName.Of(subscription.Endpoint) ?? throw new EndpointFailedException("The endpoint is not a function ARN.");
        try
        {
            await invoke(name, delivery.LambdaEvent(subscriptionArn), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw new EndpointFailedException(e.Message, e);
        }
    }
}

/// <summary>
/// The resource an ARN of the form <c>arn:aws:&lt;service&gt;:region:account:&lt;type&gt;/&lt;name&gt;</c> names: a
/// <c>firehose</c> endpoint's delivery stream (<c>deliverystream/name</c>), a <c>kinesis</c> endpoint's stream
/// (<c>stream/name</c>).
/// </summary>
internal static class ResourceName
{
    public static string? DeliveryStream(string arn) => Of(arn, "firehose", "deliverystream");

    public static string? Stream(string arn) => Of(arn, "kinesis", "stream");

    private static string? Of(string arn, string service, string type)
    {
        var marker = ":" + type + "/";
        var at = arn.IndexOf(marker, StringComparison.Ordinal);
        return arn.StartsWith("arn:", StringComparison.Ordinal) && at > 0 && at + marker.Length < arn.Length
            && arn.AsSpan(0, at).Count(':') == 4 && arn.Split(':')[2] == service
            ? arn[(at + marker.Length)..]
            : null;
    }
}

/// <summary>The mails e-mail subscriptions receive.</summary>
internal static class MailText
{
    /// <summary>The subject when the publish gave none.</summary>
    public const string DefaultSubject = "Spillway Notification Message";

    public const string ConfirmationSubject = "Spillway Notification - Subscription Confirmation";

    /// <summary>
    /// <c>email</c>: the message text and the link that unsubscribes (or, for a confirmation, the link that confirms);
    /// <c>email-json</c>: the JSON envelope itself, which carries both links.
    /// </summary>
    public static (string Subject, string Body) For(string protocol, QueuedDelivery delivery)
    {
        if (delivery.IsConfirmation)
        {
            return (ConfirmationSubject, protocol == "email-json"
                ? Encoding.UTF8.GetString(delivery.Envelope.Span)
                : $"You have chosen to subscribe to the topic:\n{delivery.TopicArn}\n\n"
                  + $"To confirm this subscription, click or visit the link below (if this was in error no action is necessary):\n"
                  + $"{delivery.SubscribeUrl}\n");
        }

        var subject = delivery.Subject ?? DefaultSubject;
        return (subject, protocol == "email-json"
            ? Encoding.UTF8.GetString(delivery.Envelope.Span)
            : $"{delivery.Message}\n\n--\nIf you wish to stop receiving notifications from this topic, click or visit the link below "
              + $"to unsubscribe:\n{delivery.UnsubscribeUrl}\n");
    }
}
