using System.Text;
using Spillway.Gateway.Internal;
using Spillway.Sinks;

namespace Spillway.Gateway.Tests;

public sealed class RecordValidatorTests
{
    private const int MaxRecordBytes = 1024 * 1024;

    private static readonly RecordValidator Submit = Create(IngestRouteOptions.CreateSubmitRoute());

    private static readonly RecordValidator Typed = Create(new IngestRouteOptions
    {
        Path = "/typed",
        QueueName = "typed",
        MaxRecordsPerRequest = 5,
        Fields = new()
        {
            ["age"] = new() { Type = "integer", Required = true },
            ["score"] = new() { Type = "number" },
            ["active"] = new() { Type = "boolean" },
            ["tag"] = new() { Type = "string", MaxLength = 4 },
            ["note"] = new() { Type = "string" },
        },
    });

    private static RecordValidator Create(IngestRouteOptions route)
        => RecordValidator.For(route);

    private static (IngestProblem? Problem, List<Range> Records, bool IsBatch) Run(
        RecordValidator validator, string body, BodyFormat format = BodyFormat.Json, int maxRecordBytes = MaxRecordBytes)
    {
        var records = new List<Range>();
        var problem = validator.Validate(Encoding.UTF8.GetBytes(body), format, maxRecordBytes, records, out var isBatch);
        return (problem, records, isBatch);
    }

    private static IngestProblem Fails(RecordValidator validator, string body, BodyFormat format = BodyFormat.Json)
    {
        var (problem, _, _) = Run(validator, body, format);
        Assert.NotNull(problem);
        return problem;
    }

    private static void AssertError(IngestProblem problem, int status, string path, string messageFragment)
    {
        Assert.Equal(status, problem.Status);
        Assert.NotNull(problem.Errors);
        Assert.True(problem.Errors.ContainsKey(path), $"expected an error at '{path}', got: {string.Join(", ", problem.Errors.Keys)}");
        Assert.Contains(messageFragment, problem.Errors[path][0], StringComparison.Ordinal);
    }

    [Fact]
    public void Single_object_is_one_record_covering_the_object()
    {
        const string body = "  {\"name\": \"田中太郎\", \"email\": \"tanaka@example.com\"}\n";
        var (problem, records, isBatch) = Run(Submit, body);
        Assert.Null(problem);
        Assert.False(isBatch);
        var bytes = Encoding.UTF8.GetBytes(body);
        Assert.Equal("{\"name\": \"田中太郎\", \"email\": \"tanaka@example.com\"}", Encoding.UTF8.GetString(bytes[Assert.Single(records)]));
    }

    [Fact]
    public void Array_is_a_batch_with_one_record_per_element()
    {
        const string body = """[{"name":"a","email":"a@example.com"}, {"email":"b@example.com","name":"b"}]""";
        var (problem, records, isBatch) = Run(Submit, body);
        Assert.Null(problem);
        Assert.True(isBatch);
        var bytes = Encoding.UTF8.GetBytes(body);
        Assert.Equal(2, records.Count);
        Assert.Equal("""{"email":"b@example.com","name":"b"}""", Encoding.UTF8.GetString(bytes[records[1]]));
    }

    [Fact]
    public void Ndjson_is_a_batch_with_one_record_per_line_and_blank_lines_ignored()
    {
        const string body = "{\"name\":\"a\",\"email\":\"a@example.com\"}\r\n\n{\"name\":\"b\",\"email\":\"b@example.com\"}\n";
        var (problem, records, isBatch) = Run(Submit, body, BodyFormat.NdJson);
        Assert.Null(problem);
        Assert.True(isBatch);
        var bytes = Encoding.UTF8.GetBytes(body);
        Assert.Equal(2, records.Count);
        Assert.Equal("{\"name\":\"b\",\"email\":\"b@example.com\"}", Encoding.UTF8.GetString(bytes[records[1]]));
    }

