using System.Text;
using System.Text.Json;
using Spillway.Aws.Protocols;

namespace Spillway.Aws.Tests.Protocols;

public sealed class JsonInputTests
{
    private static readonly AwsServiceErrors Errors = AwsServiceErrors.Query;

    private static T With<T>(string json, Func<AwsInput, T> read) => With(Encoding.UTF8.GetBytes(json), read);

    private static T With<T>(byte[] json, Func<AwsInput, T> read)
    {
        using var document = JsonInput.Parse(json, Errors);
        return read(new JsonInput(document.RootElement, Errors));
    }

    private static AwsException Refused(string json, Func<AwsInput, object?> read) =>
        Assert.Throws<AwsException>(() => With(json, read));

    [Fact]
    public void Members_are_read_by_their_json_types()
    {
        const string json = """
            {"Name":"orders","Count":7,"Flag":true,"Data":"aGk=","At":1506440188.749,"Names":["a","b"],
             "Tags":{"k":"v"},"Entries":[{"Id":"1"},{"Id":"2"}],"Attributes":{"x":{"DataType":"String"}},"Absent":null}
            """;

        With(json, input =>
        {
            Assert.Equal("orders", input.String("Name"));
            Assert.Equal(7, input.Long("Count"));
            Assert.True(input.Bool("Flag"));
            Assert.Equal("hi"u8.ToArray(), input.Blob("Data"));
            Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1506440188749), input.Timestamp("At"));
            Assert.Equal(["a", "b"], input.List("Name", "Names")!);
            Assert.Equal([KeyValuePair.Create("k", "v")], input.Map("Tag", "Key", "Value", "Tags")!);
            Assert.Equal(["1", "2"], input.Structures("Entry", "Entries")!.Select(e => e.String("Id")));
            Assert.Equal("String", Assert.Single(input.StructureMap("Attribute", "Name", "Value", "Attributes")!).Value.String("DataType"));
            Assert.Null(input.String("Absent"));
            Assert.Null(input.String("Missing"));
            return 0;
        });
    }

    [Fact]
    public void An_empty_body_is_an_empty_request()
    {
        Assert.Null(With([], input => input.String("QueueName")));
    }

    [Theory]
    [InlineData("""{"QueueName":5}""")]
    [InlineData("""{"QueueName":true}""")]
    [InlineData("""{"QueueName":["a"]}""")]
    [InlineData("""{"QueueName":{"a":1}}""")]
    public void A_non_string_where_a_string_belongs_is_refused(string json)
    {
        var error = Refused(json, input => input.String("QueueName"));

        Assert.Same(Errors.InvalidParameterValue, error.Error);
        Assert.Contains("QueueName", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"Max":"5"}""")]
    [InlineData("""{"Max":5.5}""")]
    [InlineData("""{"Max":true}""")]
    [InlineData("""{"Max":99999999999999999999}""")]
    public void A_non_integer_where_an_integer_belongs_is_refused(string json)
    {
        Assert.Contains("Max", Refused(json, input => input.Long("Max")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_integer_beyond_32_bits_is_refused_where_an_int_belongs()
    {
        Assert.Equal(5_000_000_000, With("""{"Max":5000000000}""", input => input.Long("Max")));
        Refused("""{"Max":5000000000}""", input => input.Int("Max"));
        Refused("""{"Max":11}""", input => input.IntInRange("Max", 1, 10));
    }

    [Theory]
    [InlineData("""{"Flag":"true"}""")]
    [InlineData("""{"Data":"not base64!"}""")]
    [InlineData("""{"Names":[1]}""")]
    [InlineData("""{"Tags":{"k":1}}""")]
    [InlineData("""{"Entries":[1]}""")]
    [InlineData("""{"At":"2020-01-01"}""")]
    public void Members_of_the_wrong_type_are_refused(string json)
    {
        Refused(json, input => (object?)input.Bool("Flag") ?? input.Blob("Data") ?? (object?)input.List("Name", "Names")
            ?? (object?)input.Map("Tag", "Key", "Value", "Tags") ?? (object?)input.Structures("Entry", "Entries") ?? input.Timestamp("At"));
    }

    [Theory]
    [InlineData("""{"QueueUrl":"a\ud800b"}""")]
    [InlineData("""{"QueueUrl":"\udc00"}""")]
    [InlineData("""{"Entries":[{"Id":"\ud800"}]}""")]
    [InlineData("""{"Tags":{"\ud800":"v"}}""")]
    public void An_escaped_lone_surrogate_anywhere_is_refused_when_parsed(string json)
    {
        var error = Assert.Throws<AwsException>(() => JsonInput.Parse(Encoding.UTF8.GetBytes(json), Errors).Dispose());

        Assert.Same(Errors.InvalidParameterValue, error.Error);
        Assert.Contains("valid Unicode", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_utf8_in_a_value_or_a_member_name_is_refused_when_parsed()
    {
        byte[][] bad = [[0x80], [0xC3], [0xE2, 0x82], [0xED, 0xA0, 0x80], [0xF5, 0x80, 0x80, 0x80]];
        foreach (var bytes in bad)
        {
            byte[] inValue = [.. """{"Entries":[{"Id":"x"""u8, .. bytes, .. "\"}]}"u8];
            var error = Assert.Throws<AwsException>(() => JsonInput.Parse(inValue, Errors).Dispose());
            Assert.Contains("Entries[0].Id", error.Message, StringComparison.Ordinal);

            byte[] inName = [.. "{\""u8, .. bytes, .. "\":1}"u8];
            Assert.Throws<AwsException>(() => JsonInput.Parse(inName, Errors).Dispose());
        }
    }

    [Fact]
    public void Valid_text_with_and_without_escapes_reads_back()
    {
        Assert.Equal("田中 😀 \"x\"", With("""{"Body":"田中 \ud83d\ude00 \"x\""}""", input => input.String("Body")));
        Assert.Equal(Encoding.UTF8.GetBytes("田中"), With("""{"Body":"田中"}""", input => input.Utf8("Body")));
    }

    [Theory]
    [InlineData("""{"a":1,"a":2}""")]
    [InlineData("""{"Entries":[{"Id":"1","Id":"2"}]}""")]
    [InlineData("""{"a":1""")]
    [InlineData("""[1,2]""")]
    [InlineData("""null""")]
    public void Malformed_bodies_and_duplicate_keys_are_the_services_malformed_body_error(string json)
    {
        var error = Assert.Throws<AwsException>(() => JsonInput.Parse(Encoding.UTF8.GetBytes(json), AwsServiceErrors.Json).Dispose());

        Assert.Equal("SerializationException", error.Error.Code);
    }

    [Fact]
    public void The_refused_value_is_shortened_in_the_message()
    {
        var error = Refused($$"""{"Max":"{{new string('9', 500)}}"}""", input => input.Long("Max"));

        Assert.True(error.Message.Length < 200, error.Message);
    }

    [Fact]
    public void A_document_is_checked_once_and_read_many_times()
    {
        using var document = JsonDocument.Parse("""{"a":"b"}""");
        var input = new JsonInput(document.RootElement, Errors);

        Assert.Equal("b", input.Required("a"));
        Assert.Same(Errors.MissingParameter, Assert.Throws<AwsException>(() => input.Required("z")).Error);
    }
}
