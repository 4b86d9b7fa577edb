using Spillway.Messaging.Topics;

namespace Spillway.Messaging.Tests.Topics;

public sealed class TopicFanOutTests : TopicTestBase
{
    [Fact]
    public async Task A_publish_reaches_every_confirmed_queue_subscription_once_and_no_unconfirmed_one()
    {
        var topic = await Topics.CreateAsync(new TopicDefinition { Name = "orders" });
        await SubscribeQueue(topic, "billing");
        await SubscribeQueue(topic, "shipping");
        await Engine.CreateQueueAsync(new QueueDefinition { Name = "pending" });
        await topic.SubscribeAsync(new Subscription
        {
            Id = Guid.NewGuid(), Protocol = "sqs", Endpoint = "pending", DeliveryQueue = "pending", Confirmed = false,
        });

        var result = await topic.PublishAsync(new TopicMessage("order 1"));

        Assert.NotEqual(Guid.Empty, result.MessageId);
        Assert.Null(result.SequenceNumber);
        Assert.Equal(["order 1"], await Drain("billing"));
        Assert.Equal(["order 1"], await Drain("shipping"));
        Assert.Empty(await Drain("pending"));
    }

    [Fact]
    public async Task Each_queue_gets_only_what_its_filter_policy_passes_and_the_counters_say_so()
    {
        var topic = await Topics.CreateAsync(new TopicDefinition { Name = "filtered" });
        var books = await SubscribeQueue(topic, "books", """{"kind":["book"]}""");
        var big = await SubscribeQueue(topic, "big", """{"total":[{"numeric":[">=",100]}]}""");
        var bodies = await topic.SubscribeAsync(new Subscription
        {
            Id = Guid.NewGuid(), Protocol = "sqs", Endpoint = "bodies", DeliveryQueue = "books-by-body", Confirmed = true,
            FilterPolicy = """{"order":{"kind":["book"]}}""", FilterPolicyScope = Spillway.Messaging.Topics.Filtering.FilterPolicyScope.MessageBody,
        });
        await Engine.CreateQueueAsync(new QueueDefinition { Name = "books-by-body" });

        await topic.PublishAsync(Order("book", 20));
        await topic.PublishAsync(Order("lamp", 150));
        await topic.PublishAsync(Order("book", 300));

        Assert.Equal(2, (await Drain("books")).Count);
        Assert.Equal(2, (await Drain("big")).Count);
        Assert.Equal(2, (await Drain("books-by-body")).Count);
        Assert.Equal(new SubscriptionStatistics(2, 1, 0), topic.StatisticsOf(books.Id));
        Assert.Equal(new SubscriptionStatistics(2, 1, 0), topic.StatisticsOf(big.Id));
        Assert.Equal(new SubscriptionStatistics(2, 1, 0), topic.StatisticsOf(bodies.Id));

        static TopicMessage Order(string kind, int total) => new($"{{\"order\":{{\"kind\":\"{kind}\",\"total\":{total}}}}}")
        {
            Attributes = new Dictionary<string, MessageAttributeValue>
            {
                ["kind"] = new("String", kind),
                ["total"] = new("Number", total.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            },
        };
    }

    [Fact]
    public async Task An_invalid_filter_policy_is_refused_with_the_SNS_text_and_nothing_is_subscribed()
    {
        var topic = await Topics.CreateAsync(new TopicDefinition { Name = "refuses" });
        var refusal = await Assert.ThrowsAsync<Spillway.Messaging.Topics.Filtering.InvalidFilterPolicyException>(
            () => SubscribeQueue(topic, "q", """{"a":{"b":["c"]}}"""));
        Assert.Equal("Invalid parameter: Filter policy scope MessageAttributes does not support nested filter policy", refusal.Message);
        Assert.Empty(topic.Subscriptions);
    }

    [Fact]
    public async Task Two_subscriptions_of_one_queue_each_deliver_their_copy()
    {
        var topic = await Topics.CreateAsync(new TopicDefinition { Name = "twice" });
        await SubscribeQueue(topic, "both");
        await topic.SubscribeAsync(new Subscription
        {
            Id = Guid.NewGuid(), Protocol = "sqs", Endpoint = "both-again", DeliveryQueue = "both", Confirmed = true,
        });

        await topic.PublishAsync(new TopicMessage("m"));

        Assert.Equal(["m", "m"], await Drain("both"));
    }

    [Fact]
    public async Task Subscribing_the_same_endpoint_again_returns_the_existing_subscription()
    {
        var topic = await Topics.CreateAsync(new TopicDefinition { Name = "same" });
        var first = await SubscribeQueue(topic, "q");
        var again = await topic.SubscribeAsync(first with { Id = Guid.NewGuid() });

        Assert.Equal(first.Id, again.Id);
        Assert.Single(topic.Subscriptions);
    }

    [Fact]
    public async Task Subscriptions_and_attributes_survive_a_restart_and_an_unsubscribed_queue_gets_nothing_more()
    {
        var topic = await Topics.CreateAsync(new TopicDefinition
        {
            Name = "kept",
            Attributes = new Dictionary<string, string> { ["DisplayName"] = "Kept" },
        });
        var stays = await SubscribeQueue(topic, "stays");
        var leaves = await SubscribeQueue(topic, "leaves");
        Assert.True(await topic.UnsubscribeAsync(leaves.Id));

        await Restart();
        topic = Topic("kept");
        Assert.Equal("Kept", topic.Definition.Attributes["DisplayName"]);
        Assert.Equal([stays.Id], topic.Subscriptions.Select(s => s.Id));
        await topic.PublishAsync(new TopicMessage("after"));
        Assert.Equal(["after"], await Drain("stays"));
        Assert.Empty(await Drain("leaves"));
    }

    [Fact]
    public async Task A_publish_keeps_its_attributes_in_each_queue()
    {
        var topic = await Topics.CreateAsync(new TopicDefinition { Name = "attrs" });
        await SubscribeQueue(topic, "a");
        await topic.PublishAsync(new TopicMessage("body")
        {
            Attributes = new Dictionary<string, MessageAttributeValue> { ["kind"] = new("String", "order") },
        });

        await Settled();
        var message = Assert.Single(await Receive(Queue("a")));
        Assert.Equal("order", message.Attributes["kind"].StringValue);
    }

    [Fact]
    public async Task Invalid_publishes_are_refused_and_store_nothing()
    {
        var topic = await Topics.CreateAsync(new TopicDefinition { Name = "strict" });
        await SubscribeQueue(topic, "s");

        await Assert.ThrowsAsync<ArgumentException>(async () => await topic.PublishAsync(new TopicMessage("")));
        await Assert.ThrowsAsync<ArgumentException>(async () => await topic.PublishAsync(new TopicMessage(new string('x', TopicLimits.MaxMessageBytes + 1))));
        await Assert.ThrowsAsync<ArgumentException>(async () => await topic.PublishAsync(new TopicMessage("m") { MessageGroupId = "g" }));
        await Assert.ThrowsAsync<ArgumentException>(async () => await topic.PublishAsync(new TopicMessage("m") { Subject = "two\nlines" }));
        await Assert.ThrowsAsync<ArgumentException>(async () => await topic.PublishAsync(new TopicMessage("m")
        {
            Attributes = Enumerable.Range(0, 11).ToDictionary(i => $"a{i}", _ => new MessageAttributeValue("String", "v")),
        }));

        Assert.Empty(await Drain("s"));
    }

    [Fact]
    public async Task Topic_names_follow_the_SNS_rule_and_a_FIFO_topic_takes_only_FIFO_queues()
    {
        await Assert.ThrowsAsync<ArgumentException>(async () => await Topics.CreateAsync(new TopicDefinition { Name = "bad name" }));
        await Assert.ThrowsAsync<ArgumentException>(async () => await Topics.CreateAsync(new TopicDefinition { Name = new string('a', 257) }));
        await Assert.ThrowsAsync<ArgumentException>(async () =>
            await Topics.CreateAsync(new TopicDefinition { Name = "plain", ContentBasedDeduplication = true }));

        var fifo = await Topics.CreateAsync(new TopicDefinition { Name = "events.fifo" });
        await Engine.CreateQueueAsync(new QueueDefinition { Name = "standard" });
        await Assert.ThrowsAsync<ArgumentException>(async () => await fifo.SubscribeAsync(new Subscription
        {
            Id = Guid.NewGuid(), Protocol = "sqs", Endpoint = "standard", DeliveryQueue = "standard", Confirmed = true,
        }));
        Assert.Empty(fifo.Subscriptions);
    }

    [Fact]
    public async Task Deleting_a_topic_removes_it_for_good()
    {
        var topic = await Topics.CreateAsync(new TopicDefinition { Name = "gone" });
        await SubscribeQueue(topic, "q");
        Assert.True(await Topics.DeleteAsync("gone"));
        Assert.False(await Topics.DeleteAsync("gone"));

        await Restart();
        Assert.False(Topics.TryGet("gone", out _));
        Assert.Empty(Topics.List());
    }

    [Fact]
    public async Task Publishes_handed_over_while_a_queue_syncs_its_last_append_go_to_it_as_one_append_in_order()
    {
        var topic = await Topics.CreateAsync(new TopicDefinition { Name = "coalesce" });
        await SubscribeQueue(topic, "slow");
        var log = Queue("slow").Log;
        var writesBefore = log.Metrics.Writes;

        // The queue's fsyncs wait; the topic's journal syncs freely, so every publish is answered meanwhile.
        Device.SyncFaultsApply = path => path.Contains($"{Path.DirectorySeparatorChar}queues{Path.DirectorySeparatorChar}", StringComparison.Ordinal);
        Device.SyncGate = new ManualResetEventSlim();
        await topic.PublishAsync(new TopicMessage("m00"));
        await WaitFor(() => Device.SyncEntered.IsSet, "the queue's first append did not reach its fsync");
        var afterFirst = log.AppendedPosition;
        for (var i = 1; i < 20; i++)
        {
            await topic.PublishAsync(new TopicMessage($"m{i:D2}")).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        }

        Assert.Equal(afterFirst, log.AppendedPosition); // the other nineteen wait for the first append to be durable
        Device.SyncGate.Set();
        await Settled();

        // The first append, then the nineteen as one append: one group commit each.
        Assert.Equal(2, log.Metrics.Writes - writesBefore);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"m{i:D2}"), await Drain("slow"));
    }
}
