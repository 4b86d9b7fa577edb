using Spillway.Messaging.Topics.Filtering;
using static Spillway.Messaging.Tests.Topics.Filtering.FilterCases;

namespace Spillway.Messaging.Tests.Topics.Filtering;

/// <summary>Every policy SNS refuses is refused with SNS's InvalidParameter text for the case.</summary>
public sealed class ValidationTests
{
    private const string Invalid = "Invalid parameter: FilterPolicy: ";

    public static TheoryData<string, string> Refusals => new()
    {
        { """{"a": ["x"]""", "failed to parse JSON." },
        { """["x"]""", "Filter policy must be a JSON object" },
        { """{"a": "x"}""", "\"a\" must be an object or an array" },
        { """{"a": 5}""", "\"a\" must be an object or an array" },
        { """{"a": []}""", "Empty arrays are not allowed" },
        { """{"a": [["x"]]}""", "Match value must be String, number, true, false, or null" },
        { """{"a": [{"prefix": "x", "suffix": "y"}]}""", "Only one key allowed in match expression" },
        { """{"a": [{}]}""", "Only one key allowed in match expression" },
        { """{"a": [{"contains": "x"}]}""", "Unrecognized match type contains" },
        { """{"a": [{"wildcard": "x*"}]}""", "Unrecognized match type wildcard" },
        { """{"a": [{"prefix": 5}]}""", "prefix match pattern must be a string" },
        { """{"a": [{"suffix": ["x"]}]}""", "suffix match pattern must be a string" },
        { """{"a": [{"equals-ignore-case": null}]}""", "equals-ignore-case match pattern must be a string" },
        { """{"a": [{"exists": "true"}]}""", "exists match pattern must be either true or false." },
        { """{"a": [{"anything-but": true}]}""", "Value of anything-but must be an array or single string/number value." },
        { """{"a": [{"anything-but": ["x", null]}]}""", "Inside anything but list, start|null|boolean is not supported." },
        { """{"a": [{"anything-but": [false]}]}""", "Inside anything but list, start|null|boolean is not supported." },
        { """{"a": [{"anything-but": []}]}""", "Empty arrays are not allowed" },
        { """{"a": [{"anything-but": {"numeric": [">", 1]}}]}""", "Unsupported anything-but pattern: numeric" },
        { """{"a": [{"anything-but": {"prefix": 1}}]}""", "prefix match pattern must be a string" },
        { """{"a": [{"anything-but": {"suffix": []}}]}""", "Empty arrays are not allowed" },
        { """{"a": [{"numeric": 5}]}""", "Value of numeric must be an array." },
        { """{"a": [{"numeric": []}]}""", "Invalid member in numeric match: ]" },
        { """{"a": [{"numeric": [5]}]}""", "Invalid member in numeric match: 5" },
        { """{"a": [{"numeric": ["!=", 5]}]}""", "Unrecognized numeric range operator: !=" },
        { """{"a": [{"numeric": ["="]}]}""", "Value of equals must be numeric" },
        { """{"a": [{"numeric": [">", "5"]}]}""", "Value of > must be numeric" },
        { """{"a": [{"numeric": ["<", 5, ">", 1]}]}""", "Too many elements in numeric expression" },
        { """{"a": [{"numeric": [">", 1, 5]}]}""", "Bad value in numeric range: 5" },
        { """{"a": [{"numeric": [">", 1, ">", 5]}]}""", "Bad numeric range operator: >" },
        { """{"a": [{"numeric": [">", 1, "<"]}]}""", "Value of < must be numeric" },
        { """{"a": [{"numeric": [">", 5, "<", 5]}]}""", "Bottom must be less than top" },
        { """{"a": [{"numeric": [">", 1, "<", 5, "=", 3]}]}""", "Too many terms in numeric range expression" },
        { """{"a": [{"numeric": [">", 1000000001]}]}""",
            "Value of > must be a number between -1000000000 and 1000000000 with at most 5 digits after the decimal point" },
        { """{"a": [{"numeric": ["<", -1e10]}]}""",
            "Value of < must be a number between -1000000000 and 1000000000 with at most 5 digits after the decimal point" },
        { """{"a": [{"numeric": ["=", 0.000001]}]}""",
            "Value of equals must be a number between -1000000000 and 1000000000 with at most 5 digits after the decimal point" },
        { """{"a": [{"anything-but": [1.123456]}]}""",
            "Value of anything-but must be a number between -1000000000 and 1000000000 with at most 5 digits after the decimal point" },
        { """{"a": [{"cidr": 10}]}""", "prefix match pattern must be a string" },
        { """{"a": [{"cidr": "10.0.0.0"}]}""", "Malformed CIDR, one '/' required" },
        { """{"a": [{"cidr": "10.0.0.0/x"}]}""", "Malformed CIDR, mask bits must be an integer" },
        { """{"a": [{"cidr": "10.0.0/24"}]}""", "Nonstandard IP address: 10.0.0" },
        { """{"a": [{"cidr": "10.0.0.0/33"}]}""", "Nonstandard IP address: 10.0.0.0" },
        { """{"a": [{"cidr": "2001:db8::/129"}]}""", "Nonstandard IP address: 2001:db8::" },
        { """{"a": ["x"], "b": ["x"], "c": ["x"], "d": ["x"], "e": ["x"], "f": ["x"]}""",
            "Filter policy can not have more than 5 keys" },
        { """{"a": ["x"], "$or": [{"b": ["x"], "c": ["x"]}, {"d": ["x"], "e": ["x"], "f": ["x"]}]}""",
            "Filter policy can not have more than 5 keys" },
        { """{"a": [1, 2, 3, 4, 5, 6], "b": [1, 2, 3, 4, 5], "c": [1, 2, 3, 4, 5, 6]}""", "Filter policy is too complex" },
        { """
            {"$or": [{"a": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], "b": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]},
                     {"c": [1]}]}
            """, "Filter policy is too complex" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void Invalid_policy_is_refused_with_SNS_text(string policy, string reason)
    {
        var message = Refusal(policy);
        Assert.StartsWith(Invalid + reason, message, StringComparison.Ordinal);
    }

    [Fact]
    public void Nested_policy_is_refused_on_the_attribute_scope_and_taken_on_the_body_scope()
    {
        const string nested = """{"customer": {"interests": ["rugby"]}}""";
        Assert.Equal(
            "Invalid parameter: Filter policy scope MessageAttributes does not support nested filter policy", Refusal(nested));
        Assert.Equal(FilterPolicyScope.MessageBody, FilterPolicy.Parse(nested, FilterPolicyScope.MessageBody).Scope);
    }

    [Fact]
    public void Policy_over_256_KB_is_refused()
    {
        var big = $$"""{"a": ["{{new string('x', FilterPolicyLimits.MaxPolicyBytes)}}"]}""";
        Assert.Equal(Invalid + "Filter policy can not be larger than 256 KB", Refusal(big));
    }

    [Fact]
    public void Five_keys_and_150_combinations_are_taken()
    {
        FilterPolicy.Parse("""{"a": ["x"], "b": ["x"], "c": ["x"], "d": ["x"], "e": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]}""");
        FilterPolicy.Parse("""{"a": [1, 2, 3, 4, 5], "b": [1, 2, 3, 4, 5, 6], "c": [1, 2, 3, 4, 5]}""");

        // A $or adds its alternatives: 10 × 14 + 10 = 150.
        FilterPolicy.Parse("""
            {"$or": [{"a": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], "b": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]},
                     {"c": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]}]}
            """);
    }

    [Fact]
    public void Nested_value_arrays_count_their_depth_in_the_combinations()
    {
        // SNS's example: four values three levels down and three values two levels down make 3 × 4 × 2 × 3 = 72.
        FilterPolicy.Parse(
            """{"key_a": {"key_b": {"key_c": ["1", "2", "3", "4"]}}, "key_d": {"key_e": ["1", "2", "3"]}}""",
            FilterPolicyScope.MessageBody);

        // Five values three levels down and five two levels down make 3 × 5 × 2 × 5 = 150; one more is too many.
        FilterPolicy.Parse(
            """{"a": {"b": {"c": [1, 2, 3, 4, 5]}}, "d": {"e": [1, 2, 3, 4, 5]}}""", FilterPolicyScope.MessageBody);
        Assert.Equal(Invalid + "Filter policy is too complex", Refusal(
            """{"a": {"b": {"c": [1, 2, 3, 4, 5, 6]}}, "d": {"e": [1, 2, 3, 4, 5]}}""", FilterPolicyScope.MessageBody));
    }

    [Fact]
    public void Only_keys_holding_values_count_toward_the_five()
    {
        // finding holds an object, so its three keys count and it does not: five in all.
        FilterPolicy.Parse(
            """{"state": ["SUCCESS"], "severity": [{"exists": true}], "finding": {"region": ["x"], "account": ["y"], "id": ["z"]}}""",
            FilterPolicyScope.MessageBody);
        Assert.Equal(Invalid + "Filter policy can not have more than 5 keys", Refusal(
            """{"state": ["SUCCESS"], "severity": ["x"], "message": ["x"], "finding": {"region": ["x"], "account": ["y"], "id": ["z"]}}""",
            FilterPolicyScope.MessageBody));
    }

    [Fact]
    public void Or_of_match_expressions_is_an_ordinary_key_named_or()
    {
        // SNS's example: numeric and prefix are reserved, so this $or is a key whose values are match expressions.
        Assert.Equal(Invalid + "Value of numeric must be an array.", Refusal("""{"$or": [{"numeric": 123}, {"prefix": "abc"}]}"""));

        // With one alternative it is no OR either: a key named $or, matched like any other.
        var policy = FilterPolicy.Parse("""{"$or": ["x"]}""");
        Assert.True(policy.Matches(Attributes("""{"$or": {"Type": "String", "Value": "x"}}""")));
    }

    [Fact]
    public void Null_policy_is_an_argument_error() =>
        Assert.Throws<ArgumentNullException>(() => FilterPolicy.Parse(null!));
}
