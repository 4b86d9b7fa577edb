using System.Runtime.InteropServices;
using System.Text;

namespace Spillway.Messaging.Topics.Filtering.Internal;

/// <summary>Where a failed evaluation leaves its reason: a clause naming the key and the condition.</summary>
internal sealed class Why
{
    public string? Reason { get; set; }
}

/// <summary>One entry of a policy object: a key with its value array, a nested object, or a <c>$or</c>.</summary>
internal abstract class PolicyRule
{
    /// <summary>Whether the message passes this rule. <paramref name="scope"/> is the body object the rule's keys are
    /// looked up in (null when the object is absent, and always for an attribute policy); <paramref name="why"/>, when
    /// given, gets the reason of a failure.</summary>
    public abstract bool Matches(FilterMessage message, BodyNode? scope, Why? why);
}

/// <summary>The rules of one policy object, all of which must match (AND across keys).</summary>
internal sealed class PolicyGroup(PolicyRule[] rules)
{
    public bool Matches(FilterMessage message, BodyNode? scope, Why? why)
    {
        foreach (var rule in rules)
        {
            if (!rule.Matches(message, scope, why))
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>A <c>$or</c>: at least one of its alternatives must match.</summary>
internal sealed class OrRule(PolicyGroup[] alternatives) : PolicyRule
{
    public override bool Matches(FilterMessage message, BodyNode? scope, Why? why)
    {
        foreach (var alternative in alternatives)
        {
            if (alternative.Matches(message, scope, null))
            {
                return true;
            }
        }

        if (why is not null)
        {
            var reasons = new StringBuilder("no alternative of $or matches (");
            for (var i = 0; i < alternatives.Length; i++)
            {
                alternatives[i].Matches(message, scope, why);
                reasons.Append(i == 0 ? "" : "; ").Append(i + 1).Append(": ").Append(why.Reason);
            }

            why.Reason = reasons.Append(')').ToString();
        }

        return false;
    }
}

/// <summary>
/// A body key holding a nested policy object. When the body holds an array there, the nested policy must match within
/// one element (S3's <c>Records</c>): keys matched in different elements do not combine.
/// </summary>
internal sealed class NestedRule(string name, string path, PolicyGroup child) : PolicyRule
{
    public override bool Matches(FilterMessage message, BodyNode? scope, Why? why)
    {
        if (scope?.Properties?.TryGetValue(name, out var node) != true)
        {
            return child.Matches(message, null, why);
        }

        if (node!.Properties is not null)
        {
            return child.Matches(message, node, why);
        }

        if (node.Items is null)
        {
            // A scalar where the policy expects an object: every key below it is absent.
            return child.Matches(message, null, why);
        }

        var elements = 0;
        if (AnyElementMatches(message, node, ref elements))
        {
            return true;
        }

        if (elements == 0)
        {
            return child.Matches(message, null, why);
        }

        if (why is not null)
        {
            FirstElementFails(message, node, why);
            why.Reason = $"no element of the body array \"{path}\" matches; in the first, {why.Reason}";
        }

        return false;
    }

    private bool AnyElementMatches(FilterMessage message, BodyNode array, ref int elements)
    {
        foreach (var item in array.Items!)
        {
            if (item.Items is not null)
            {
                if (AnyElementMatches(message, item, ref elements))
                {
                    return true;
                }
            }
            else if (item.Properties is not null)
            {
                elements++;
                if (child.Matches(message, item, null))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private bool FirstElementFails(FilterMessage message, BodyNode array, Why why)
    {
        foreach (var item in array.Items!)
        {
            if (item.Properties is not null)
            {
                return !child.Matches(message, item, why);
            }

            if (item.Items is not null && FirstElementFails(message, item, why))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>
/// A key with its value array: it matches when any condition accepts any of the key's values (OR within the array).
/// A key's values are the attribute's value (each element of an array attribute), or the body's leaf values at the
/// key (each element of an array there). <c>exists</c> asks whether there is a value other than null.
/// </summary>
internal sealed class KeyRule(
    string name, string path, bool inBody, Condition[] conditions, bool acceptsPresent, bool acceptsAbsent, string text)
    : PolicyRule
{
    private const int ShownValues = 10;

    [ThreadStatic]
    private static List<FilterValue>? t_values;

    private readonly string[]? segments = inBody && name.Contains('.', StringComparison.Ordinal) ? name.Split('.') : null;

    public override bool Matches(FilterMessage message, BodyNode? scope, Why? why)
    {
        if (!inBody)
        {
            var values = message.AttributeValues.TryGetValue(name, out var found) ? found : [];

            // SNS: exists:false only matches a message that has some attribute.
            var absentMatches = acceptsAbsent && message.Attributes.Count > 0;
            return Decide(values, absentMatches, why, message.Attributes.Count == 0);
        }

        var buffer = t_values ??= [];
        var start = buffer.Count;
        try
        {
            if (scope is not null)
            {
                Collect(scope, buffer);
            }

            return Decide(CollectionsMarshal.AsSpan(buffer)[start..], acceptsAbsent, why, noAttributes: false);
        }
        finally
        {
            CollectionsMarshal.SetCount(buffer, start);
        }
    }

    private bool Decide(ReadOnlySpan<FilterValue> values, bool absentMatches, Why? why, bool noAttributes)
    {
        var present = false;
        foreach (ref readonly var value in values)
        {
            present |= value.Kind != FilterValueKind.Null;
            foreach (var condition in conditions)
            {
                if (condition.Matches(value))
                {
                    return true;
                }
            }
        }

        if (present ? acceptsPresent : absentMatches)
        {
            return true;
        }

        if (why is not null)
        {
            why.Reason = Describe(values, noAttributes && acceptsAbsent);
        }

        return false;
    }

    /// <summary>Adds the leaf values at this key: the named property, or else the path its dots spell through nested
    /// objects (SNS reads <c>"a.b"</c> both ways).</summary>
    private void Collect(BodyNode scope, List<FilterValue> into)
    {
        if (scope.Properties!.TryGetValue(name, out var node))
        {
            AddLeaves(node, into);
        }
        else if (segments is not null)
        {
            Walk(scope, 0, into);
        }
    }

    private void Walk(BodyNode node, int segment, List<FilterValue> into)
    {
        if (node.Items is not null)
        {
            foreach (var item in node.Items)
            {
                Walk(item, segment, into);
            }
        }
        else if (node.Properties is not null && node.Properties.TryGetValue(segments![segment], out var child))
        {
            if (segment == segments.Length - 1)
            {
                AddLeaves(child, into);
            }
            else
            {
                Walk(child, segment + 1, into);
            }
        }
    }

    private static void AddLeaves(BodyNode node, List<FilterValue> into)
    {
        if (node.IsLeaf)
        {
            into.Add(node.Value);
        }
        else if (node.Items is not null)
        {
            foreach (var item in node.Items)
            {
                AddLeaves(item, into);
            }
        }
    }

    private string Describe(ReadOnlySpan<FilterValue> values, bool becauseNoAttributes)
    {
        var key = inBody ? $"body property \"{path}\"" : $"message attribute \"{path}\"";
        if (becauseNoAttributes)
        {
            return $"the message has no attributes, and {text} on {key} matches only a message with some attribute";
        }

        if (values.IsEmpty)
        {
            return $"{key} is absent, which does not match {text}";
        }

        var shown = values.Length == 1 ? values[0].Display : List(values);
        return $"{key} is {shown}, which does not match {text}";
    }

    private static string List(ReadOnlySpan<FilterValue> values)
    {
        var list = new StringBuilder("[");
        for (var i = 0; i < values.Length && i < ShownValues; i++)
        {
            list.Append(i == 0 ? "" : ",").Append(values[i].Display);
        }

        return list.Append(values.Length > ShownValues ? ",…]" : "]").ToString();
    }
}
