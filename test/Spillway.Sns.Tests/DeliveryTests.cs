using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Spillway.Messaging;
using Spillway.Messaging.Topics;
using Spillway.Sns.Delivery;
using Spillway.TestKit;

namespace Spillway.Sns.Tests;

/// <summary>Deliveries to http, https and lambda subscriptions through the delivery worker, to real HTTP receivers.</summary>
public sealed class DeliveryTests
{
    private readonly Channel<SnsDeliveryOutcome> outcomes = Channel.CreateUnbounded<SnsDeliveryOutcome>();

    [Fact]
    public async Task Http_endpoint_confirms_through_the_SubscribeURL_then_receives_signed_notifications_with_SNS_headers()
    {
        await using var receiver = await HttpReceiver.StartAsync();
        var server = await SnsTestServer.StartAsync(delivery: Settings());
        try
        {
            var topic = await server.CreateTopicAsync("orders");
            var subscribed = await server.CallAsync(
                "Subscribe", ("TopicArn", topic), ("Protocol", "http"), ("Endpoint", receiver.Url.ToString()));
            subscribed.AssertOk();
            Assert.Equal("pending confirmation", subscribed.Value("SubscriptionArn"));

            var confirmation = await receiver.NextAsync();
            Assert.Equal("SubscriptionConfirmation", confirmation.Header("x-amz-sns-message-type"));
            Assert.Equal(topic, confirmation.Header("x-amz-sns-topic-arn"));
            Assert.Equal("text/plain; charset=UTF-8", confirmation.Header("content-type"));
            var envelope = JsonDocument.Parse(confirmation.Body).RootElement;
            Assert.Equal("SubscriptionConfirmation", envelope.GetProperty("Type").GetString());
            Assert.Equal(envelope.GetProperty("MessageId").GetString(), confirmation.Header("x-amz-sns-message-id"));
            Assert.False(string.IsNullOrEmpty(envelope.GetProperty("Token").GetString()));
            await AssertSignedAsync(server, envelope);

            // Nothing reaches an endpoint before it confirms.
            (await server.CallAsync("Publish", ("TopicArn", topic), ("Message", "before"))).AssertOk();

            var subscribeUrl = new Uri(envelope.GetProperty("SubscribeURL").GetString()!);
            Assert.Equal(server.Client.BaseAddress!.Authority, subscribeUrl.Authority);
            using var confirmed = await new HttpClient().GetAsync(subscribeUrl);
            var confirmedText = await confirmed.Content.ReadAsStringAsync();
            Assert.True(confirmed.StatusCode == HttpStatusCode.OK, confirmedText);
            Assert.Contains("<ConfirmSubscriptionResponse", confirmedText, StringComparison.Ordinal);
            var subscriptionArn = System.Xml.Linq.XDocument.Parse(confirmedText).Descendants(SnsTestServer.Sns + "SubscriptionArn").Single().Value;
            Assert.Equal("false", (await server.CallAsync("GetSubscriptionAttributes", ("SubscriptionArn", subscriptionArn))).Attributes()["PendingConfirmation"]);

            (await server.CallAsync(
                "Publish", ("TopicArn", topic), ("Message", "order 42"), ("Subject", "New order"),
                ("MessageAttributes.entry.1.Name", "kind"), ("MessageAttributes.entry.1.Value.DataType", "String"),
                ("MessageAttributes.entry.1.Value.StringValue", "retail"))).AssertOk();
            var notification = await receiver.NextAsync();
            Assert.Equal("Notification", notification.Header("x-amz-sns-message-type"));
            Assert.Equal(topic, notification.Header("x-amz-sns-topic-arn"));
            Assert.Equal(subscriptionArn, notification.Header("x-amz-sns-subscription-arn"));
            Assert.Equal("Amazon Simple Notification Service Agent", notification.Header("user-agent"));
            Assert.False(notification.Headers.ContainsKey("x-amz-sns-rawdelivery"));
            var message = JsonDocument.Parse(notification.Body).RootElement;
            Assert.Equal("order 42", message.GetProperty("Message").GetString());
            Assert.Equal("New order", message.GetProperty("Subject").GetString());
            Assert.Equal(message.GetProperty("MessageId").GetString(), notification.Header("x-amz-sns-message-id"));
            Assert.Equal("retail", message.GetProperty("MessageAttributes").GetProperty("kind").GetProperty("Value").GetString());
            await AssertSignedAsync(server, message);

            var settled = await NextOutcomeAsync(o => o.MessageType == "Notification");
            Assert.Equal(SnsDeliveryResult.Delivered, settled.Result);
            Assert.True(server.Engine.Topics.TryGet("orders", out var engineTopic));
            var id = engineTopic.Subscriptions.Single().Id;
            Assert.Equal(1, engineTopic.StatisticsOf(id).Delivered);
            Assert.False(receiver.TryTake(out _)); // "before" was never queued for it

            // The subscription's own queue goes with it.
            Assert.True(server.Engine.TryGetQueue(TopicLimits.DeliveryQueueName(id), out _));
            (await server.CallAsync("Unsubscribe", ("SubscriptionArn", subscriptionArn))).AssertOk();
            Assert.False(server.Engine.TryGetQueue(TopicLimits.DeliveryQueueName(id), out _));
        }
        finally
        {
            await server.DisposeAsync();
            server.Delete();
        }
    }

