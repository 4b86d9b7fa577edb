using System.Security.Cryptography;
using System.Text.Json;
using Spillway.Aws;
using Spillway.Messaging;
using Spillway.Messaging.Topics;
using Spillway.Messaging.Topics.Filtering;

namespace Spillway.Sns.Internal;

internal sealed partial class SnsApi
{
    /// <summary>What SNS answers for the ARN of a subscription awaiting confirmation.</summary>
    private const string PendingArn = "pending confirmation";

    /// <summary>What SNS lists as the ARN of a subscription awaiting confirmation.</summary>
    private const string PendingListedArn = "PendingConfirmation";

    private const string AuthenticatedAttribute = "ConfirmationWasAuthenticated";

    /// <summary>The outcome of a GET on an envelope's UnsubscribeURL.</summary>
    public enum UrlUnsubscribe
    {
        Unsubscribed,
        NotFound,

        /// <summary>The subscription was confirmed with AuthenticateOnUnsubscribe: only a signed Unsubscribe removes it.</summary>
        Refused,
    }

    /// <summary>Unsubscribes through an envelope's UnsubscribeURL, which needs no signature (as SNS's): it can remove only
    /// the one subscription whose ARN, with its random id, the envelope carried.</summary>
    public async ValueTask<UrlUnsubscribe> UnsubscribeByUrlAsync(string? subscriptionArn, CancellationToken cancellationToken)
    {
        if (SnsArns.SubscriptionParts(account, subscriptionArn) is not { } parts
            || !topics.TryGet(parts.Topic, out var topic)
            || topic.FindSubscription(parts.Id) is not { } subscription)
        {
            return UrlUnsubscribe.NotFound;
        }

        if (subscription.Attributes.GetValueOrDefault(AuthenticatedAttribute) == "true" && subscription.Protocol != "sqs")
        {
            return UrlUnsubscribe.Refused;
        }

        return await topic.UnsubscribeAsync(parts.Id, cancellationToken).ConfigureAwait(false) ? UrlUnsubscribe.Unsubscribed : UrlUnsubscribe.NotFound;
    }

    private async ValueTask SubscribeAsync(AwsCall call)
    {
        var topic = TopicOf(call);
        var protocol = call.Input.String("Protocol") ?? throw SnsErrors.Invalid("Protocol");
        var endpoint = call.Input.String("Endpoint");
        var returnArn = call.Input.Bool("ReturnSubscriptionArn") ?? false;
        var requested = ApplyAttributes(
            new Subscription { Id = Guid.NewGuid(), Protocol = protocol, Endpoint = string.Empty },
            call.Input.Map("Attributes.entry", "key", "value", "Attributes") ?? []);
        if (protocol != "sqs" && topic.Definition.IsFifo)
        {
            throw SnsErrors.Invalid("Endpoint Reason: FIFO topics support only sqs subscriptions");
        }

        requested = protocol switch
        {
            "sqs" => QueueSubscription(requested, endpoint),
            "http" or "https" => PendingSubscription(requested, RequireUrl(endpoint, protocol)),
            "email" or "email-json" => PendingSubscription(
                requested, endpoint is { Length: > 2 } address && address.Contains('@', StringComparison.Ordinal) && !address.Any(char.IsWhiteSpace)
                    ? address
                    : throw SnsErrors.Invalid("Email address")),

            // SNS confirms a function of the topic's own account at once: there is nobody to answer a handshake.
            "lambda" => requested with
            {
                Endpoint = endpoint is { } function && Arn.TryParse(function, out var arn) && arn.Service == "lambda"
                    && Delivery.FunctionName.Of(function) is not null
                    ? function
                    : throw SnsErrors.Invalid("Lambda function ARN"),
                Confirmed = true,
                OwnsDeliveryQueue = true,
            },

            // As SNS, a delivery stream of the account is confirmed at once; SNS also asks for the role it would assume.
            "firehose" => requested with
            {
                Endpoint = endpoint is { } stream && Delivery.ResourceName.DeliveryStream(stream) is not null
                    ? stream
                    : throw SnsErrors.Invalid("Firehose delivery stream ARN"),
                Confirmed = requested.Attributes.ContainsKey("SubscriptionRoleArn")
                    ? true
                    : throw SnsErrors.Invalid("Attributes Reason: SubscriptionRoleArn is required for firehose subscriptions"),
                OwnsDeliveryQueue = true,
            },

            // Spillway's own protocol (SNS has none for Kinesis): a stream of this server, confirmed at once as a
            // delivery stream is, so a topic can feed a stream and what reads it (consumers, aggregations).
            "kinesis" => requested with
            {
                Endpoint = endpoint is { } dataStream && Delivery.ResourceName.Stream(dataStream) is not null
                    ? dataStream
                    : throw SnsErrors.Invalid("Kinesis stream ARN"),
                Confirmed = true,
                OwnsDeliveryQueue = true,
            },
            _ => throw SnsErrors.Invalid("Amazon SNS does not support this protocol string: " + protocol),
        };

        var stored = await topic.SubscribeAsync(requested, call.Aborted).ConfigureAwait(false);
        if (stored.Id != requested.Id && !SameSettings(stored, requested))
        {
            throw SnsErrors.Invalid("Attributes Reason: Subscription already exists with different attributes");
        }

        // Subscribing a pending endpoint again sends a new confirmation, as SNS does; it is durable in the subscription's
        // queue before the answer, so the handshake survives a restart.
        if (!stored.Confirmed && stored is { OwnsDeliveryQueue: true, DeliveryQueue: { } queueName }
            && engine.TryGetQueue(queueName, out var queue))
        {
            await queue.SendBatchAsync([notifications.Confirmation(topic.Definition, stored, engine.Time.GetUtcNow())], null, call.Aborted)
                .ConfigureAwait(false);
        }

        call.Response.Begin(call.Action);
        call.Response.String("SubscriptionArn", stored.Confirmed || returnArn ? SubscriptionArn(topic, stored) : PendingArn);
        call.Response.End(call.Action, call.RequestId);
    }

