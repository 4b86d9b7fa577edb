using Spillway.Messaging.Topics;

namespace Spillway.Messaging.Tests.Topics;

/// <summary>The queue a subscription that is not a queue owns: made with it, holding what it matched, gone with it.</summary>
public sealed class DeliveryQueueTests : TopicTestBase
{
    [Fact]
    public async Task A_subscription_owning_its_delivery_queue_gets_it_made_filled_and_deleted_with_it_and_its_topic()
    {
        var topic = await Topics.CreateAsync(new TopicDefinition { Name = "hooks" });
        var owning = await topic.SubscribeAsync(new Subscription
        {
            Id = Guid.NewGuid(), Protocol = "http", Endpoint = "http://127.0.0.1:9/a", Confirmed = true, OwnsDeliveryQueue = true,
        });
        var second = await topic.SubscribeAsync(new Subscription
        {
            Id = Guid.NewGuid(), Protocol = "http", Endpoint = "http://127.0.0.1:9/b", Confirmed = true, OwnsDeliveryQueue = true,
        });

        Assert.Equal(TopicLimits.DeliveryQueueName(owning.Id), owning.DeliveryQueue);
        Assert.Equal($"hooks/{owning.Id:D}", Queue(owning.DeliveryQueue!).Definition.Tags[TopicLimits.DeliveryQueueTag]);
        await topic.PublishAsync(new TopicMessage("ping"));
        Assert.Equal(["ping"], await Drain(owning.DeliveryQueue!));

        // The endpoint's outcome, not the queue's intake, is what the counters report for it.
        Assert.Equal(new SubscriptionStatistics(0, 0, 0), topic.StatisticsOf(owning.Id));
        topic.CountDelivery(owning.Id, delivered: true);
        Assert.Equal(new SubscriptionStatistics(1, 0, 0), topic.StatisticsOf(owning.Id));

        Assert.True(await topic.UnsubscribeAsync(owning.Id));
        Assert.False(Engine.TryGetQueue(owning.DeliveryQueue!, out _));
        Assert.True(await Topics.DeleteAsync("hooks"));
        Assert.False(Engine.TryGetQueue(second.DeliveryQueue!, out _));
    }

    [Fact]
    public async Task A_delivery_queue_no_subscription_names_is_deleted_by_the_sweep_and_the_others_stay()
    {
        var topic = await Topics.CreateAsync(new TopicDefinition { Name = "sweep" });
        var kept = await topic.SubscribeAsync(new Subscription
        {
            Id = Guid.NewGuid(), Protocol = "email", Endpoint = "ops@example.com", ConfirmationToken = "t", OwnsDeliveryQueue = true,
        });
        var orphan = TopicLimits.DeliveryQueueName(Guid.NewGuid());
        await Engine.CreateQueueAsync(new QueueDefinition
        {
            Name = orphan, Tags = new Dictionary<string, string> { [TopicLimits.DeliveryQueueTag] = "sweep/gone" },
        });
        await Engine.CreateQueueAsync(new QueueDefinition { Name = "plain" });

        Assert.Equal(1, await Topics.DeleteOrphanedDeliveryQueuesAsync());
        Assert.False(Engine.TryGetQueue(orphan, out _));
        Assert.True(Engine.TryGetQueue(kept.DeliveryQueue!, out _));
        Assert.True(Engine.TryGetQueue("plain", out _));
    }
}
