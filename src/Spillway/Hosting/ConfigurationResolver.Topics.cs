using Spillway.Messaging;
using Spillway.Messaging.Topics;
using Spillway.Messaging.Topics.Filtering;
using Spillway.Transport;

namespace Spillway.Hosting;

internal static partial class ConfigurationResolver
{
    /// <summary>
    /// Topics and their queue subscriptions: each name, queue and filter policy checked by the engine's own rules, a
    /// refusal reported under the key the value came from. A subscription's id is derived from the topic and the
    /// subscription's key, so every start finds the same subscription again.
    /// </summary>
    private static List<ConfiguredTopic> ResolveTopics(SpillwayOptions options, IReadOnlyList<QueueDefinition> queues)
    {
        var result = new List<ConfiguredTopic>();
        var queueNames = queues.Select(q => q.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var (name, config) in options.Topics)
        {
            var key = $"{Root}:Topics:{name}";
            var definition = new TopicDefinition { Name = name, ContentBasedDeduplication = config.ContentBasedDeduplication };
            try
            {
                definition.Validate();
            }
            catch (ArgumentException e)
            {
                throw ConfigurationException.FromLibrary(
                    key + (e.ParamName == nameof(TopicDefinition.ContentBasedDeduplication) ? ":ContentBasedDeduplication" : ""), e);
            }

            var subscriptions = new List<Subscription>();
            foreach (var (subscriptionName, subscription) in config.Subscriptions)
            {
                var at = $"{key}:Subscriptions:{subscriptionName}";
                if (subscription.Queue is not { Length: > 0 } queue)
                {
                    throw new ConfigurationException(at + ":Queue", "is required");
                }

                if (!queueNames.Contains(queue))
                {
                    throw new ConfigurationException(at + ":Queue", $"queue '{queue}' is not defined under {Root}:Queues");
                }

                if (definition.IsFifo != QueueLimits.IsFifoName(queue))
                {
                    throw new ConfigurationException(
                        at + ":Queue", definition.IsFifo ? "a FIFO topic delivers to FIFO queues only" : "a standard topic cannot deliver to a FIFO queue");
                }

                var scope = subscription.FilterPolicyScope switch
                {
                    "MessageAttributes" => FilterPolicyScope.MessageAttributes,
                    "MessageBody" => FilterPolicyScope.MessageBody,
                    var other => throw new ConfigurationException(at + ":FilterPolicyScope", $"must be MessageAttributes or MessageBody (got '{other}')"),
                };
                if (subscription.FilterPolicy is { } policy)
                {
                    try
                    {
                        FilterPolicy.Parse(policy, scope);
                    }
                    catch (InvalidFilterPolicyException e)
                    {
                        throw new ConfigurationException(at + ":FilterPolicy", e.Message);
                    }
                }

                subscriptions.Add(new Subscription
                {
                    Id = ConfiguredSubscriptionId(name, subscriptionName),
                    Protocol = "sqs",
                    Endpoint = queue,
                    DeliveryQueue = queue,
                    Confirmed = true,
                    RawMessageDelivery = subscription.RawMessageDelivery,
                    FilterPolicy = subscription.FilterPolicy,
                    FilterPolicyScope = scope,
                });
            }

            result.Add(new ConfiguredTopic(definition, subscriptions));
        }

        return result;
    }

    private static Guid ConfiguredSubscriptionId(string topic, string subscription) =>
        new(System.Security.Cryptography.MD5.HashData(System.Text.Encoding.UTF8.GetBytes($"spillway-topic-subscription\n{topic}\n{subscription}")));
}