    [Fact]
    public async Task Raw_delivery_over_http_posts_the_message_alone_with_the_rawdelivery_header()
    {
        await using var receiver = await HttpReceiver.StartAsync();
        var server = await SnsTestServer.StartAsync(delivery: Settings());
        try
        {
            var topic = await server.CreateTopicAsync("raw");
            (await server.CallAsync(
                "Subscribe", ("TopicArn", topic), ("Protocol", "http"), ("Endpoint", receiver.Url.ToString()),
                ("Attributes.entry.1.key", "RawMessageDelivery"), ("Attributes.entry.1.value", "true"))).AssertOk();
            await ConfirmAsync(server, topic, await receiver.NextAsync());

            (await server.CallAsync(
                "Publish", ("TopicArn", topic), ("Message", "{\"order\":42}"),
                ("MessageAttributes.entry.1.Name", "kind"), ("MessageAttributes.entry.1.Value.DataType", "String"),
                ("MessageAttributes.entry.1.Value.StringValue", "retail"))).AssertOk();
            var post = await receiver.NextAsync();
            Assert.Equal("{\"order\":42}", post.Body);
            Assert.Equal("true", post.Header("x-amz-sns-rawdelivery"));
            Assert.Equal("Notification", post.Header("x-amz-sns-message-type"));
            Assert.Equal(topic, post.Header("x-amz-sns-topic-arn"));
            Assert.False(string.IsNullOrEmpty(post.Header("x-amz-sns-message-id")));
        }
        finally
        {
            await server.DisposeAsync();
            server.Delete();
        }
    }