    [Fact]
    public void Byte_order_mark_is_skipped_and_offsets_stay_right()
    {
        var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes("{\"name\":\"a\",\"email\":\"a@example.com\"}")).ToArray();
        var records = new List<Range>();
        Assert.Null(Submit.Validate(bytes, BodyFormat.Json, MaxRecordBytes, records, out _));
        Assert.Equal("{\"name\":\"a\",\"email\":\"a@example.com\"}", Encoding.UTF8.GetString(bytes[Assert.Single(records)]));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   \r\n\t ")]
    public void Empty_body_is_400(string body)
    {
        var problem = Fails(Submit, body);
        AssertError(problem, 400, "$", "empty");
        Assert.Equal("urn:spillway:problem:empty-body", problem.Type);
    }

    [Fact]
    public void Empty_array_is_400()
        => Assert.Equal("urn:spillway:problem:empty-body", Fails(Submit, "[ ]").Type);

    [Fact]
    public void Ndjson_without_records_is_400()
        => Assert.Equal("urn:spillway:problem:empty-body", Fails(Submit, "\n\n  \n", BodyFormat.NdJson).Type);

    [Theory]
    [InlineData("{\"name\":\"a\",")]
    [InlineData("{\"name\":\"a\" \"email\":\"a@example.com\"}")]
    [InlineData("{'name':'a'}")]
    [InlineData("{\"name\":\"a\",\"email\":\"a@example.com\"} {}")]
    [InlineData("{\"name\":\"a\",\"email\":\"a@example.com\",}")]
    [InlineData("{\"name\":\"a\",/* c */\"email\":\"a@example.com\"}")]
    [InlineData("nul")]
    public void Malformed_json_is_400_naming_the_body(string body)
    {
        var problem = Fails(Submit, body);
        Assert.Equal("urn:spillway:problem:malformed-json", problem.Type);
        AssertError(problem, 400, "$", "");
    }

    [Fact]
    public void Malformed_json_in_a_batch_names_the_record()
    {
        var problem = Fails(Submit, """[{"name":"a","email":"a@example.com"}, {"name": }]""");
        Assert.Equal("urn:spillway:problem:malformed-json", problem.Type);
        AssertError(problem, 400, "/1", "");
    }

    [Fact]
    public void Malformed_ndjson_line_names_the_record_and_the_line()
    {
        var problem = Fails(Submit, "{\"name\":\"a\",\"email\":\"a@example.com\"}\n{\"name\":\n", BodyFormat.NdJson);
        Assert.Equal("urn:spillway:problem:malformed-json", problem.Type);
        Assert.Contains("Line 2", problem.Detail, StringComparison.Ordinal);
        AssertError(problem, 400, "/1", "Line 2");
    }

    [Fact]
    public void Two_objects_on_one_ndjson_line_are_400()
        => Assert.Equal(
            "urn:spillway:problem:malformed-json",
            Fails(Submit, "{\"name\":\"a\",\"email\":\"a@example.com\"} {\"name\":\"b\",\"email\":\"b@example.com\"}", BodyFormat.NdJson).Type);

    [Theory]
    [InlineData("\"just a string\"")]
    [InlineData("42")]
    [InlineData("true")]
    public void Body_that_is_not_an_object_or_array_is_400(string body)
        => AssertError(Fails(Submit, body), 400, "$", "object");

    [Fact]
    public void Array_element_that_is_not_an_object_names_its_index()
        => AssertError(Fails(Submit, """[{"name":"a","email":"a@example.com"}, 7, ["x"]]"""), 400, "/1", "must be a JSON object");

    [Fact]
    public void Ndjson_line_that_is_not_an_object_names_its_index()
        => AssertError(Fails(Submit, "[1]\n", BodyFormat.NdJson), 400, "/0", "Line 1");

    [Fact]
    public void Missing_required_field_names_it()
        => AssertError(Fails(Submit, """{"name":"a"}"""), 400, "email", "is required");

    [Fact]
    public void Null_required_field_names_it()
        => AssertError(Fails(Submit, """{"name":null,"email":"a@example.com"}"""), 400, "name", "is required");

