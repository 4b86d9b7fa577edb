using Spillway.DeliveryStreams.Keys;

namespace Spillway.DeliveryStreams.Tests;

/// <summary>Prefixes and error prefixes evaluated as Firehose evaluates them, with its rules for declaring them.</summary>
public sealed class KeyTemplateTests
{
    private static readonly DateTimeOffset Oldest = new(2018, 8, 27, 10, 30, 5, 123, TimeSpan.Zero);

    private static KeyContext Context(string? errorType = null, Dictionary<string, string>? query = null, int seed = 1) =>
        new(Oldest, errorType, query, null, new Random(seed));

    [Fact]
    public void Default_prefix_is_the_hour_of_the_oldest_record()
    {
        Assert.Equal("2018/08/27/10/", KeyTemplate.ForPrefix(null).Evaluate(Context()));
        Assert.Equal("2018/08/27/10/", KeyTemplate.ForPrefix(string.Empty).Evaluate(Context()));
    }

    [Fact]
    public void A_prefix_without_a_timestamp_gets_the_default_appended()
    {
        Assert.Equal("logs/2018/08/27/10/", KeyTemplate.ForPrefix("logs/").Evaluate(Context()));
    }

    [Theory]
    [InlineData("myPrefix/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/", "myPrefix/year=2018/month=08/day=27/hour=10/")]
    [InlineData("dt=!{timestamp:yyyy'-'MM'-'dd}/h=!{timestamp:HH}/", "dt=2018-08-27/h=10/")]
    [InlineData("!{timestamp:yyyy-MM-dd'T'HH:mm:ss.SSS}/", "2018-08-27T10:30:05.123/")]
    [InlineData("!{timestamp:DDD/EEE/MMM/hh a}/", "239/Mon/Aug/10 AM/")]
    [InlineData("!{timestamp:yy''MM}/", "18'08/")]
    public void Timestamp_expressions_follow_Java_patterns(string prefix, string expected)
    {
        Assert.Equal(expected, KeyTemplate.ForPrefix(prefix).Evaluate(Context()));
    }

    [Fact]
    public void Random_strings_are_eleven_characters_and_repeat_for_the_same_seed()
    {
        var template = KeyTemplate.ForPrefix("rand=!{firehose:random-string}/!{timestamp:yyyy}/");

        var first = template.Evaluate(Context(seed: 7));
        var again = template.Evaluate(Context(seed: 7));
        var other = template.Evaluate(Context(seed: 8));

        Assert.Matches("^rand=[0-9a-f]{8}-[0-9a-f]{2}/2018/$", first);
        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
    }

    [Fact]
    public void Partition_keys_from_the_query_fill_their_expressions()
    {
        var template = KeyTemplate.ForPrefix("customer_id=!{partitionKeyFromQuery:customer_id}/!{timestamp:yyyy}/");

        Assert.True(template.IsPartitioned);
        Assert.Equal(["customer_id"], template.PartitionKeysFromQuery);
        Assert.Equal("customer_id=42/2018/", template.Evaluate(Context(query: new() { ["customer_id"] = "42" })));
        Assert.Throws<KeyEvaluationException>(() => template.Evaluate(Context(query: [])));
    }

    [Fact]
    public void Error_prefix_names_the_error_type()
    {
        var template = KeyTemplate.ForErrorPrefix("myFirehoseFailures/!{firehose:error-output-type}/!{timestamp:yyyy}/anyMonth/!{timestamp:dd}", "p/");

        Assert.Equal("myFirehoseFailures/processing-failed/2018/anyMonth/27", template.Evaluate(Context("processing-failed")));
    }

    [Fact]
    public void A_missing_error_prefix_follows_a_plain_prefix()
    {
        var template = KeyTemplate.ForErrorPrefix(null, "myFirehosePrefix/");

        Assert.Equal("myFirehosePrefix/http-endpoint-failed/2018/08/27/10/", template.Evaluate(Context("http-endpoint-failed")));
    }

    [Theory]
    [InlineData("a/!{firehose:error-output-type}/", "Prefix cannot contain")]
    [InlineData("a/!{timestamp:yyyy", "does not close")]
    [InlineData("a/!{colour:red}/", "unknown expression")]
    [InlineData("a/!{timestamp:yyyy-QQ}/", "'QQ' is not supported")]
    [InlineData("a/!{timestamp:'open}/", "opens a quote")]
    [InlineData("a/!{partitionKeyFromQuery:}/", "unknown expression")]
    public void Bad_prefixes_are_refused_with_the_reason(string prefix, string reason)
    {
        var refused = Assert.Throws<ArgumentException>(() => KeyTemplate.ForPrefix(prefix));

        Assert.Contains(reason, refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "p/!{timestamp:yyyy}/", "cannot be null when Prefix contains expressions")]
    [InlineData("errors/!{timestamp:yyyy}/", "p/", "must contain !{firehose:error-output-type}")]
    [InlineData("errors/!{firehose:error-output-type}/!{partitionKeyFromQuery:id}/", "p/", "cannot use the partitionKeyFromQuery")]
    public void Bad_error_prefixes_are_refused_with_the_reason(string? errorPrefix, string prefix, string reason)
    {
        var refused = Assert.Throws<ArgumentException>(() => KeyTemplate.ForErrorPrefix(errorPrefix, prefix));

        Assert.Contains(reason, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_evaluated_prefix_longer_than_512_characters_is_refused()
    {
        var template = KeyTemplate.ForPrefix("!{partitionKeyFromQuery:id}/!{timestamp:yyyy}/");

        Assert.Throws<KeyEvaluationException>(() => template.Evaluate(Context(query: new() { ["id"] = new string('x', 600) })));
    }

    [Fact]
    public void Object_names_carry_stream_version_time_and_id()
    {
        var id = Guid.Parse("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0");

        Assert.Equal("readings-1-2018-08-27-10-30-05-0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0.gz", ObjectName.For("readings", 1, Oldest, id, ".gz"));
    }
}
