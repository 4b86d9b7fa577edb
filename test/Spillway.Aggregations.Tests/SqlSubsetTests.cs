namespace Spillway.Aggregations.Tests;

public sealed class SqlSubsetTests
{
    [Fact]
    public void A_tumbling_query_becomes_the_same_declaration_as_its_json()
    {
        var d = AggregationSql.Parse("""
            SELECT device, site.id AS site, COUNT(*) AS n, AVG(temp) AS avg_temp, PERCENTILE_APPROX(temp, 0.95),
                   COUNT(DISTINCT "user") AS users, APPROX_COUNT_DISTINCT(`user`), MIN(temp), MAX(temp) AS hi, SUM(temp) s,
                   TUMBLE_START(ts, INTERVAL '1' MINUTE) AS window_start, TUMBLE_END(ts, INTERVAL '1' MINUTE)
            FROM readings
            WHERE temp > -40.5 AND 100 >= temp AND kind = 'reading' AND ok = TRUE
            GROUP BY device, site.id, TUMBLE(ts, INTERVAL '1' MINUTE);
            """, "per_minute");

        Assert.Equal(("per_minute", "readings", "ts"), (d.Name, d.Source, d.EventTimeField));
        Assert.Equal([new KeyField("device"), new KeyField("site.id", "site")], d.KeyFields);
        Assert.Equal(WindowSpec.Tumbling(TimeSpan.FromMinutes(1)), d.Window);
        Assert.Equal(
            ["n", "avg_temp", "p95_temp", "users", "count_distinct_user", "min_temp", "hi", "s"],
            d.Aggregates.Select(a => a.OutputName));
        Assert.Equal(new AggregateSpec("p95_temp", AggregateFunction.Percentile, "temp", 0.95), d.Aggregates[2]);
        Assert.Equal(
            [
                new FilterCondition("temp", FilterOperator.Greater, -40.5),
                new FilterCondition("temp", FilterOperator.LessOrEqual, 100.0),
                new FilterCondition("kind", FilterOperator.Equal, "reading"),
                new FilterCondition("ok", FilterOperator.Equal, true),
            ],
            d.Filter);
    }

    [Fact]
    public void Hop_takes_the_slide_before_the_size_as_flink_does_and_session_takes_a_gap()
    {
        var hop = AggregationSql.Parse("SELECT COUNT(*) AS n FROM r GROUP BY HOP(ts, INTERVAL '1' MINUTE, INTERVAL '5' MINUTES)");
        var session = AggregationSql.Parse("select k, count(*) as n from r group by k, session(event.time, interval '30' second)");

        Assert.Equal(WindowSpec.Hopping(TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(1)), hop.Window);
        Assert.Equal(WindowSpec.Session(TimeSpan.FromSeconds(30)), session.Window);
        Assert.Equal("event.time", session.EventTimeField);
    }

    [Theory]
    [InlineData("SELECT COUNT(*) FROM a JOIN b ON a.x = b.x GROUP BY TUMBLE(ts, INTERVAL '1' MINUTE)", "JOIN is not supported")]
    [InlineData("SELECT LAG(temp) FROM r GROUP BY TUMBLE(ts, INTERVAL '1' MINUTE)", "function LAG is not supported")]
    [InlineData("SELECT COUNT(*) FROM r WHERE a = 1 OR b = 2 GROUP BY TUMBLE(ts, INTERVAL '1' MINUTE)", "OR is not supported")]
    [InlineData("SELECT COUNT(*) FROM r GROUP BY TUMBLE(ts, INTERVAL '1' MINUTE) HAVING COUNT(*) > 1", "HAVING is not supported")]
    [InlineData("SELECT COUNT(*) FROM r GROUP BY TUMBLE(ts, INTERVAL '1' MINUTE) ORDER BY 1", "ORDER is not supported")]
    [InlineData("SELECT COUNT(*) FROM r GROUP BY device", "GROUP BY needs a window")]
    [InlineData("SELECT device, COUNT(*) FROM r GROUP BY TUMBLE(ts, INTERVAL '1' MINUTE)", "'device' is neither aggregated nor in GROUP BY")]
    [InlineData("SELECT * FROM r GROUP BY TUMBLE(ts, INTERVAL '1' MINUTE)", "SELECT * is not supported")]
    [InlineData("SELECT COUNT(*) FROM (SELECT 1) GROUP BY TUMBLE(ts, INTERVAL '1' MINUTE)", "subquery")]
    [InlineData("SELECT COUNT(*) FROM r GROUP BY CUMULATE(ts, INTERVAL '1' MINUTE, INTERVAL '1' HOUR)", "CUMULATE is not supported")]
    [InlineData("SELECT COUNT(*) FROM r GROUP BY TUMBLE(ts, INTERVAL '1' WEEK)", "interval unit 'WEEK'")]
    [InlineData("SELECT COUNT(*) FROM r GROUP BY HOP(ts, INTERVAL '2' MINUTE, INTERVAL '5' MINUTE)", "multiple of its slide")]
    [InlineData("SELECT SUM(temp) OVER (PARTITION BY d) FROM r GROUP BY TUMBLE(ts, INTERVAL '1' MINUTE)", "OVER")]
    [InlineData("SELECT COUNT(*) FROM r GROUP BY TUMBLE(ts, INTERVAL '1' MINUTE) LIMIT 5", "LIMIT is not supported")]
    public void Anything_outside_the_subset_is_refused_naming_the_part(string sql, string message)
    {
        Assert.Contains(message, Assert.Throws<ArgumentException>(() => AggregationSql.Parse(sql)).Message);
    }
}