    [Fact]
    public void Missing_required_field_in_a_batch_names_the_index_and_field()
        => AssertError(
            Fails(Submit, """[{"name":"a","email":"a@example.com"},{"name":"b","email":"b@example.com"},{"name":"c"}]"""),
            400,
            "/2/email",
            "is required");

    [Theory]
    [InlineData("""{"name":1,"email":"a@example.com"}""", "name", "must be a string")]
    [InlineData("""{"name":true,"email":"a@example.com"}""", "name", "must be a string")]
    [InlineData("""{"name":{"first":"a"},"email":"a@example.com"}""", "name", "must be a string")]
    [InlineData("""{"name":["a"],"email":"a@example.com"}""", "name", "must be a string")]
    [InlineData("""{"name":"a","email":42}""", "email", "must be a string")]
    public void Wrong_type_names_the_field(string body, string path, string message)
        => AssertError(Fails(Submit, body), 400, path, message);

    [Theory]
    [InlineData("""{"age":"1"}""", "age", "must be a 64-bit integer")]
    [InlineData("""{"age":1.5}""", "age", "must be a 64-bit integer")]
    [InlineData("""{"age":1e3}""", "age", "must be a 64-bit integer")]
    [InlineData("""{"age":99999999999999999999}""", "age", "must be a 64-bit integer")]
    [InlineData("""{"age":1,"score":1e400}""", "score", "out of range")]
    [InlineData("""{"age":1,"score":-1e309}""", "score", "out of range")]
    [InlineData("""{"age":1,"score":"2.5"}""", "score", "must be a number")]
    [InlineData("""{"age":1,"active":"true"}""", "active", "must be true or false")]
    [InlineData("""{"age":1,"active":1}""", "active", "must be true or false")]
    [InlineData("""{"age":1,"tag":false}""", "tag", "must be a string")]
    public void Typed_fields_reject_other_types(string body, string path, string message)
        => AssertError(Fails(Typed, body), 400, path, message);

    [Theory]
    [InlineData("""{"age":-7}""")]
    [InlineData("""{"age":0,"score":-1.5e-3,"active":false}""")]
    [InlineData("""{"age":9223372036854775807,"score":3,"active":true,"tag":"abcd"}""")]
    [InlineData("""{"age":1,"score":null,"active":null,"tag":null}""")]
    public void Typed_fields_accept_their_types_and_null_when_optional(string body)
        => Assert.Null(Run(Typed, body).Problem);

    [Fact]
    public void String_over_max_length_names_the_field()
        => AssertError(Fails(Submit, $$"""{"name":"{{new string('x', 201)}}","email":"a@example.com"}"""), 400, "name", "at most 200");

    [Fact]
    public void Max_length_counts_characters_not_bytes()
    {
        // 200 CJK characters are 600 UTF-8 bytes and still fit a 200-character field.
        Assert.Null(Run(Submit, $$"""{"name":"{{new string('田', 200)}}","email":"a@example.com"}""").Problem);
        AssertError(Fails(Submit, $$"""{"name":"{{new string('田', 201)}}","email":"a@example.com"}"""), 400, "name", "at most 200");
    }

    [Fact]
    public void Max_length_counts_escaped_characters_once()
    {
        Assert.Null(Run(Typed, """{"age":1,"tag":"\u7530\u4e2d\n\""}""").Problem);
        AssertError(Fails(Typed, """{"age":1,"tag":"\u7530\u4e2d\n\"x"}"""), 400, "tag", "at most 4");
    }

    [Theory]
    [InlineData("tanaka")]
    [InlineData("tanaka@")]
    [InlineData("@example.com")]
    [InlineData("tanaka@localhost")]
    [InlineData("tanaka @example.com")]
    [InlineData("tanaka@exa mple.com")]
    public void Bad_email_names_the_field(string email)
        => AssertError(Fails(Submit, $$"""{"name":"a","email":"{{email}}"}"""), 400, "email", "must be an email address");

