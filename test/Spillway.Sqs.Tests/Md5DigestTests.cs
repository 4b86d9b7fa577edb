using System.Text;
using Spillway.Messaging;
using Spillway.Sqs.Internal;

namespace Spillway.Sqs.Tests;

/// <summary>The digests clients verify, against the reference vectors (aws-md5-of-message-attributes, big-endian lengths).</summary>
public sealed class Md5DigestTests
{
    private static readonly KeyValuePair<string, MessageAttributeValue> StringAttribute =
        new("attribName1", new MessageAttributeValue("String", "attribValue 1"));

    private static readonly KeyValuePair<string, MessageAttributeValue> NumberAttribute =
        new("customNumberTypeAttrib", new MessageAttributeValue("Number.float", "4563442423554324324264524243.32543234"));

    private static readonly KeyValuePair<string, MessageAttributeValue> BinaryAttribute =
        new("binaryAttribute", new MessageAttributeValue("Binary", null, Encoding.UTF8.GetBytes("Hello binary world!")));

    [Fact]
    public void String_attribute_matches_the_reference_vector() =>
        Assert.Equal("19e27d4e946b072f3f58da80d94fd778", Md5Digests.OfAttributes([StringAttribute]));

    [Fact]
    public void Number_attribute_with_a_custom_type_matches_the_reference_vector() =>
        Assert.Equal("9fe1b90bbd9965bdf77bac517c7d2495", Md5Digests.OfAttributes([NumberAttribute]));

    [Fact]
    public void Binary_attribute_matches_the_reference_vector() =>
        Assert.Equal("31a92b15d92f8db860eda32aceb656c3", Md5Digests.OfAttributes([BinaryAttribute]));

    [Fact]
    public void All_three_attributes_sorted_by_name_match_the_reference_vector() =>
        Assert.Equal(
            "c932db14a896c663f83c260297d594ff",
            Md5Digests.OfAttributes(Md5Digests.Sorted([StringAttribute, NumberAttribute, BinaryAttribute])));

    [Fact]
    public void Body_digest_is_lowercase_hex_md5_of_the_utf8_body()
    {
        Assert.Equal("5d41402abc4b2a76b9719d911017c592", Md5Digests.OfBody("hello"u8));
        Assert.Equal(
            Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(Encoding.UTF8.GetBytes("田中太郎"))),
            Md5Digests.OfBody(Encoding.UTF8.GetBytes("田中太郎")));
    }

    [Fact]
    public async Task Digests_sent_over_both_protocols_match_the_reference_vectors()
    {
        await using var server = await SqsTestServer.StartAsync();
        var url = await server.CreateQueueAsync("digests");

        var query = await server.QueryAsync(
            "Action", "SendMessage", "QueueUrl", url, "MessageBody", "hello",
            "MessageAttribute.1.Name", "attribName1", "MessageAttribute.1.Value.DataType", "String",
            "MessageAttribute.1.Value.StringValue", "attribValue 1",
            "MessageAttribute.2.Name", "customNumberTypeAttrib", "MessageAttribute.2.Value.DataType", "Number.float",
            "MessageAttribute.2.Value.StringValue", "4563442423554324324264524243.32543234",
            "MessageAttribute.3.Name", "binaryAttribute", "MessageAttribute.3.Value.DataType", "Binary",
            "MessageAttribute.3.Value.BinaryValue", Convert.ToBase64String(Encoding.UTF8.GetBytes("Hello binary world!")));
        query.AssertOk();
        Assert.Equal("5d41402abc4b2a76b9719d911017c592", query.Value("MD5OfMessageBody"));
        Assert.Equal("c932db14a896c663f83c260297d594ff", query.Value("MD5OfMessageAttributes"));

        var json = await server.JsonAsync("SendMessage", new
        {
            QueueUrl = url,
            MessageBody = "hello",
            MessageAttributes = new Dictionary<string, object>
            {
                ["attribName1"] = new { DataType = "String", StringValue = "attribValue 1" },
            },
            MessageSystemAttributes = new Dictionary<string, object>
            {
                ["AWSTraceHeader"] = new { DataType = "String", StringValue = "Root=1-5759e988-bd862e3fe1be46a994272793" },
            },
        });
        json.AssertOk();
        Assert.Equal("19e27d4e946b072f3f58da80d94fd778", json.String("MD5OfMessageAttributes"));
        Assert.Equal(
            Md5Digests.OfAttributes([new("AWSTraceHeader", new MessageAttributeValue("String", "Root=1-5759e988-bd862e3fe1be46a994272793"))]),
            json.String("MD5OfMessageSystemAttributes"));

        // The receive reports the same digests for the same attributes.
        var received = await server.JsonAsync("ReceiveMessage", new { QueueUrl = url, MaxNumberOfMessages = 10, MessageAttributeNames = new[] { "All" } });
        var digests = received.Body.GetProperty("Messages").EnumerateArray().Select(m => m.GetProperty("MD5OfMessageAttributes").GetString()).ToList();
        Assert.Equal(["c932db14a896c663f83c260297d594ff", "19e27d4e946b072f3f58da80d94fd778"], digests);
    }
}
