using System.Collections.Frozen;
using Spillway.Messaging.Topics;
using Spillway.Messaging.Topics.Filtering;

namespace Spillway.Transport;

/// <summary>A topic declared in the configuration, with its queue subscriptions.</summary>
public sealed record ConfiguredTopic(TopicDefinition Definition, IReadOnlyList<Subscription> Subscriptions);

/// <summary>
/// Topics over a broker's queues, for stateless gateway nodes: the node evaluates each subscription's filter and sends
/// the message to every matching queue through the transport's senders, answering only once every send is confirmed.
/// Unlike the engine's topics there is no journal: if the node dies between confirms, some queues may hold the message
/// and others not, and the publisher, not told yes, may publish again. Standard topics only (a FIFO topic's one order
/// across queues needs the engine).
/// </summary>
public sealed class BrokerTopicTransport : ITopicTransport
{
    private readonly FrozenDictionary<string, Publisher> publishers;

    public BrokerTopicTransport(IMessageTransport queues, IReadOnlyList<ConfiguredTopic> topics, NotificationRenderer? render, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(queues);
        ArgumentNullException.ThrowIfNull(topics);
        if (topics.FirstOrDefault(t => t.Definition.IsFifo) is { } fifo)
        {
            throw new ArgumentException($"FIFO topic '{fifo.Definition.Name}' needs the embedded engine: a broker's fan-out keeps no order across queues.");
        }

        publishers = topics.ToFrozenDictionary(
            t => t.Definition.Name,
            t => new Publisher(queues, t, render ?? NotificationRenderers.Raw, time ?? TimeProvider.System),
            StringComparer.Ordinal);
    }

    public ITopicPublisher? FindPublisher(string topicName) => publishers.GetValueOrDefault(topicName);

    private sealed class Publisher : ITopicPublisher
    {
        private readonly IMessageTransport queues;
        private readonly TopicDefinition definition;
        private readonly (Subscription Subscription, FilterPolicy? Policy)[] subscriptions;
        private readonly NotificationRenderer render;
        private readonly TimeProvider time;

        public Publisher(IMessageTransport queues, ConfiguredTopic topic, NotificationRenderer render, TimeProvider time)
        {
            this.queues = queues;
            this.render = render;
            this.time = time;
            definition = topic.Definition;
            subscriptions = [.. topic.Subscriptions
                .Where(s => s.Confirmed && s.DeliveryQueue is not null)
                .Select(s => (s, s.FilterPolicy is { } text ? FilterPolicy.Parse(text, s.FilterPolicyScope) : null))];
        }

        public string TopicName => definition.Name;

        public TransportStatus Status => queues.Status;

        public async ValueTask<PublishResult> PublishAsync(TopicMessage message, CancellationToken cancellationToken)
        {
            TopicMessageRules.Validate(definition, message);
            var notification = new Notification(Guid.NewGuid(), time.GetUtcNow(), message, null, null);
            var filtered = new FilterMessage(message.Attributes, message.Message);
            var sends = new List<Task>();
            foreach (var (subscription, policy) in subscriptions)
            {
                if (policy is not null && !policy.Matches(filtered))
                {
                    continue;
                }

                var sender = queues.FindSender(subscription.DeliveryQueue!)
                    ?? throw new TransportUnavailableException($"queue '{subscription.DeliveryQueue}' of topic '{definition.Name}' is not available");
                sends.Add(sender.SendBatchAsync([render(definition, subscription, notification)], null, cancellationToken).AsTask());
            }

            await Task.WhenAll(sends).ConfigureAwait(false);
            return new PublishResult(notification.MessageId, null);
        }
    }
}
