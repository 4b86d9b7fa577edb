using System.Formats.Cbor;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using Spillway.Aws.Internal;
using Spillway.Aws.Protocols;

namespace Spillway.Aws.Tests.Protocols;

public sealed class ResponseTests
{
    private const string Namespace = "http://example.com/doc/2020-01-01/";
    private static readonly DateTimeOffset At = DateTimeOffset.FromUnixTimeMilliseconds(1506440188749);

    /// <summary>One answer with every kind of member, described once for all three writers.</summary>
    private static void Describe(AwsResponse response)
    {
        response.Begin("Describe");
        response.String("Name", "a<b>&c\r\n");
        response.Utf8String("Body", "田中 <x>\r"u8);
        response.Number("Count", 42);
        response.Bool("Open", true);
        response.Blob("Data", [1, 2, 3]);
        response.Timestamp("At", At);
        response.BeginStructure("Detail");
        response.String("Kind", "k");
        response.EndStructure("Detail");
        response.BeginList("Urls");
        response.ListString("Url", "u1");
        response.ListString("Url", "u2");
        response.EndList();
        response.BeginList("Topics", "Topics");
        response.BeginItem("member");
        response.String("TopicArn", "t1");
        response.EndItem("member");
        response.EndList("Topics");
        response.BeginMap("Attributes");
        response.MapEntry("Attribute", "Name", "Value", "k", "v");
        response.EndMap();
        response.BeginMap("MessageAttributes");
        response.BeginMapValue("MessageAttribute", "Name", "n", "Value");
        response.String("DataType", "String");
        response.EndMapValue("MessageAttribute", "Value");
        response.EndMap();
        response.End("Describe", "req-1");
    }

    [Fact]
    public void Xml_flattens_or_wraps_lists_escapes_text_and_adds_the_request_id()
    {
        using var buffer = new PooledBuffer();
        var response = new XmlResponse(buffer, Namespace);
        Describe(response);

        var xml = XDocument.Parse(Encoding.UTF8.GetString(buffer.WrittenSpan));
        XNamespace ns = Namespace;
        var result = xml.Root!.Element(ns + "DescribeResult")!;
        Assert.Equal("DescribeResponse", xml.Root.Name.LocalName);
        Assert.Equal("a<b>&c\r\n", result.Element(ns + "Name")!.Value);
        Assert.Equal("田中 <x>\r", result.Element(ns + "Body")!.Value);
        Assert.Equal("42", result.Element(ns + "Count")!.Value);
        Assert.Equal("true", result.Element(ns + "Open")!.Value);
        Assert.Equal("AQID", result.Element(ns + "Data")!.Value);
        Assert.Equal("2017-09-26T15:36:28.749Z", result.Element(ns + "At")!.Value);
        Assert.Equal("k", result.Element(ns + "Detail")!.Element(ns + "Kind")!.Value);
        Assert.Equal(["u1", "u2"], result.Elements(ns + "Url").Select(e => e.Value));
        Assert.Equal("t1", result.Element(ns + "Topics")!.Element(ns + "member")!.Element(ns + "TopicArn")!.Value);
        Assert.Equal("v", result.Element(ns + "Attribute")!.Element(ns + "Value")!.Value);
        Assert.Equal("String", result.Element(ns + "MessageAttribute")!.Element(ns + "Value")!.Element(ns + "DataType")!.Value);
        Assert.Equal("req-1", xml.Root.Element(ns + "ResponseMetadata")!.Element(ns + "RequestId")!.Value);
    }

    [Fact]
    public void Xml_error_is_an_ErrorResponse_with_type_code_message_and_request_id()
    {
        using var buffer = new PooledBuffer();
        var response = new XmlResponse(buffer, Namespace);
        response.Begin("Half");
        response.Error(new AwsError("Broken", 503, senderFault: false), "it <broke>", "req-2");

        var xml = XDocument.Parse(Encoding.UTF8.GetString(buffer.WrittenSpan));
        XNamespace ns = Namespace;
        Assert.Equal(ns + "ErrorResponse", xml.Root!.Name);
        var error = xml.Root.Element(ns + "Error")!;
        Assert.Equal(("Receiver", "Broken", "it <broke>"), (error.Element(ns + "Type")!.Value, error.Element(ns + "Code")!.Value, error.Element(ns + "Message")!.Value));
        Assert.Equal("req-2", xml.Root.Element(ns + "RequestId")!.Value);
    }

