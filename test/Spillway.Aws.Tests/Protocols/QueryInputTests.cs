using System.Text;
using Spillway.Aws.Protocols;

namespace Spillway.Aws.Tests.Protocols;

public sealed class QueryInputTests
{
    private static readonly AwsServiceErrors Errors = AwsServiceErrors.Query;

    private static Dictionary<string, string> Form(string text)
    {
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        Assert.Null(FormReader.Read(Encoding.ASCII.GetBytes(text), parameters));
        return parameters;
    }

    private static QueryInput Input(string text) => new(Form(text), Errors);

    [Fact]
    public void Form_text_is_percent_and_plus_decoded()
    {
        var form = Form("Action=SendMessage&MessageBody=a+b%20c%26%3D%E7%94%B0&Empty=&Bare");

        Assert.Equal("SendMessage", form["Action"]);
        Assert.Equal("a b c&=田", form["MessageBody"]);
        Assert.Equal(string.Empty, form["Empty"]);
        Assert.Equal(string.Empty, form["Bare"]);
    }

    [Theory]
    [InlineData("Action=ListQueues&Action=DeleteQueue", "Action")]
    [InlineData("QueueUrl=a&Action=x&QueueUrl=b", "QueueUrl")]
    [InlineData("A%63tion=x&Action=y", "Action")]
    public void A_parameter_given_twice_is_refused(string text, string name)
    {
        var problem = FormReader.Read(Encoding.ASCII.GetBytes(text), new Dictionary<string, string>(StringComparer.Ordinal));

        Assert.NotNull(problem);
        Assert.False(problem.Malformed);
        Assert.Contains(name, problem.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("MessageBody=%80")]
    [InlineData("MessageBody=ok%C3")]
    [InlineData("MessageBody=%ED%A0%80")]
    [InlineData("%FF=x")]
    public void Bytes_that_are_not_utf8_are_refused_not_replaced(string text)
    {
        var problem = FormReader.Read(Encoding.ASCII.GetBytes(text), new Dictionary<string, string>(StringComparer.Ordinal));

        Assert.NotNull(problem);
        Assert.False(problem.Malformed);
        Assert.Contains("UTF-8", problem.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a=%zz")]
    [InlineData("a=%4")]
    [InlineData("%=x")]
    public void A_malformed_percent_escape_is_malformed(string text)
    {
        var problem = FormReader.Read(Encoding.ASCII.GetBytes(text), new Dictionary<string, string>(StringComparer.Ordinal));

        Assert.True(problem?.Malformed);
    }

    [Fact]
    public void Raw_utf8_in_a_body_is_read_as_is()
    {
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);

        Assert.Null(FormReader.Read("Body=田中"u8, parameters));
        Assert.Equal("田中", parameters["Body"]);
    }

    [Fact]
    public void Lists_maps_and_structures_are_numbered_from_one()
    {
        var input = Input("AttributeName.1=All&AttributeName.2=Policy&Attribute.1.Name=VisibilityTimeout&Attribute.1.Value=40"
            + "&Entry.1.Id=a&Entry.1.Body=x&Entry.2.Id=b&MessageAttribute.1.Name=n&MessageAttribute.1.Value.DataType=String"
            + "&MessageAttribute.1.Value.StringValue=v&Count=12&Flag=true&Data=aGk%3D&At=2020-01-02T03%3A04%3A05Z");

        Assert.Equal(["All", "Policy"], input.List("AttributeName", "AttributeNames")!);
        Assert.Equal([KeyValuePair.Create("VisibilityTimeout", "40")], input.Map("Attribute", "Name", "Value", "Attributes")!);
        Assert.Equal(["a", "b"], input.Structures("Entry", "Entries")!.Select(e => e.String("Id")));
        var attribute = Assert.Single(input.StructureMap("MessageAttribute", "Name", "Value", "MessageAttributes")!);
        Assert.Equal(("n", "String", "v"), (attribute.Key, attribute.Value.String("DataType"), attribute.Value.String("StringValue")));
        Assert.Equal(12, input.Long("Count"));
        Assert.True(input.Bool("Flag"));
        Assert.Equal("hi"u8.ToArray(), input.Blob("Data"));
        Assert.Equal(new DateTimeOffset(2020, 1, 2, 3, 4, 5, TimeSpan.Zero), input.Timestamp("At"));
        Assert.Null(input.List("Missing", "Missing"));
    }

    [Fact]
    public void Maps_may_use_the_member_name_as_some_clients_do()
    {
        var input = Input("Attributes.1.Name=DelaySeconds&Attributes.1.Value=3");

        Assert.Equal([KeyValuePair.Create("DelaySeconds", "3")], input.Map("Attribute", "Name", "Value", "Attributes")!);
    }

    [Fact]
    public void An_entry_without_its_key_is_refused_not_dropped()
    {
        var error = Assert.Throws<AwsException>(() => Input("MessageAttribute.1.Value.DataType=String")
            .StructureMap("MessageAttribute", "Name", "Value", "MessageAttributes"));

        Assert.Same(Errors.MissingParameter, error.Error);
        Assert.Contains("MessageAttribute.1.Name", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("AttributeName.2=Policy")]
    [InlineData("AttributeName.1=All&AttributeName.3=Policy")]
    public void A_list_with_a_gap_is_refused(string text)
    {
        Assert.Same(Errors.InvalidParameterValue, Assert.Throws<AwsException>(() => Input(text).List("AttributeName", "AttributeNames")).Error);
    }

    [Theory]
    [InlineData("Count=12x")]
    [InlineData("Count=")]
    [InlineData("Flag=yes")]
    [InlineData("Data=***")]
    [InlineData("At=yesterday")]
    public void Values_that_do_not_parse_are_refused(string text)
    {
        var input = Input(text);

        Assert.Throws<AwsException>(() => (object?)input.Long("Count") ?? (object?)input.Bool("Flag") ?? (object?)input.Blob("Data") ?? input.Timestamp("At"));
    }
}
