using Spillway.Messaging.Topics.Filtering;
using static Spillway.Messaging.Tests.Topics.Filtering.FilterCases;

namespace Spillway.Messaging.Tests.Topics.Filtering;

/// <summary>The body scope: nested keys, arrays of objects and of values, and bodies that are not JSON objects, the
/// cases other emulators got wrong.</summary>
public sealed class BodyScopeTests
{
    private const string S3Created = """
        {"Records": [
          {"eventName": "ObjectRemoved:Delete", "s3": {"bucket": {"name": "logs"}, "object": {"key": "a.tmp", "size": 10}}},
          {"eventName": "ObjectCreated:Put", "s3": {"bucket": {"name": "uploads"}, "object": {"key": "b.png", "size": 2048}}}
        ]}
        """;

    private static bool BodyMatches(string policy, string body) => Matches(policy, FilterPolicyScope.MessageBody, body);

    [Theory]
    [InlineData("not json")]
    [InlineData("")]
    [InlineData("""["store"]""")]
    [InlineData("\"store\"")]
    [InlineData("""{"store": "example_corp" """)]
    public void Body_that_is_not_a_JSON_object_never_matches(string body)
    {
        Assert.False(BodyMatches("""{"store": [{"exists": false}]}""", body));
        Assert.False(BodyMatches("{}", body));
    }

    [Fact]
    public void Nested_keys_follow_nested_objects()
    {
        const string policy = """{"order": {"customer": {"tier": ["gold"]}, "total": [{"numeric": [">", 100]}]}}""";
        Assert.True(BodyMatches(policy, """{"order": {"customer": {"tier": "gold", "id": 7}, "total": 250}}"""));
        Assert.False(BodyMatches(policy, """{"order": {"customer": {"tier": "silver"}, "total": 250}}"""));
        Assert.False(BodyMatches(policy, """{"order": {"tier": "gold", "total": 250}}"""));
        Assert.False(BodyMatches(policy, """{"order": "gold"}"""));
    }

    [Fact]
    public void Array_of_objects_is_searched_element_by_element()
    {
        Assert.True(BodyMatches("""{"Records": {"eventName": [{"prefix": "ObjectCreated:"}]}}""", S3Created));
        Assert.True(BodyMatches("""{"Records": {"s3": {"bucket": {"name": ["uploads"]}}}}""", S3Created));
        Assert.True(BodyMatches("""{"Records": {"s3": {"object": {"size": [{"numeric": [">", 1024]}]}}}}""", S3Created));
        Assert.False(BodyMatches("""{"Records": {"s3": {"bucket": {"name": ["archive"]}}}}""", S3Created));
    }

    [Fact]
    public void Keys_under_an_array_must_match_within_one_element()
    {
        // Each condition holds in some record, but not both in the same one.
        const string mixed = """
            {"Records": {"eventName": [{"prefix": "ObjectCreated:"}], "s3": {"bucket": {"name": ["logs"]}}}}
            """;
        Assert.False(BodyMatches(mixed, S3Created));

        const string same = """
            {"Records": {"eventName": [{"prefix": "ObjectCreated:"}], "s3": {"object": {"key": [{"suffix": ".png"}]}}}}
            """;
        Assert.True(BodyMatches(same, S3Created));
    }

    [Fact]
    public void Arrays_within_arrays_are_searched_too()
    {
        Assert.True(BodyMatches("""{"batches": {"id": [3]}}""", """{"batches": [[{"id": 1}], [{"id": 2}, {"id": 3}]]}"""));
        Assert.True(BodyMatches("""{"tags": ["red"]}""", """{"tags": [["blue"], ["green", "red"]]}"""));
    }

    [Fact]
    public void Array_of_values_matches_when_any_element_does()
    {
        Assert.True(BodyMatches("""{"sizes": [{"numeric": [">", 10]}]}""", """{"sizes": [1, 5, 11]}"""));
        Assert.False(BodyMatches("""{"sizes": [{"numeric": [">", 10]}]}""", """{"sizes": [1, 5, 10]}"""));
    }

    [Fact]
    public void Exists_false_matches_under_an_array_or_object_that_lacks_the_key()
    {
        const string policy = """{"Records": {"glacier": [{"exists": false}]}}""";
        Assert.True(BodyMatches(policy, S3Created));
        Assert.True(BodyMatches(policy, """{"Records": []}"""));
        Assert.True(BodyMatches(policy, """{"other": 1}"""));
        Assert.False(BodyMatches(policy, """{"Records": [{"glacier": true}]}"""));
    }

    [Fact]
    public void Dotted_key_matches_a_nested_or_a_flattened_body()
    {
        const string policy = """{"detail.state": ["running"]}""";
        Assert.True(BodyMatches(policy, """{"detail": {"state": "running"}}"""));
        Assert.True(BodyMatches(policy, """{"detail.state": "running"}"""));
        Assert.True(BodyMatches(policy, """{"detail": [{"state": "stopped"}, {"state": "running"}]}"""));
        Assert.False(BodyMatches(policy, """{"detail": {"state": "stopped"}}"""));
    }

    [Fact]
    public void Body_policy_ignores_the_message_attributes()
    {
        var policy = FilterPolicy.Parse("""{"store": ["example_corp"]}""", FilterPolicyScope.MessageBody);
        Assert.False(policy.Matches(Attributes("""{"store": {"Type": "String", "Value": "example_corp"}}""", body: "{}")));
        Assert.True(policy.Matches(Attributes("""{"store": {"Type": "String", "Value": "other"}}""",
            body: """{"store": "example_corp"}""")));
    }
}
