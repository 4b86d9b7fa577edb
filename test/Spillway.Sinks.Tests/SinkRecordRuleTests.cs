using System.Text;
using Spillway.Sinks.Internal;

namespace Spillway.Sinks.Tests;

/// <summary>The sink's body rule is its mapping's own decision, so what it passes the sink maps and what it refuses the sink rejects.</summary>
public sealed class SinkRecordRuleTests
{
    private static readonly SqlSinkOptions Seed = new() { Name = "users", DatabaseUrl = "sqlite:///unused.db" };

    private static readonly SinkRecordRule Rule = SqlSinkFactory.CreateRecordRule(Seed);

    [Theory]
    [InlineData("""{"name":"a","email":"a@example.com"}""", null, null)]
    [InlineData("""{"name":"a","email":"a@example.com","anything":{"x":"\u0000"}}""", null, null)]
    [InlineData("""{"name":"a\u0000","email":"a@example.com"}""", "name", "must not contain U+0000 (NUL)")]
    [InlineData("""{"name":"a"}""", "email", "is missing")]
    [InlineData("""{"name":"a","email":null}""", "email", "is null")]
    [InlineData("""{"name":"a","email":"a@example.com","email":"b@example.com"}""", "email", "appears more than once")]
    [InlineData("""7""", null, "the body is not a JSON object")]
    [InlineData("""{"name":"a","email":"a@example.com"}x""", null, "the body is not valid JSON")]
    public void The_rule_names_the_field_apart_from_the_reason(string body, string? field, string? reason)
    {
        var problem = Rule.Check(Encoding.UTF8.GetBytes(body), out var at);

        Assert.Equal(field, at);
        if (reason is null)
        {
            Assert.Null(problem);
        }
        else
        {
            Assert.StartsWith(reason, problem, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("""{"name":"a","email":"a@example.com"}""")]
    [InlineData("""{"name":"\ud83d\ude00","email":"a@example.com"}""")]
    [InlineData("""{"name":"a\u0000","email":"a@example.com"}""")]
    [InlineData("""{"name":"\udc00","email":"a@example.com"}""")]
    [InlineData("""{"name":"a"}""")]
    [InlineData("""[]""")]
    public void The_rule_and_the_mapping_decide_alike(string body)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var mapped = new RecordMapper(TableShape.From(Seed)).TryMap(bytes, new object?[2]);

        Assert.Equal(mapped, Rule.Check(bytes));
    }

    [Fact]
    public void A_mapping_the_sink_would_refuse_is_refused_naming_the_setting()
    {
        var error = Assert.Throws<ArgumentException>(
            () => SqlSinkFactory.CreateRecordRule(new SqlSinkOptions { Name = "users", DatabaseUrl = "sqlite:///unused.db", Columns = [] }));

        Assert.Equal("Columns", error.ParamName);
    }

    [Theory]
    [InlineData("a\u0301bc", 4)]
    [InlineData("田中太郎", 4)]
    [InlineData("😀x", 2)]
    [InlineData("", 0)]
    public void Characters_are_counted_as_users_count_them(string text, int expected)
        => Assert.Equal(expected, ColumnValues.CountCharacters(Encoding.UTF8.GetBytes(text)));
}