    [Fact]
    public async Task Failing_http_endpoint_is_retried_by_its_delivery_policy_recovers_and_a_message_it_never_takes_goes_to_the_dead_letter_queue()
    {
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow);
        await using var receiver = await HttpReceiver.StartAsync();
        var server = await SnsTestServer.StartAsync(delivery: Settings(clock));
        try
        {
            await server.Engine.CreateQueueAsync(new QueueDefinition { Name = "undeliverable" });
            var topic = await server.CreateTopicAsync("payments");

            // One retry at once, then a linear backoff from 5 to 40 s over the other two: 0 s, 22.5 s, 40 s.
            const string policy = """
                {"healthyRetryPolicy":{"numRetries":3,"numNoDelayRetries":1,"minDelayTarget":5,"maxDelayTarget":40,"backoffFunction":"linear"}}
                """;
            (await server.CallAsync(
                "Subscribe", ("TopicArn", topic), ("Protocol", "http"), ("Endpoint", receiver.Url.ToString()),
                ("Attributes.entry.1.key", "DeliveryPolicy"), ("Attributes.entry.1.value", policy),
                ("Attributes.entry.2.key", "RedrivePolicy"),
                ("Attributes.entry.2.value", $$"""{"deadLetterTargetArn":"{{SnsTestServer.QueueArn("undeliverable")}}"}"""))).AssertOk();
            await ConfirmAsync(server, topic, await receiver.NextAsync());
            Assert.Equal(SnsDeliveryResult.Delivered, (await NextOutcomeAsync(_ => true)).Result); // the confirmation's own delivery

            receiver.Fail();
            (await server.CallAsync("Publish", ("TopicArn", topic), ("Message", "first"))).AssertOk();
            var first = await receiver.NextAsync();
            var id = JsonDocument.Parse(first.Body).RootElement.GetProperty("MessageId").GetString();
            var outcome = await NextOutcomeAsync(_ => true);
            Assert.Equal((1, SnsDeliveryResult.RetryScheduled, TimeSpan.Zero), (outcome.Attempt, outcome.Result, outcome.NextAttemptIn));
            Assert.Equal("The endpoint answered 500.", outcome.Error);
            Assert.Equal(id, JsonDocument.Parse((await receiver.NextAsync()).Body).RootElement.GetProperty("MessageId").GetString());
            outcome = await NextOutcomeAsync(_ => true);
            Assert.Equal((2, SnsDeliveryResult.RetryScheduled, TimeSpan.FromSeconds(22.5)), (outcome.Attempt, outcome.Result, outcome.NextAttemptIn));

            receiver.Recover();
            outcome = await AdvanceUntilOutcomeAsync(clock, TimeSpan.FromSeconds(22.5));
            Assert.Equal((3, SnsDeliveryResult.Delivered), (outcome.Attempt, outcome.Result));
            var third = await receiver.NextAsync();
            Assert.Equal(200, third.AnsweredStatus);
            Assert.Equal(id, third.Header("x-amz-sns-message-id"));

            receiver.Fail();
            (await server.CallAsync("Publish", ("TopicArn", topic), ("Message", "second"))).AssertOk();
            Assert.Equal(SnsDeliveryResult.RetryScheduled, (await NextOutcomeAsync(_ => true)).Result);
            Assert.Equal(TimeSpan.FromSeconds(22.5), (await NextOutcomeAsync(_ => true)).NextAttemptIn);
            outcome = await AdvanceUntilOutcomeAsync(clock, TimeSpan.FromSeconds(22.5));
            Assert.Equal((3, SnsDeliveryResult.RetryScheduled, TimeSpan.FromSeconds(40)), (outcome.Attempt, outcome.Result, outcome.NextAttemptIn));
            outcome = await AdvanceUntilOutcomeAsync(clock, TimeSpan.FromSeconds(40));
            Assert.Equal((4, SnsDeliveryResult.DeadLettered), (outcome.Attempt, outcome.Result));

            var deadLetters = await server.DrainAsync("undeliverable");
            Assert.Equal("second", JsonDocument.Parse(deadLetters.Single().Body).RootElement.GetProperty("Message").GetString());
            Assert.True(server.Engine.Topics.TryGet("payments", out var engineTopic));
            var subscription = engineTopic.Subscriptions.Single();
            Assert.True(server.Engine.TryGetQueue(subscription.DeliveryQueue!, out var deliveries));
            Assert.Equal((0L, 0L), (deliveries.GetCounts().Visible, deliveries.GetCounts().InFlight));
            Assert.Equal((1L, 1L), (engineTopic.StatisticsOf(subscription.Id).Delivered, engineTopic.StatisticsOf(subscription.Id).Failed));
        }
        finally
        {
            await server.DisposeAsync();
            server.Delete();
        }
    }

    [Fact]
    public async Task A_delivery_that_failed_before_a_restart_is_made_after_it()
    {
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow);
        await using var receiver = await HttpReceiver.StartAsync();
        var server = await SnsTestServer.StartAsync(delivery: Settings(clock));
        var directory = server.DataDirectory;
        string topic;
        try
        {
            topic = await server.CreateTopicAsync("restarts");
            (await server.CallAsync("Subscribe", ("TopicArn", topic), ("Protocol", "http"), ("Endpoint", receiver.Url.ToString()))).AssertOk();
            await ConfirmAsync(server, topic, await receiver.NextAsync());
            await NextOutcomeAsync(_ => true);
            receiver.Fail();
            (await server.CallAsync("Publish", ("TopicArn", topic), ("Message", "kept"))).AssertOk();
            Assert.Equal(TimeSpan.FromSeconds(20), (await NextOutcomeAsync(_ => true)).NextAttemptIn);
        }
        finally
        {
            await server.DisposeAsync();
        }

        receiver.Recover();
        var reopened = await SnsTestServer.StartAsync(directory, Settings(clock));
        try
        {
            // Whether the retry's delay outlived the restart or not, the next attempt is made and taken.
            var outcome = await AdvanceUntilOutcomeAsync(clock, TimeSpan.FromSeconds(20));
            Assert.Equal(SnsDeliveryResult.Delivered, outcome.Result);
            var posts = new List<ReceivedPost>();
            while (receiver.TryTake(out var post))
            {
                posts.Add(post!);
            }

            Assert.Equal("kept", JsonDocument.Parse(posts.Last().Body).RootElement.GetProperty("Message").GetString());
            Assert.Equal(200, posts.Last().AnsweredStatus);
        }
        finally
        {
            await reopened.DisposeAsync();
            reopened.Delete();
        }
    }

    [Fact]
    public async Task Lambda_subscription_is_confirmed_at_once_and_its_function_receives_the_SNS_event()
    {
        var invoked = Channel.CreateUnbounded<(string Name, JsonElement Event)>();
        var server = await SnsTestServer.StartAsync(delivery: Settings(invokeFunction: (name, body, _) =>
        {
            invoked.Writer.TryWrite((name, JsonDocument.Parse(body).RootElement.Clone()));
            return Task.CompletedTask;
        }));
        try
        {
            var topic = await server.CreateTopicAsync("audit");
            var subscribed = await server.CallAsync(
                "Subscribe", ("TopicArn", topic), ("Protocol", "lambda"), ("Endpoint", "arn:aws:lambda:us-east-1:000000000000:function:auditor"));
            subscribed.AssertOk();
            var subscriptionArn = subscribed.Value("SubscriptionArn");
            Assert.StartsWith(topic + ":", subscriptionArn, StringComparison.Ordinal);

            (await server.CallAsync("Publish", ("TopicArn", topic), ("Message", "audit me"))).AssertOk();
            var (name, snsEvent) = await invoked.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal("auditor", name);
            var record = snsEvent.GetProperty("Records").EnumerateArray().Single();
            Assert.Equal("aws:sns", record.GetProperty("EventSource").GetString());
            Assert.Equal("1.0", record.GetProperty("EventVersion").GetString());
            Assert.Equal(subscriptionArn, record.GetProperty("EventSubscriptionArn").GetString());
            var sns = record.GetProperty("Sns");
            Assert.Equal("Notification", sns.GetProperty("Type").GetString());
            Assert.Equal("audit me", sns.GetProperty("Message").GetString());
            Assert.Equal(topic, sns.GetProperty("TopicArn").GetString());
            Assert.Equal(JsonValueKind.Null, sns.GetProperty("Subject").ValueKind);
            Assert.Equal(JsonValueKind.Object, sns.GetProperty("MessageAttributes").ValueKind);
            Assert.EndsWith("/sns/SigningCert.pem", sns.GetProperty("SigningCertUrl").GetString(), StringComparison.Ordinal);
            Assert.Contains("/sns/unsubscribe?SubscriptionArn=", sns.GetProperty("UnsubscribeUrl").GetString(), StringComparison.Ordinal);
        }
        finally
        {
            await server.DisposeAsync();
            server.Delete();
        }
    }

    [Fact]
    public async Task Subscribe_refuses_a_delivery_policy_or_redrive_policy_SNS_would_refuse()
    {
        var server = await SnsTestServer.StartAsync();
        try
        {
            var topic = await server.CreateTopicAsync("strict");
            var message = (await server.CallAsync(
                "Subscribe", ("TopicArn", topic), ("Protocol", "https"), ("Endpoint", "https://example.com/hook"),
                ("Attributes.entry.1.key", "DeliveryPolicy"),
                ("Attributes.entry.1.value", """{"healthyRetryPolicy":{"numRetries":101}}"""))).AssertError(HttpStatusCode.BadRequest, "InvalidParameter");
            Assert.Contains("numRetries", message, StringComparison.Ordinal);
            message = (await server.CallAsync(
                "Subscribe", ("TopicArn", topic), ("Protocol", "https"), ("Endpoint", "https://example.com/hook"),
                ("Attributes.entry.1.key", "RedrivePolicy"),
                ("Attributes.entry.1.value", """{"deadLetterTargetArn":"arn:aws:sns:us-east-1:000000000000:strict"}"""))).AssertError(HttpStatusCode.BadRequest, "InvalidParameter");
            Assert.Contains("deadLetterTargetArn", message, StringComparison.Ordinal);
        }
        finally
        {
            await server.DisposeAsync();
            server.Delete();
        }
    }

    private SnsDeliverySettings Settings(
        TimeProvider? clock = null, Func<string, ReadOnlyMemory<byte>, CancellationToken, Task>? invokeFunction = null) => new()
    {
        TimeProvider = clock ?? TimeProvider.System,
        InvokeFunction = invokeFunction,
        Observer = outcome => outcomes.Writer.TryWrite(outcome),
    };

    private async Task<SnsDeliveryOutcome> NextOutcomeAsync(Func<SnsDeliveryOutcome, bool> wanted)
    {
        while (true)
        {
            var outcome = await outcomes.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            if (wanted(outcome))
            {
                return outcome;
            }
        }
    }

    /// <summary>
    /// Moves the clock past a retry's delay and returns that attempt's outcome. The worker may not have armed its wait yet
    /// when the clock moves (it arms it relative to the time it reads), so the clock moves by the delay again, a few times
    /// at most, until the attempt is made.
    /// </summary>
    private async Task<SnsDeliveryOutcome> AdvanceUntilOutcomeAsync(ManualTimeProvider clock, TimeSpan delay)
    {
        var next = outcomes.Reader.ReadAsync().AsTask();
        for (var round = 0; round < 5; round++)
        {
            clock.Advance(delay);
            if (await Task.WhenAny(next, Task.Delay(TimeSpan.FromSeconds(2))) == next)
            {
                return await next;
            }
        }

        return await next.WaitAsync(TimeSpan.FromSeconds(10));
    }

    private static async Task ConfirmAsync(SnsTestServer server, string topic, ReceivedPost confirmation)
    {
        var token = JsonDocument.Parse(confirmation.Body).RootElement.GetProperty("Token").GetString()!;
        (await server.CallAsync("ConfirmSubscription", ("TopicArn", topic), ("Token", token))).AssertOk();
    }

    /// <summary>Verifies an envelope's signature with the certificate its SigningCertURL serves, as a receiver would.</summary>
    internal static async Task AssertSignedAsync(SnsTestServer server, JsonElement envelope)
    {
        var pem = await server.Client.GetStringAsync(new Uri(envelope.GetProperty("SigningCertURL").GetString()!));
        using var certificate = X509Certificate2.CreateFromPem(pem);
        using var key = certificate.GetRSAPublicKey()!;
        string[] fields = envelope.GetProperty("Type").GetString() == "Notification"
            ? ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"]
            : ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"];
        var signed = new StringBuilder();
        foreach (var field in fields)
        {
            if (envelope.TryGetProperty(field, out var value))
            {
                signed.Append(field).Append('\n').Append(value.GetString()).Append('\n');
            }
        }

        var algorithm = envelope.GetProperty("SignatureVersion").GetString() == "1" ? HashAlgorithmName.SHA1 : HashAlgorithmName.SHA256;
        Assert.True(key.VerifyData(
            Encoding.UTF8.GetBytes(signed.ToString()), Convert.FromBase64String(envelope.GetProperty("Signature").GetString()!), algorithm, RSASignaturePadding.Pkcs1));
    }
}
