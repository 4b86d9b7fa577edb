using System.Text;
using System.Text.Json;

namespace Spillway.Messaging.Topics.Filtering.Internal;

/// <summary>
/// Compiles a policy's JSON into rules, refusing what SNS refuses with SNS's text: this part reads the structure (keys,
/// nesting, <c>$or</c>) and counts keys and combinations; the match values are read in the other part.
/// </summary>
internal sealed partial class PolicyParser
{
    private const string Prefix = "Invalid parameter: FilterPolicy: ";

    /// <summary>Field names that make an object a match expression, so an array of such objects under <c>$or</c> is a
    /// key named "$or" and not an OR.</summary>
    private static readonly HashSet<string> Operators =
        ["prefix", "suffix", "equals-ignore-case", "anything-but", "numeric", "exists", "cidr", "wildcard"];

    private readonly FilterPolicyScope scope;
    private readonly HashSet<string> keys = new(StringComparer.Ordinal);

    private PolicyParser(FilterPolicyScope scope) => this.scope = scope;

    public static PolicyGroup Parse(string json, FilterPolicyScope scope)
    {
        if (Encoding.UTF8.GetByteCount(json) > FilterPolicyLimits.MaxPolicyBytes)
        {
            throw Fail($"Filter policy can not be larger than {FilterPolicyLimits.MaxPolicyBytes / 1024} KB");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw Fail($"failed to parse JSON. {e.Message}");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw Fail("Filter policy must be a JSON object");
            }

            var parser = new PolicyParser(scope);
            var root = parser.Group(document.RootElement, depth: 1, parent: null, out var combinations);
            if (parser.keys.Count > FilterPolicyLimits.MaxKeys)
            {
                throw Fail($"Filter policy can not have more than {FilterPolicyLimits.MaxKeys} keys");
            }

            if (combinations > FilterPolicyLimits.MaxCombinations)
            {
                throw Fail("Filter policy is too complex");
            }

            return root;
        }
    }

    private static InvalidFilterPolicyException Fail(string reason) => new(Prefix + reason);

    /// <summary>One policy object. <paramref name="combinations"/> is SNS's complexity of it: the product over its value
    /// arrays of length times depth, times each nested object's, times each <c>$or</c>'s sum over its alternatives.</summary>
    private PolicyGroup Group(JsonElement policy, int depth, string? parent, out double combinations)
    {
        combinations = 1;
        var rules = new List<PolicyRule>();
        foreach (var property in policy.EnumerateObject())
        {
            var name = property.Name;
            var value = property.Value;
            var path = parent is null ? name : $"{parent}.{name}";
            if (name == "$or" && IsOr(value))
            {
                var alternatives = new List<PolicyGroup>();
                double sum = 0;
                foreach (var alternative in value.EnumerateArray())
                {
                    alternatives.Add(Group(alternative, depth, parent, out var inner));
                    sum += inner;
                }

                rules.Add(new OrRule([.. alternatives]));
                combinations *= sum;
            }
            else if (value.ValueKind == JsonValueKind.Object)
            {
                if (scope == FilterPolicyScope.MessageAttributes)
                {
                    throw new InvalidFilterPolicyException(
                        "Invalid parameter: Filter policy scope MessageAttributes does not support nested filter policy");
                }

                rules.Add(new NestedRule(name, path, Group(value, depth + 1, path, out var inner)));
                combinations *= inner;
            }
            else if (value.ValueKind == JsonValueKind.Array)
            {
                if (value.GetArrayLength() == 0)
                {
                    throw Fail("Empty arrays are not allowed");
                }

                rules.Add(Key(name, path, value));
                keys.Add(path);
                combinations *= value.GetArrayLength() * depth;
            }
            else
            {
                throw Fail($"\"{name}\" must be an object or an array");
            }
        }

        return new PolicyGroup([.. rules]);
    }

    /// <summary>SNS reads <c>$or</c> as an OR only when it holds an array of at least two objects, none of them a match
    /// expression; otherwise it is an ordinary key.</summary>
    private static bool IsOr(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() < 2)
        {
            return false;
        }

        foreach (var alternative in value.EnumerateArray())
        {
            if (alternative.ValueKind != JsonValueKind.Object)
            {
                return false;
            }

            foreach (var property in alternative.EnumerateObject())
            {
                if (Operators.Contains(property.Name))
                {
                    return false;
                }
            }
        }

        return true;
    }
}
