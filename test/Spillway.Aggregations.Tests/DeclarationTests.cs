using System.Text.Json;

namespace Spillway.Aggregations.Tests;

public sealed class DeclarationTests
{
    private const string Json = """
        {
          "name": "per_minute", "source": "readings", "eventTimeField": "ts",
          "keys": ["device", { "field": "site.id", "as": "site" }],
          "window": { "type": "hopping", "size": "5m", "slide": "1m" },
          "aggregates": [
            { "name": "n", "function": "count" },
            { "name": "avg_temp", "function": "avg", "field": "temp" },
            { "name": "users", "function": "count_distinct", "field": "user" },
            { "name": "p99", "function": "percentile", "field": "temp", "percentile": 0.99 }
          ],
          "filter": [ { "field": "temp", "op": ">", "value": -40 }, { "field": "kind", "op": "=", "value": "reading" } ],
          "maxOutOfOrderness": "10s", "idleTimeout": 60000, "allowedLateness": "1m", "earlyFireInterval": "15s"
        }
        """;

    [Fact]
    public void The_json_declaration_reads_every_field_and_writes_back_the_same_declaration()
    {
        var d = AggregationJson.Parse(Json);

        Assert.Equal(("per_minute", "readings", "ts"), (d.Name, d.Source, d.EventTimeField));
        Assert.Equal(["device", "site", "window_start", "window_end", "n", "avg_temp", "users", "p99"], d.Columns);
        Assert.Equal((WindowKind.Hopping, TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(1)), (d.Window.Kind, d.Window.Size, d.Window.Slide));
        Assert.Equal(new AggregateSpec("p99", AggregateFunction.Percentile, "temp", 0.99), d.Aggregates[3]);
        Assert.Equal(new FilterCondition("temp", FilterOperator.Greater, -40.0), d.Filter[0]);
        Assert.Equal((TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(15)),
            (d.MaxOutOfOrderness, d.IdleTimeout, d.AllowedLateness, d.EarlyFireInterval));

        var again = JsonSerializer.Deserialize<AggregationDefinition>(JsonSerializer.Serialize(d))!;
        Assert.Equal(AggregationJson.Serialize(d), AggregationJson.Serialize(again));
    }

    [Fact]
    public void Defaults_apply_when_the_timing_fields_are_left_out_and_sql_may_stand_for_the_rest()
    {
        var d = AggregationJson.Parse("""
            { "name": "n", "sql": "SELECT COUNT(*) AS n FROM s GROUP BY TUMBLE(ts, INTERVAL '10' SECOND)", "allowedLateness": "2s" }
            """);

        Assert.Equal(("n", "s", TimeSpan.FromSeconds(10)), (d.Name, d.Source, d.Window.Size));
        Assert.Empty(d.KeyFields);
        Assert.Equal((TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(2), (TimeSpan?)null),
            (d.MaxOutOfOrderness, d.IdleTimeout, d.AllowedLateness, d.EarlyFireInterval));
    }

    [Theory]
    [InlineData("""{"type":"hopping","size":"5m","slide":"2m"}""", "multiple of its slide")]
    [InlineData("""{"type":"cumulate","size":"5m"}""", "window.type 'cumulate'")]
    [InlineData("""{"type":"tumbling","size":"soon"}""", "size: 'soon' is not a duration")]
    [InlineData("""{"type":"session"}""", "needs \"gap\"")]
    public void A_bad_window_is_refused_by_name(string window, string message)
    {
        var json = $$"""{"name":"a","source":"s","eventTimeField":"ts","window":{{window}},"aggregates":[{"name":"n","function":"count"}]}""";
        Assert.Contains(message, Assert.Throws<ArgumentException>(() => AggregationJson.Parse(json)).Message);
    }

    [Theory]
    [InlineData("""[{"name":"n","function":"count"},{"name":"n","function":"sum","field":"x"}]""", "'n' is used twice")]
    [InlineData("""[{"name":"window_start","function":"count"}]""", "'window_start' is used twice")]
    [InlineData("""[{"name":"p","function":"percentile","field":"x"}]""", "needs a percentile from 0 to 1")]
    [InlineData("""[{"name":"s","function":"sum"}]""", "needs a field")]
    [InlineData("""[{"name":"m","function":"median","field":"x"}]""", "function 'median'")]
    [InlineData("""[]""", "at least one aggregate")]
    public void A_bad_aggregate_is_refused_by_name(string aggregates, string message)
    {
        var json = $$"""{"name":"a","source":"s","eventTimeField":"ts","window":{"type":"tumbling","size":"1m"},"aggregates":{{aggregates}}}""";
        Assert.Contains(message, Assert.Throws<ArgumentException>(() => AggregationJson.Parse(json)).Message);
    }

    [Fact]
    public void Malformed_json_is_refused_with_a_clear_error()
    {
        Assert.Contains("not valid JSON", Assert.Throws<ArgumentException>(() => AggregationJson.Parse("{ nope")).Message);
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<AggregationDefinition>("""{"name":"a"}"""));
    }
}
