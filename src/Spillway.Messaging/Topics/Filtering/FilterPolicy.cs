using Spillway.Messaging.Topics.Filtering.Internal;

namespace Spillway.Messaging.Topics.Filtering;

/// <summary>
/// A subscription filter policy, compiled once from SNS's JSON grammar and evaluated against each published message.
/// Immutable and safe to share between threads. The grammar and what Spillway makes of SNS's unclear corners are in
/// docs/topic-filters.md.
/// </summary>
public sealed class FilterPolicy
{
    private readonly PolicyGroup rootGroup;

    private FilterPolicy(PolicyGroup root, FilterPolicyScope scope)
    {
        rootGroup = root;
        Scope = scope;
    }

    /// <summary>What the policy is matched against.</summary>
    public FilterPolicyScope Scope { get; }

    /// <summary>Compiles a policy, or refuses it as SNS would.</summary>
    /// <exception cref="InvalidFilterPolicyException">The policy is not valid JSON, breaks the grammar, or goes over
    /// one of <see cref="FilterPolicyLimits"/>; the message is SNS's text for the case.</exception>
    public static FilterPolicy Parse(string json, FilterPolicyScope scope = FilterPolicyScope.MessageAttributes)
    {
        ArgumentNullException.ThrowIfNull(json);
        return new FilterPolicy(PolicyParser.Parse(json, scope), scope);
    }

    /// <summary>Whether the message passes; the cheap form for delivery, which allocates nothing once the message's
    /// body and attributes have been read.</summary>
    public bool Matches(FilterMessage message) => Evaluate(message, null);

    /// <summary>Whether the message passes and, when it does not, which key and condition failed.</summary>
    public FilterResult Evaluate(FilterMessage message)
    {
        if (Matches(message))
        {
            return FilterResult.Match;
        }

        var why = new Why();
        Evaluate(message, why);
        var reason = why.Reason ?? "the message does not match";
        return FilterResult.NoMatch(string.Concat(reason[..1].ToUpperInvariant(), reason.AsSpan(1), "."));
    }

    private bool Evaluate(FilterMessage message, Why? why)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (Scope == FilterPolicyScope.MessageAttributes)
        {
            return rootGroup.Matches(message, null, why);
        }

        if (message.BodyRoot is not { } body)
        {
            why?.Reason = "the body is not a JSON object, and a MessageBody policy matches only a JSON object";
            return false;
        }

        return rootGroup.Matches(message, body, why);
    }
}