    private async ValueTask ConfirmSubscriptionAsync(AwsCall call)
    {
        var topic = TopicOf(call);
        var token = call.Input.String("Token");
        var authenticate = call.Input.String("AuthenticateOnUnsubscribe") is { } flag && BooleanAttribute("AuthenticateOnUnsubscribe", flag);
        var pending = topic.Subscriptions.FirstOrDefault(s => !s.Confirmed && token is { Length: > 0 } && s.ConfirmationToken == token)
            ?? throw SnsErrors.Invalid("Token");
        var confirmed = await topic.UpdateSubscriptionAsync(
            pending.Id,
            s => s with
            {
                Confirmed = true,
                ConfirmationToken = null,
                Attributes = With(s.Attributes, AuthenticatedAttribute, authenticate ? "true" : "false"),
            },
            call.Aborted).ConfigureAwait(false);
        call.Response.Begin(call.Action);
        call.Response.String("SubscriptionArn", SubscriptionArn(topic, confirmed));
        call.Response.End(call.Action, call.RequestId);
    }

    private async ValueTask UnsubscribeAsync(AwsCall call)
    {
        var (topic, subscription) = SubscriptionOf(call);
        await topic.UnsubscribeAsync(subscription.Id, call.Aborted).ConfigureAwait(false);
        call.Response.Empty(call.Action, call.RequestId);
    }

    private ValueTask ListSubscriptions(AwsCall call)
    {
        WriteSubscriptions(call, topics.List().SelectMany(t => t.Subscriptions.Select(s => (t, s))));
        return ValueTask.CompletedTask;
    }

    private ValueTask ListSubscriptionsByTopic(AwsCall call)
    {
        var topic = TopicOf(call);
        WriteSubscriptions(call, topic.Subscriptions.Select(s => (topic, s)));
        return ValueTask.CompletedTask;
    }

    private ValueTask GetSubscriptionAttributes(AwsCall call)
    {
        var (topic, subscription) = SubscriptionOf(call);
        var values = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["SubscriptionArn"] = SubscriptionArn(topic, subscription),
            ["TopicArn"] = TopicArn(topic.Name),
            ["Owner"] = account.AccountId,
            ["Protocol"] = subscription.Protocol,
            ["Endpoint"] = subscription.Endpoint,
            [AuthenticatedAttribute] = subscription.Protocol == "sqs" ? "true" : "false",
            ["PendingConfirmation"] = subscription.Confirmed ? "false" : "true",
            ["RawMessageDelivery"] = subscription.RawMessageDelivery ? "true" : "false",
        };
        if (subscription.Protocol is "http" or "https")
        {
            values["EffectiveDeliveryPolicy"] = subscription.Attributes.GetValueOrDefault(
                TopicAttributes.DeliveryPolicy, topic.Definition.Attributes.GetValueOrDefault(TopicAttributes.DeliveryPolicy, TopicAttributes.DefaultDeliveryPolicy));
        }

