using System.Text;
using Spillway.Messaging;
using Spillway.Sinks;

namespace Spillway.Gateway.Tests;

/// <summary>The rules a queue's other doors (the SQS API) apply, so no path into a route's queue skips its schema.</summary>
public sealed class MessageBodyRulesTests
{
    private static readonly IMessageBodyRule Route = MessageBodyRules.ForRoute(IngestRouteOptions.CreateSubmitRoute());

    private static readonly SqlSinkOptions Typed = new()
    {
        Name = "events",
        DatabaseUrl = "sqlite:///unused.db",
        Table = "events",
        Columns =
        [
            new("label", "label", ColumnType.Text, 10, Required: true),
            new("amount", "amount", ColumnType.Integer),
            new("ratio", "ratio", ColumnType.Real),
            new("due", "due", ColumnType.Timestamp),
            new("extra", "extra", ColumnType.Json),
        ],
    };

    private static readonly IMessageBodyRule Sink = MessageBodyRules.ForSink(SqlSinkFactory.CreateRecordRule(Typed));

    private static string? Check(IMessageBodyRule rule, string body) => rule.Check(Encoding.UTF8.GetBytes(body));

    [Theory]
    [InlineData("""{"name":"田中太郎","email":"tanaka@example.com"}""")]
    [InlineData(""" {"name":"a","email":"a@example.com"} """)]
    public void A_record_the_route_takes_passes_its_rule(string body) => Assert.Null(Check(Route, body));

    [Theory]
    [InlineData("""{"name":"a","email":"not-an-address"}""", "field 'email' must be an email address")]
    [InlineData("""{"name":"a","email":"a@example.com","role":"admin"}""", "field 'role' is not a field of this route")]
    [InlineData("""{"name":"a"}""", "field 'email' is required")]
    [InlineData("""{"name":"a\u0000b","email":"a@example.com"}""", "field 'name' must not contain U+0000 (NUL)")]
    [InlineData("""{"name":5,"email":"a@example.com"}""", "field 'name' must be a string")]
    [InlineData("""[{"name":"a","email":"a@example.com"}]""", "one JSON object")]
    [InlineData("""{"name":"a","email":"a@example.com"} {}""", "not well-formed JSON")]
    [InlineData("\uFEFF{\"name\":\"a\",\"email\":\"a@example.com\"}", "not well-formed JSON")]
    [InlineData("", "not well-formed JSON")]
    public void A_body_the_route_would_refuse_is_refused_saying_why(string body, string reason)
    {
        var problem = Check(Route, body);

        Assert.NotNull(problem);
        Assert.Contains("/submit", problem, StringComparison.Ordinal);
        Assert.Contains(reason, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_utf8_is_refused_by_the_route()
        => Assert.Contains("UTF-8", Route.Check([.. "{\"name\":\""u8, 0xC3, 0x28, .. "\",\"email\":\"a@example.com\"}"u8]), StringComparison.Ordinal);

    [Fact]
    public void The_route_rule_includes_the_rule_of_its_table()
    {
        var route = IngestRouteOptions.CreateSubmitRoute();
        route.SinkRule = SqlSinkFactory.CreateRecordRule(new SqlSinkOptions
        {
            Name = "users",
            DatabaseUrl = "sqlite:///unused.db",
            Columns = [new("name", "name", ColumnType.Text, 3, Required: true), new("email", "email", ColumnType.Text)],
        });
        var rule = MessageBodyRules.ForRoute(route);

        Assert.Null(Check(rule, """{"name":"Ann","email":"a@example.com"}"""));
        Assert.Contains("field 'name' must be at most 3 characters long", Check(rule, """{"name":"Annabel","email":"a@example.com"}"""), StringComparison.Ordinal);
    }

    [Fact]
    public void An_invalid_route_is_refused_naming_the_key()
    {
        var error = Assert.Throws<GatewayConfigurationException>(
            () => MessageBodyRules.ForRoute(new IngestRouteOptions { Path = "/x", QueueName = "x" }, "Spillway:Routes:x"));

        Assert.Contains("Spillway:Routes:x:Fields", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"label":"a"}""")]
    [InlineData("""{"label":"a","amount":-9223372036854775808,"ratio":1e-320,"due":"2026-11-22T09:00:00+09:00","extra":{"a":["\u00e9"]}}""")]
    [InlineData("""{"label":"a","amount":null,"unknown":{"x":"\u0000"}}""")]
    public void A_body_the_table_can_hold_passes_the_sink_rule(string body) => Assert.Null(Check(Sink, body));

    [Theory]
    [InlineData("""["label"]""", "not a JSON object")]
    [InlineData("""{"label":"a",""", "not valid JSON")]
    [InlineData("""{"amount":1}""", "field 'label' is missing")]
    [InlineData("""{"label":null}""", "field 'label' is null")]
    [InlineData("""{"label":"a","label":"b"}""", "field 'label' appears more than once")]
    [InlineData("""{"label":7}""", "field 'label' must be a string")]
    [InlineData("""{"label":"a\u0000"}""", "field 'label' must not contain U+0000 (NUL)")]
    [InlineData("""{"label":"\udc00"}""", "field 'label' is not valid Unicode text")]
    [InlineData("""{"label":"12345678901"}""", "field 'label' must be at most 10 characters long")]
    [InlineData("""{"label":"a","amount":1.5}""", "field 'amount' must be a 64-bit integer")]
    [InlineData("""{"label":"a","amount":9223372036854775808}""", "field 'amount' must be a 64-bit integer")]
    [InlineData("""{"label":"a","ratio":"0.5"}""", "field 'ratio' must be a number")]
    [InlineData("""{"label":"a","ratio":2e308}""", "field 'ratio' is out of range")]
    [InlineData("""{"label":"a","due":"tomorrow"}""", "field 'due' must be an ISO-8601 timestamp")]
    [InlineData("""{"label":"a","due":1700000000}""", "field 'due' must be an ISO-8601 timestamp")]
    [InlineData("""{"label":"a","extra":{"k":"x\u0000"}}""", "field 'extra' must not contain U+0000 (NUL)")]
    [InlineData("""{"label":"a","extra":{"\ud800":1}}""", "field 'extra' is not valid Unicode text")]
    public void A_body_the_table_could_never_hold_is_refused_naming_the_field(string body, string reason)
        => Assert.Contains(reason, Check(Sink, body), StringComparison.Ordinal);
}