    [Fact]
    public void Escaped_email_is_checked_after_unescaping()
    {
        Assert.Null(Run(Submit, """{"name":"a","email":"tanaka\u0040example.com"}""").Problem);
        AssertError(Fails(Submit, """{"name":"a","email":"tanaka\u0020@example.com"}"""), 400, "email", "must be an email address");
    }

    [Fact]
    public void Unknown_field_is_named()
        => AssertError(Fails(Submit, """{"name":"a","email":"a@example.com","admin":true}"""), 400, "admin", "is not a field");

    [Fact]
    public void Unknown_field_in_a_batch_is_named_with_pointer_escaping()
        => AssertError(
            Fails(Submit, """[{"name":"a","email":"a@example.com","a/b~c":1}]"""), 400, "/0/a~1b~0c", "is not a field");

    [Fact]
    public void Unknown_fields_pass_when_allowed()
    {
        var open = Create(new IngestRouteOptions { Path = "/open", QueueName = "open", AllowUnknownFields = true });
        Assert.Null(Run(open, """{"anything":{"nested":[1,2,{"deep":true}]},"more":"x"}""").Problem);
    }

    [Fact]
    public void Duplicate_field_is_400()
        => AssertError(Fails(Submit, """{"name":"a","email":"a@example.com","name":"b"}"""), 400, "name", "more than once");

    [Fact]
    public void Every_bad_record_of_a_batch_is_reported()
    {
        var problem = Fails(
            Submit, """[{"name":"a"},{"name":"b","email":"x"},{"name":"c","email":"c@example.com"},{"email":"d@example.com"}]""");
        Assert.Equal(400, problem.Status);
        Assert.Equal(["/0/email", "/1/email", "/3/name"], problem.Errors!.Keys.Order().ToArray());
    }

    [Fact]
    public void Nesting_deeper_than_the_limit_is_400_naming_the_field()
    {
        var open = Create(new IngestRouteOptions { Path = "/open", QueueName = "open", AllowUnknownFields = true });
        var deep = $$"""{"a":{{new string('[', 20)}}{{new string(']', 20)}}}""";
        var problem = Fails(open, deep);
        Assert.Equal("urn:spillway:problem:too-deep", problem.Type);
        Assert.Equal(400, problem.Status);
        Assert.True(problem.Errors!.ContainsKey("$") || problem.Errors.ContainsKey("a"));
    }

    [Fact]
    public void Nesting_far_deeper_than_the_reader_limit_is_still_too_deep_not_malformed()
    {
        var deep = new string('[', 5000) + new string(']', 5000);
        var problem = Fails(Submit, deep);
        Assert.Equal(400, problem.Status);
        Assert.Contains(problem.Type, new[] { "urn:spillway:problem:too-deep", "urn:spillway:problem:invalid-record" });
    }

    [Fact]
    public void Unknown_nested_value_in_a_strict_route_is_reported_as_unknown_and_deep_nesting_as_too_deep()
    {
        var problem = Fails(Submit, $$"""{"name":"a","email":"a@example.com","x":{{new string('[', 30)}}{{new string(']', 30)}}}""");
        Assert.Equal("urn:spillway:problem:too-deep", problem.Type);
        AssertError(problem, 400, "x", "deeper than 16");
    }

    [Fact]
    public void More_records_than_allowed_is_413()
    {
        var body = "[" + string.Join(",", Enumerable.Repeat("""{"age":1}""", 6)) + "]";
        var problem = Fails(Typed, body);
        Assert.Equal(413, problem.Status);
        Assert.Equal("urn:spillway:problem:too-many-records", problem.Type);
        Assert.Null(Run(Typed, "[" + string.Join(",", Enumerable.Repeat("""{"age":1}""", 5)) + "]").Problem);
    }

    [Fact]
    public void More_ndjson_lines_than_allowed_is_413()
        => Assert.Equal(413, Fails(Typed, string.Concat(Enumerable.Repeat("{\"age\":1}\n", 6)), BodyFormat.NdJson).Status);

