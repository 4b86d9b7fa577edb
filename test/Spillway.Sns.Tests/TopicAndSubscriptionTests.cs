using System.Net;

namespace Spillway.Sns.Tests;

public sealed class TopicAndSubscriptionTests : IAsyncLifetime
{
    private SnsTestServer server = null!;

    public async Task InitializeAsync() => server = await SnsTestServer.StartAsync();

    public async Task DisposeAsync()
    {
        await server.DisposeAsync();
        server.Delete();
    }

    [Fact]
    public async Task CreateTopic_is_idempotent_and_refuses_the_same_name_with_different_attributes()
    {
        var arn = await server.CreateTopicAsync("orders", ("DisplayName", "Orders"));
        Assert.Equal(SnsTestServer.TopicArn("orders"), arn);
        Assert.Equal(arn, await server.CreateTopicAsync("orders", ("DisplayName", "Orders")));

        var differs = await server.CallAsync(
            "CreateTopic", ("Name", "orders"), ("Attributes.entry.1.key", "DisplayName"), ("Attributes.entry.1.value", "Other"));
        Assert.Contains("different attributes", differs.AssertError(HttpStatusCode.BadRequest, "InvalidParameter"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fifo_topic_needs_both_its_name_ending_and_the_FifoTopic_attribute()
    {
        var arn = await server.CreateTopicAsync("orders.fifo", ("FifoTopic", "true"), ("ContentBasedDeduplication", "true"));
        var attributes = (await server.CallAsync("GetTopicAttributes", ("TopicArn", arn))).Attributes();
        Assert.Equal("true", attributes["FifoTopic"]);
        Assert.Equal("true", attributes["ContentBasedDeduplication"]);

        (await server.CallAsync("CreateTopic", ("Name", "plain.fifo"))).AssertError(HttpStatusCode.BadRequest, "InvalidParameter");
        (await server.CallAsync("CreateTopic", ("Name", "plain"), ("Attributes.entry.1.key", "FifoTopic"), ("Attributes.entry.1.value", "true")))
            .AssertError(HttpStatusCode.BadRequest, "InvalidParameter");
    }

    [Fact]
    public async Task Topic_attributes_report_counts_and_defaults_and_take_settable_values()
    {
        var arn = await server.CreateTopicAsync("alerts");
        await server.SubscribeQueueAsync(arn, "ops");
        (await server.CallAsync("Subscribe", ("TopicArn", arn), ("Protocol", "https"), ("Endpoint", "https://example.com/hook"))).AssertOk();
        (await server.CallAsync("SetTopicAttributes", ("TopicArn", arn), ("AttributeName", "SignatureVersion"), ("AttributeValue", "2"))).AssertOk();
        (await server.CallAsync("SetTopicAttributes", ("TopicArn", arn), ("AttributeName", "SignatureVersion"), ("AttributeValue", "3")))
            .AssertError(HttpStatusCode.BadRequest, "InvalidParameter");
        (await server.CallAsync("SetTopicAttributes", ("TopicArn", arn), ("AttributeName", "Colour"), ("AttributeValue", "red")))
            .AssertError(HttpStatusCode.BadRequest, "InvalidParameter");

        var attributes = (await server.CallAsync("GetTopicAttributes", ("TopicArn", arn))).Attributes();
        Assert.Equal(arn, attributes["TopicArn"]);
        Assert.Equal(SnsTestServer.Account, attributes["Owner"]);
        Assert.Equal("1", attributes["SubscriptionsConfirmed"]);
        Assert.Equal("1", attributes["SubscriptionsPending"]);
        Assert.Equal("2", attributes["SignatureVersion"]);
        Assert.Contains("defaultHealthyRetryPolicy", attributes["EffectiveDeliveryPolicy"], StringComparison.Ordinal);
        Assert.Contains(arn, attributes["Policy"], StringComparison.Ordinal);
        Assert.False(attributes.ContainsKey("FifoTopic"));
    }

    [Fact]
    public async Task ListTopics_pages_by_one_hundred_with_a_NextToken()
    {
        for (var i = 0; i < 130; i++)
        {
            await server.CreateTopicAsync($"t{i:D3}");
        }

        var first = await server.CallAsync("ListTopics");
        Assert.Equal(100, first.Values("TopicArn").Count());
        var second = await server.CallAsync("ListTopics", ("NextToken", first.Value("NextToken")));
        Assert.Equal(30, second.Values("TopicArn").Count());
        Assert.Empty(second.Values("NextToken"));
        Assert.Equal(130, first.Values("TopicArn").Concat(second.Values("TopicArn")).Distinct().Count());
    }

    [Fact]
    public async Task Queue_subscribed_by_its_url_is_confirmed_at_once_and_is_the_same_subscription_as_by_its_arn()
    {
        var topic = await server.CreateTopicAsync("orders");
        var byArn = await server.SubscribeQueueAsync(topic, "billing", ("RawMessageDelivery", "true"));
        var byUrl = await server.CallAsync(
            "Subscribe", ("TopicArn", topic), ("Protocol", "sqs"), ("Endpoint", $"http://localhost:8080/{SnsTestServer.Account}/billing"),
            ("Attributes.entry.1.key", "RawMessageDelivery"), ("Attributes.entry.1.value", "true"));
        Assert.Equal(byArn, byUrl.Value("SubscriptionArn"));

        var attributes = (await server.CallAsync("GetSubscriptionAttributes", ("SubscriptionArn", byArn))).Attributes();
        Assert.Equal("false", attributes["PendingConfirmation"]);
        Assert.Equal("true", attributes["RawMessageDelivery"]);
        Assert.Equal(SnsTestServer.QueueArn("billing"), attributes["Endpoint"]);

        var different = await server.CallAsync("Subscribe", ("TopicArn", topic), ("Protocol", "sqs"), ("Endpoint", SnsTestServer.QueueArn("billing")));
        different.AssertError(HttpStatusCode.BadRequest, "InvalidParameter");
    }

    [Fact]
    public async Task Http_subscription_is_pending_until_confirmed_with_its_token()
    {
        var topic = await server.CreateTopicAsync("hooks");
        var pending = await server.CallAsync("Subscribe", ("TopicArn", topic), ("Protocol", "https"), ("Endpoint", "https://example.com/in"));
        Assert.Equal("pending confirmation", pending.Value("SubscriptionArn"));
        Assert.Equal("PendingConfirmation", (await server.CallAsync("ListSubscriptionsByTopic", ("TopicArn", topic))).Value("SubscriptionArn"));

        (await server.CallAsync("ConfirmSubscription", ("TopicArn", topic), ("Token", "wrong"))).AssertError(HttpStatusCode.BadRequest, "InvalidParameter");
        Assert.True(server.Engine.Topics.TryGet("hooks", out var engineTopic));
        var token = engineTopic.Subscriptions.Single().ConfirmationToken!;
        var confirmed = await server.CallAsync("ConfirmSubscription", ("TopicArn", topic), ("Token", token), ("AuthenticateOnUnsubscribe", "true"));
        var arn = confirmed.Value("SubscriptionArn");
        Assert.StartsWith(topic + ":", arn, StringComparison.Ordinal);

        var attributes = (await server.CallAsync("GetSubscriptionAttributes", ("SubscriptionArn", arn))).Attributes();
        Assert.Equal("false", attributes["PendingConfirmation"]);
        Assert.Equal("true", attributes["ConfirmationWasAuthenticated"]);
        Assert.Equal(arn, (await server.CallAsync("ListSubscriptions")).Value("SubscriptionArn"));
    }

    [Fact]
    public async Task Subscription_attributes_store_filter_policy_and_scope_and_unsubscribe_removes_it()
    {
        var topic = await server.CreateTopicAsync("orders");
        var arn = await server.SubscribeQueueAsync(topic, "eu");
        (await server.CallAsync("SetSubscriptionAttributes", ("SubscriptionArn", arn), ("AttributeName", "FilterPolicy"), ("AttributeValue", "{\"region\":[\"eu\"]}"))).AssertOk();
        (await server.CallAsync("SetSubscriptionAttributes", ("SubscriptionArn", arn), ("AttributeName", "FilterPolicyScope"), ("AttributeValue", "MessageBody"))).AssertOk();
        (await server.CallAsync("SetSubscriptionAttributes", ("SubscriptionArn", arn), ("AttributeName", "FilterPolicyScope"), ("AttributeValue", "Body")))
            .AssertError(HttpStatusCode.BadRequest, "InvalidParameter");
        (await server.CallAsync("SetSubscriptionAttributes", ("SubscriptionArn", arn), ("AttributeName", "FilterPolicy"), ("AttributeValue", "{not json")))
            .AssertError(HttpStatusCode.BadRequest, "InvalidParameter");

        var attributes = (await server.CallAsync("GetSubscriptionAttributes", ("SubscriptionArn", arn))).Attributes();
        Assert.Equal("{\"region\":[\"eu\"]}", attributes["FilterPolicy"]);
        Assert.Equal("MessageBody", attributes["FilterPolicyScope"]);

        (await server.CallAsync("Unsubscribe", ("SubscriptionArn", arn))).AssertOk();
        (await server.CallAsync("GetSubscriptionAttributes", ("SubscriptionArn", arn))).AssertError(HttpStatusCode.NotFound, "NotFound");
    }

    [Fact]
    public async Task Tags_are_added_listed_and_removed()
    {
        var topic = await server.CreateTopicAsync("tagged");
        (await server.CallAsync("TagResource", ("ResourceArn", topic), ("Tags.member.1.Key", "team"), ("Tags.member.1.Value", "ops"),
            ("Tags.member.2.Key", "env"), ("Tags.member.2.Value", "dev"))).AssertOk();
        (await server.CallAsync("UntagResource", ("ResourceArn", topic), ("TagKeys.member.1", "env"))).AssertOk();
        var listed = await server.CallAsync("ListTagsForResource", ("ResourceArn", topic));
        Assert.Equal(["team"], listed.Values("Key"));
        Assert.Equal(["ops"], listed.Values("Value"));
        (await server.CallAsync("ListTagsForResource", ("ResourceArn", SnsTestServer.TopicArn("missing")))).AssertError(HttpStatusCode.NotFound, "ResourceNotFound");
    }

    [Fact]
    public async Task DeleteTopic_removes_it_and_its_subscriptions_and_is_no_error_when_repeated()
    {
        var topic = await server.CreateTopicAsync("gone");
        await server.SubscribeQueueAsync(topic, "q");
        (await server.CallAsync("DeleteTopic", ("TopicArn", topic))).AssertOk();
        (await server.CallAsync("DeleteTopic", ("TopicArn", topic))).AssertOk();
        (await server.CallAsync("GetTopicAttributes", ("TopicArn", topic))).AssertError(HttpStatusCode.NotFound, "NotFound");
        Assert.Empty((await server.CallAsync("ListSubscriptions")).Values("SubscriptionArn"));
    }
}