        if (subscription.FilterPolicy is { } policy)
        {
            values["FilterPolicy"] = policy;
            values["FilterPolicyScope"] = subscription.FilterPolicyScope.ToString();
        }

        foreach (var (key, value) in subscription.Attributes)
        {
            values[key] = value;
        }

        call.Response.Begin(call.Action);
        WriteAttributes(call, values);
        call.Response.End(call.Action, call.RequestId);
        return ValueTask.CompletedTask;
    }

    private async ValueTask SetSubscriptionAttributesAsync(AwsCall call)
    {
        var (topic, subscription) = SubscriptionOf(call);
        var name = call.Input.String("AttributeName") ?? throw SnsErrors.Invalid("AttributeName");
        var value = call.Input.String("AttributeValue") ?? string.Empty;
        var changed = ApplyAttributes(subscription, [new(name, value)]);
        await topic.UpdateSubscriptionAsync(subscription.Id, _ => changed, call.Aborted).ConfigureAwait(false);
        call.Response.Empty(call.Action, call.RequestId);
    }

    /// <summary>The subscription named by <c>SubscriptionArn</c>, with its topic.</summary>
    private (Topic Topic, Subscription Subscription) SubscriptionOf(AwsCall call)
    {
        var parts = SnsArns.SubscriptionParts(account, call.Input.String("SubscriptionArn")) ?? throw SnsErrors.Invalid("SubscriptionArn");
        return topics.TryGet(parts.Topic, out var topic) && topic.FindSubscription(parts.Id) is { } subscription
            ? (topic, subscription)
            : throw SnsErrors.SubscriptionNotFound();
    }

    private void WriteSubscriptions(AwsCall call, IEnumerable<(Topic Topic, Subscription Subscription)> all)
    {
        // Pages follow the order of topics, then of subscriptions within each; a token names the last one listed.
        var listed = all.Select(p => (p.Topic, p.Subscription, Key: SubscriptionArn(p.Topic, p.Subscription))).ToList();
        var start = 0;
        if (call.Input.String("NextToken") is { } token)
        {
            var after = ReadToken(token);
            start = listed.FindIndex(l => l.Key == after) + 1;
            if (start == 0)
            {
                throw SnsErrors.Invalid("NextToken");
            }
        }

        call.Response.Begin(call.Action);
        call.Response.BeginList("Subscriptions", "Subscriptions");
        foreach (var (topic, subscription, _) in listed.Skip(start).Take(PageSize))
        {
            call.Response.BeginItem("member");
            call.Response.String("SubscriptionArn", subscription.Confirmed ? SubscriptionArn(topic, subscription) : PendingListedArn);
            call.Response.String("Owner", account.AccountId);
            call.Response.String("Protocol", subscription.Protocol);
            call.Response.String("Endpoint", subscription.Endpoint);
            call.Response.String("TopicArn", TopicArn(topic.Name));
            call.Response.EndItem("member");
        }

        call.Response.EndList("Subscriptions");
        if (listed.Count > start + PageSize)
        {
            call.Response.String("NextToken", IssueToken(listed[start + PageSize - 1].Key));
        }

        call.Response.End(call.Action, call.RequestId);
    }

    private string SubscriptionArn(Topic topic, Subscription subscription) => SnsArns.Subscription(TopicArn(topic.Name), subscription.Id);

    /// <summary>
    /// A queue of this server, by ARN (<c>arn:aws:sqs:region:account:name</c>) or queue URL (<c>…/account/name</c>):
    /// confirmed at once, as SNS confirms a queue of the topic's own account. The endpoint is kept as the queue's ARN, so
    /// subscribing its URL and its ARN is one subscription.
    /// </summary>
    private Subscription QueueSubscription(Subscription requested, string? endpoint)
    {
        string? queue = null;
        if (Arn.TryParse(endpoint, out var arn))
        {
            queue = arn.Service == "sqs" && arn.AccountId == account.AccountId && arn.Region == account.Region ? arn.Resource : null;
        }
        else if (Uri.TryCreate(endpoint, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps))
        {
            var segments = url.AbsolutePath.Trim('/').Split('/');
            queue = segments is [var owner, var name] && owner == account.AccountId ? Uri.UnescapeDataString(name) : null;
        }

        if (!QueueLimits.IsValidName(queue))
        {
            throw SnsErrors.Invalid("SQS endpoint ARN");
        }

        return requested with { Endpoint = account.Arn("sqs", queue!).ToString(), DeliveryQueue = queue, Confirmed = true };
    }

    /// <summary>An endpoint that must confirm before it receives anything: it holds a token until it does.</summary>
    private static Subscription PendingSubscription(Subscription requested, string endpoint) => requested with
    {
        Endpoint = endpoint,
        OwnsDeliveryQueue = true,
        Confirmed = false,
        ConfirmationToken = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(64)),
    };

    private static string RequireUrl(string? endpoint, string protocol) =>
        Uri.TryCreate(endpoint, UriKind.Absolute, out var url) && url.Scheme == protocol && url.Host.Length > 0
            ? endpoint!
            : throw SnsErrors.Invalid("Endpoint Reason: must be an absolute " + protocol + " URL");

    /// <summary>Applies SNS's subscription attributes, checking each as SNS does; an empty value removes one.</summary>
    private static Subscription ApplyAttributes(Subscription subscription, IEnumerable<KeyValuePair<string, string>> attributes)
    {
        foreach (var (name, value) in attributes)
        {
            if (!TopicAttributes.SubscriptionSettable.Contains(name))
            {
                throw SnsErrors.Invalid("AttributeName");
            }

            subscription = name switch
            {
                "RawMessageDelivery" => subscription with { RawMessageDelivery = BooleanAttribute(name, value) },
                "FilterPolicy" => subscription with { FilterPolicy = value.Length == 0 ? null : JsonObject(name, value) },
                "FilterPolicyScope" => subscription with
                {
                    FilterPolicyScope = Enum.TryParse<FilterPolicyScope>(value, out var scope) && Enum.IsDefined(scope) && !char.IsDigit(value[0])
                        ? scope
                        : throw SnsErrors.Invalid("Attributes Reason: FilterPolicyScope: Invalid value [" + value + "]. Please use either MessageBody or MessageAttributes"),
                },
                "DeliveryPolicy" when value.Length > 0 =>
                    subscription with { Attributes = With(subscription.Attributes, name, Delivery.RetryPolicy.Validate(JsonObject(name, value))) },
                "RedrivePolicy" when value.Length > 0 =>
                    subscription with { Attributes = With(subscription.Attributes, name, Delivery.DeadLetterTarget.Validate(JsonObject(name, value))) },
                "ReplayPolicy" when value.Length > 0 =>
                    subscription with { Attributes = With(subscription.Attributes, name, JsonObject(name, value)) },
                _ => subscription with { Attributes = With(subscription.Attributes, name, value) },
            };
        }

        return subscription;
    }

    private static string JsonObject(string name, string value)
    {
        try
        {
            using var document = JsonDocument.Parse(value);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                return value;
            }
        }
        catch (JsonException)
        {
        }

        throw SnsErrors.Invalid($"{name}: failed to parse JSON.");
    }

    private static Dictionary<string, string> With(IReadOnlyDictionary<string, string> attributes, string name, string value)
    {
        var next = new Dictionary<string, string>(attributes, StringComparer.Ordinal);
        if (value.Length == 0)
        {
            next.Remove(name);
        }
        else
        {
            next[name] = value;
        }

        return next;
    }

    private static bool SameSettings(Subscription a, Subscription b) =>
        a.RawMessageDelivery == b.RawMessageDelivery && a.FilterPolicy == b.FilterPolicy && a.FilterPolicyScope == b.FilterPolicyScope
        && a.Attributes.Count(p => p.Key != AuthenticatedAttribute) == b.Attributes.Count
        && b.Attributes.All(p => a.Attributes.TryGetValue(p.Key, out var v) && v == p.Value);
}