    [Fact]
    public void Record_larger_than_the_queue_allows_is_413()
    {
        var (problem, _, _) = Run(Submit, """[{"name":"a","email":"a@example.com"},{"name":"bbbbbbbbbbbbbbbbbbbb","email":"b@example.com"}]""",
            maxRecordBytes: 40);
        Assert.NotNull(problem);
        AssertError(problem, 413, "/1", "larger than 40 bytes");
    }

    [Fact]
    public void Invalid_utf8_is_400()
    {
        byte[] body = [.. "{\"name\":\""u8, 0xC3, 0x28, .. "\",\"email\":\"a@example.com\"}"u8];
        var problem = Submit.Validate(body, BodyFormat.Json, MaxRecordBytes, [], out _);
        Assert.NotNull(problem);
        Assert.Equal("urn:spillway:problem:invalid-encoding", problem.Type);
    }

    [Theory]
    [InlineData("""{"name":"\ud800","email":"a@example.com"}""")]
    [InlineData("""{"name":"a\udc00b","email":"a@example.com"}""")]
    public void Escaped_lone_surrogate_names_the_field(string body)
        => AssertError(Fails(Submit, body), 400, "name", "not valid Unicode text");

    [Fact]
    public void Escaped_lone_surrogate_is_refused_in_a_field_without_a_length_limit()
        => AssertError(Fails(Typed, """{"age":1,"note":"\ud83d"}"""), 400, "note", "not valid Unicode text");

    [Theory]
    [InlineData("""{"name":"a\u0000b","email":"a@example.com"}""", "name")]
    [InlineData("""{"name":"\u0000","email":"a@example.com"}""", "name")]
    [InlineData("""[{"name":"a","email":"a@example.com"},{"name":"b","email":"b@example.com","tag":"\u0000"}]""", "/1/tag")]
    public void A_nul_character_is_refused_naming_the_field_because_no_table_can_hold_it(string body, string path)
    {
        var open = Create(new IngestRouteOptions
        {
            Path = "/open",
            QueueName = "open",
            Fields = new(IngestRouteOptions.CreateSubmitRoute().Fields) { ["tag"] = new() { Type = "string" } },
        });

        AssertError(Fails(open, body), 400, path, "U+0000 (NUL)");
    }

    [Fact]
    public void A_record_its_table_could_not_hold_is_refused_naming_the_field_even_when_the_fields_accept_it()
    {
        // The sink's columns are stricter than the route's fields: a shorter name, a timestamp fed by a string field.
        var route = IngestRouteOptions.CreateSubmitRoute();
        route.Fields["born"] = new() { Type = "string" };
        route.SinkRule = SqlSinkFactory.CreateRecordRule(new SqlSinkOptions
        {
            Name = "users",
            DatabaseUrl = "sqlite:///unused.db",
            Columns =
            [
                new("name", "name", ColumnType.Text, 5, Required: true),
                new("email", "email", ColumnType.Text, 320, Required: true),
                new("born", "born", ColumnType.Timestamp),
            ],
        });
        var validator = Create(route);

        Assert.Null(Run(validator, """{"name":"Ann","email":"a@example.com","born":"1990-04-01T00:00:00Z"}""").Problem);
        AssertError(Fails(validator, """{"name":"Annabel","email":"a@example.com"}"""), 400, "name", "at most 5 characters");
        AssertError(
            Fails(validator, """[{"name":"Ann","email":"a@example.com"},{"name":"Bo","email":"b@example.com","born":"soon"}]"""),
            400,
            "/1/born",
            "ISO-8601");
    }

    [Fact]
    public void A_surrogate_pair_escaped_is_one_valid_character()
        => Assert.Null(Run(Typed, """{"age":1,"tag":"\ud83d\ude00abc"}""").Problem);

    [Fact]
    public void Escaped_field_names_match_declared_fields()
        => Assert.Null(Run(Submit, """{"n\u0061me":"a","\u0065mail":"a@example.com"}""").Problem);
}
