using Spillway.Messaging.Topics.Filtering;
using static Spillway.Messaging.Tests.Topics.Filtering.FilterCases;

namespace Spillway.Messaging.Tests.Topics.Filtering;

/// <summary>What <see cref="FilterPolicy.Evaluate"/> says when a message does not match: the key, what it holds and
/// the condition, as the admin endpoint and <c>spillway topics test-filter</c> show it.</summary>
public sealed class ExplanationTests
{
    private static string? Explain(
        string policy, FilterMessage message, FilterPolicyScope scope = FilterPolicyScope.MessageAttributes)
    {
        var result = FilterPolicy.Parse(policy, scope).Evaluate(message);
        Assert.False(result.Matched);
        return result.Explanation;
    }

    [Fact]
    public void Match_has_no_explanation()
    {
        var result = FilterPolicy.Parse("""{"store": ["a"]}""").Evaluate(Attributes("""{"store": {"Type": "String", "Value": "a"}}"""));
        Assert.True(result.Matched);
        Assert.Null(result.Explanation);
    }

    [Fact]
    public void Failed_numeric_condition_names_the_key_its_value_and_the_condition() =>
        Assert.Equal(
            """Message attribute "price_usd" is 210, which does not match [{"numeric":[">",0,"<=",150]}].""",
            Explain("""{"price_usd": [{"numeric": [">", 0, "<=", 150]}]}""",
                Attributes("""{"price_usd": {"Type": "Number", "Value": "210"}}""")));

    [Fact]
    public void Absent_key_is_named_as_absent() =>
        Assert.Equal(
            """Message attribute "store" is absent, which does not match ["example_corp"].""",
            Explain("""{"store": ["example_corp"]}""", Attributes("""{"event": {"Type": "String", "Value": "x"}}""")));

    [Fact]
    public void First_failing_key_is_the_one_named()
    {
        const string policy = """{"store": ["example_corp"], "event": ["order_placed"], "kind": ["x"]}""";
        var message = Attributes("""
            {"store": {"Type": "String", "Value": "example_corp"}, "event": {"Type": "String", "Value": "order_cancelled"}}
            """);
        Assert.Equal(
            """Message attribute "event" is "order_cancelled", which does not match ["order_placed"].""", Explain(policy, message));
    }

    [Fact]
    public void Array_values_are_listed() =>
        Assert.Equal(
            """Message attribute "interests" is ["soccer","hockey"], which does not match ["rugby","football"].""",
            Explain("""{"interests": ["rugby", "football"]}""",
                Attributes("""{"interests": {"Type": "String.Array", "Value": "[\"soccer\", \"hockey\"]"}}""")));

    [Fact]
    public void Nested_body_key_is_named_by_its_path() =>
        Assert.Equal(
            """Body property "customer.interests" is "hockey", which does not match ["rugby"].""",
            Explain("""{"customer": {"interests": ["rugby"]}}""", Body("""{"customer": {"interests": "hockey"}}"""),
                FilterPolicyScope.MessageBody));

    [Fact]
    public void Array_of_objects_explains_its_first_element() =>
        Assert.Equal(
            """No element of the body array "Records" matches; in the first, """
            + """body property "Records.eventName" is "ObjectRemoved:Delete", which does not match [{"prefix":"ObjectCreated:"}].""",
            Explain("""{"Records": {"eventName": [{"prefix": "ObjectCreated:"}]}}""",
                Body("""{"Records": [{"eventName": "ObjectRemoved:Delete"}, {"eventName": "ObjectRemoved:Put"}]}"""),
                FilterPolicyScope.MessageBody));

    [Fact]
    public void Failed_or_explains_every_alternative() =>
        Assert.Equal(
            """No alternative of $or matches (1: message attribute "metricName" is absent, which does not match ["CPUUtilization"]; """
            + """2: message attribute "namespace" is "AWS/ES", which does not match ["AWS/EC2"]).""",
            Explain("""{"$or": [{"metricName": ["CPUUtilization"]}, {"namespace": ["AWS/EC2"]}]}""",
                Attributes("""{"namespace": {"Type": "String", "Value": "AWS/ES"}}""")));

    [Fact]
    public void Body_that_is_not_JSON_is_named_as_the_reason() =>
        Assert.Equal(
            "The body is not a JSON object, and a MessageBody policy matches only a JSON object.",
            Explain("""{"store": ["x"]}""", Body("store=x"), FilterPolicyScope.MessageBody));

    [Fact]
    public void Exists_false_without_attributes_says_so() =>
        Assert.Equal(
            """The message has no attributes, and [{"exists":false}] on message attribute "store" """
            + "matches only a message with some attribute.",
            Explain("""{"store": [{"exists": false}]}""", new FilterMessage(null, "hello")));
}
