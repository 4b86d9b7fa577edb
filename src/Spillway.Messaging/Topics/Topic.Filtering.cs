using System.Collections.Concurrent;
using Spillway.Messaging.Topics.Filtering;

namespace Spillway.Messaging.Topics;

public sealed partial class Topic
{
    // Each subscription's policy, compiled once per policy text (a changed policy is compiled again).
    private readonly ConcurrentDictionary<Guid, (string Text, FilterPolicyScope Scope, FilterPolicy Policy)> policies = new();

    /// <summary>Compiles a subscription's filter policy; <see cref="InvalidFilterPolicyException"/> with SNS's text when it is invalid.</summary>
    internal static void ValidateFilter(Subscription subscription)
    {
        if (subscription.FilterPolicy is { } text)
        {
            FilterPolicy.Parse(text, subscription.FilterPolicyScope);
        }
    }

    /// <summary>Whether the message passes the subscription's filter policy.</summary>
    private bool Passes(Subscription subscription, FilterMessage message)
    {
        var text = subscription.FilterPolicy!;
        var compiled = policies.TryGetValue(subscription.Id, out var known) && known.Text == text && known.Scope == subscription.FilterPolicyScope
            ? known.Policy
            : (policies[subscription.Id] = (text, subscription.FilterPolicyScope, FilterPolicy.Parse(text, subscription.FilterPolicyScope))).Policy;
        return compiled.Matches(message);
    }
}
