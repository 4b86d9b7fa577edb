using Spillway.Messaging.Topics.Filtering;
using static Spillway.Messaging.Tests.Topics.Filtering.FilterCases;

namespace Spillway.Messaging.Tests.Topics.Filtering;

/// <summary>The attribute scope: how each data type is read, and what is ignored.</summary>
public sealed class AttributeScopeTests
{
    private static bool AttributesMatch(string policy, string attributes) =>
        Matches(policy, FilterPolicyScope.MessageAttributes, attributes);

    [Fact]
    public void String_array_elements_are_matched_one_by_one()
    {
        const string interests = """{"interests": {"Type": "String.Array", "Value": "[\"soccer\", \"basketball\"]"}}""";
        Assert.True(AttributesMatch("""{"interests": [{"prefix": "bask"}]}""", interests));
        Assert.True(AttributesMatch("""{"interests": ["soccer"]}""", interests));
        Assert.False(AttributesMatch("""{"interests": ["soccer, basketball"]}""", interests));
        Assert.False(AttributesMatch("""{"interests": [{"prefix": "["}]}""", interests));
    }

    [Fact]
    public void String_array_elements_keep_their_JSON_types()
    {
        const string mixed = """{"codes": {"Type": "String.Array", "Value": "[\"x\", 42, true, null]"}}""";
        Assert.True(AttributesMatch("""{"codes": [{"numeric": [">", 40]}]}""", mixed));
        Assert.True(AttributesMatch("""{"codes": [true]}""", mixed));
        Assert.True(AttributesMatch("""{"codes": [null]}""", mixed));
        Assert.False(AttributesMatch("""{"codes": ["42"]}""", mixed));
    }

    [Fact]
    public void String_array_holding_a_lone_scalar_is_that_one_value()
    {
        Assert.True(AttributesMatch("""{"price": [100, 500]}""", """{"price": {"Type": "String.Array", "Value": "100"}}"""));
        Assert.False(AttributesMatch("""{"price": [100]}""", """{"price": {"Type": "String.Array", "Value": "one hundred"}}"""));
        Assert.False(AttributesMatch("""{"price": [{"exists": true}]}""",
            """{"price": {"Type": "String.Array", "Value": "{\"a\": 1}"}}"""));
    }

    [Fact]
    public void Number_attribute_matches_numeric_conditions_and_exact_numbers()
    {
        const string price = """{"price": {"Type": "Number", "Value": "19.50"}}""";
        Assert.True(AttributesMatch("""{"price": [{"numeric": ["<", 20]}]}""", price));
        Assert.True(AttributesMatch("""{"price": [19.5]}""", price));
        Assert.True(AttributesMatch("""{"price": [{"numeric": ["<", 20]}]}""",
            """{"price": {"Type": "Number.float", "Value": "1.95e1"}}"""));
    }

    [Fact]
    public void Number_attribute_does_not_match_a_string_condition_nor_a_string_attribute_a_numeric_one()
    {
        Assert.False(AttributesMatch("""{"price": ["19.5"]}""", """{"price": {"Type": "Number", "Value": "19.5"}}"""));
        Assert.False(AttributesMatch("""{"price": [{"prefix": "19"}]}""", """{"price": {"Type": "Number", "Value": "19.5"}}"""));
        Assert.False(AttributesMatch("""{"price": [{"numeric": ["<", 20]}]}""", """{"price": {"Type": "String", "Value": "19.5"}}"""));
        Assert.False(AttributesMatch("""{"price": [19.5]}""", """{"price": {"Type": "String", "Value": "19.5"}}"""));
    }

    [Fact]
    public void Binary_attribute_is_ignored()
    {
        const string blob = """{"blob": {"Type": "Binary", "Value": "AAEC"}, "kind": {"Type": "String", "Value": "x"}}""";
        Assert.False(AttributesMatch("""{"blob": [{"exists": true}]}""", blob));
        Assert.True(AttributesMatch("""{"blob": [{"exists": false}]}""", blob));
    }

    [Fact]
    public void Exists_false_needs_the_message_to_have_some_attribute()
    {
        Assert.True(AttributesMatch("""{"store": [{"exists": false}]}""", """{"other": {"Type": "String", "Value": "x"}}"""));
        Assert.False(AttributesMatch("""{"store": [{"exists": false}]}""", "{}"));
        Assert.False(FilterPolicy.Parse("""{"store": [{"exists": false}]}""").Matches(new FilterMessage(null, "body")));
    }

    [Fact]
    public void Attribute_names_with_dots_are_taken_literally()
    {
        Assert.True(AttributesMatch("""{"order.kind": ["sale"]}""", """{"order.kind": {"Type": "String", "Value": "sale"}}"""));
        Assert.False(AttributesMatch("""{"order.kind": ["sale"]}""", """{"order": {"Type": "String", "Value": "sale"}}"""));
    }

    [Fact]
    public void Attribute_policy_ignores_the_body() =>
        Assert.False(FilterPolicy.Parse("""{"store": ["x"]}""").Matches(new FilterMessage(null, """{"store": "x"}""")));
}