    [Fact]
    public void Json_nests_members_and_writes_timestamps_as_plain_epoch_seconds()
    {
        using var buffer = new PooledBuffer();
        var response = new JsonResponse(buffer, "1.1", "com.example#");
        Describe(response);

        var text = Encoding.UTF8.GetString(buffer.WrittenSpan);
        Assert.Contains("\"At\":1506440188.749", text, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(text);
        var root = json.RootElement;
        Assert.Equal("application/x-amz-json-1.1", response.ContentType);
        Assert.Equal("田中 <x>\r", root.GetProperty("Body").GetString());
        Assert.Equal(42, root.GetProperty("Count").GetInt64());
        Assert.Equal("AQID", root.GetProperty("Data").GetString());
        Assert.Equal("k", root.GetProperty("Detail").GetProperty("Kind").GetString());
        Assert.Equal(["u1", "u2"], root.GetProperty("Urls").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("t1", root.GetProperty("Topics")[0].GetProperty("TopicArn").GetString());
        Assert.Equal("v", root.GetProperty("Attributes").GetProperty("k").GetString());
        Assert.Equal("String", root.GetProperty("MessageAttributes").GetProperty("n").GetProperty("DataType").GetString());
    }

    [Fact]
    public void Json_error_has_the_prefixed_type_and_the_message_only()
    {
        using var buffer = new PooledBuffer();
        var response = new JsonResponse(buffer, "1.0", "com.amazonaws.sqs#");
        response.Begin("Half");
        response.String("Partial", "x");
        response.Error(new AwsError("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist", 400), "gone", "req");

        using var json = JsonDocument.Parse(buffer.WrittenMemory);
        Assert.Equal("com.amazonaws.sqs#QueueDoesNotExist", json.RootElement.GetProperty("__type").GetString());
        Assert.Equal("gone", json.RootElement.GetProperty("message").GetString());
        Assert.Equal(2, json.RootElement.EnumerateObject().Count());
    }

    [Fact]
    public void Cbor_nests_members_and_writes_timestamps_as_tag_1_epoch_milliseconds()
    {
        using var buffer = new PooledBuffer();
        var response = new CborResponse(buffer, string.Empty);
        Describe(response);

        var reader = new CborReader(buffer.WrittenMemory);
        var members = new Dictionary<string, object?>();
        reader.ReadStartMap();
        while (reader.PeekState() != CborReaderState.EndMap)
        {
            var name = reader.ReadTextString();
            members[name] = name switch
            {
                "Name" or "Body" => reader.ReadTextString(),
                "Count" => reader.ReadInt64(),
                "Open" => reader.ReadBoolean(),
                "Data" => reader.ReadByteString(),
                "At" => (reader.ReadTag(), reader.ReadInt64()),
                _ => ReadNested(reader),
            };
        }

        reader.ReadEndMap();
        Assert.Equal(0, reader.BytesRemaining);
        Assert.Equal("田中 <x>\r", members["Body"]);
        Assert.Equal(42L, members["Count"]);
        Assert.Equal(new byte[] { 1, 2, 3 }, members["Data"]);
        Assert.Equal((CborTag.UnixTimeSeconds, 1506440188749L), members["At"]);
        Assert.Equal("application/x-amz-cbor-1.1", response.ContentType);
        Assert.Equal(("a<b>&c\r\n", true), (members["Name"], members["Open"]));
        Assert.Equal("k", Member(members["Detail"], "Kind"));
        Assert.Equal(["u1", "u2"], (List<object?>)members["Urls"]!);
        Assert.Equal("t1", Member(((List<object?>)members["Topics"]!)[0], "TopicArn"));
        Assert.Equal("v", Member(members["Attributes"], "k"));
        Assert.Equal("String", Member(Member(members["MessageAttributes"], "n"), "DataType"));
    }

    [Fact]
    public void Cbor_error_is_a_map_of_type_and_message()
    {
        using var buffer = new PooledBuffer();
        var response = new CborResponse(buffer, string.Empty);
        response.Begin("Half");
        response.Error(new AwsError("ResourceNotFoundException", 400), "no stream", "req");

        var reader = new CborReader(buffer.WrittenMemory);
        Assert.Equal(2, reader.ReadStartMap());
        Assert.Equal(("__type", "ResourceNotFoundException"), (reader.ReadTextString(), reader.ReadTextString()));
        Assert.Equal(("message", "no stream"), (reader.ReadTextString(), reader.ReadTextString()));
    }

    /// <summary>A nested map or array as dictionaries and lists of its text strings, so the test can look inside.</summary>
    private static object? ReadNested(CborReader reader)
    {
        switch (reader.PeekState())
        {
            case CborReaderState.StartMap:
                var map = new Dictionary<string, object?>();
                reader.ReadStartMap();
                while (reader.PeekState() != CborReaderState.EndMap)
                {
                    map[reader.ReadTextString()] = ReadNested(reader);
                }

                reader.ReadEndMap();
                return map;
            case CborReaderState.StartArray:
                var list = new List<object?>();
                reader.ReadStartArray();
                while (reader.PeekState() != CborReaderState.EndArray)
                {
                    list.Add(ReadNested(reader));
                }

                reader.ReadEndArray();
                return list;
            default:
                return reader.ReadTextString();
        }
    }

    private static object? Member(object? map, string name) => ((Dictionary<string, object?>)map!)[name];
}
