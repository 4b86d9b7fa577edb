using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Spillway.Messaging;
using Spillway.Processing.Internal;

namespace Spillway.Processing.Tests;

public sealed class BatchResponseTests
{
    [Theory]
    [InlineData("")]
    [InlineData("  \n")]
    [InlineData("null")]
    [InlineData("{}")]
    [InlineData("""{"batchItemFailures":null}""")]
    [InlineData("""{"batchItemFailures":[]}""")]
    public void Empty_or_null_answers_are_full_success(string answer)
    {
        var outcome = BatchResponseReader.Read(Encoding.UTF8.GetBytes(answer), HttpFunctionHandlerTests.Batch("{}"));

        Assert.Empty(outcome.FailedMessageIds);
    }

    [Theory]
    [InlineData("""{"batchItemFailures":[{"itemIdentifier":""}]}""")]
    [InlineData("""{"batchItemFailures":[{"itemIdentifier":null}]}""")]
    [InlineData("""{"batchItemFailures":[{"ItemIdentifier":"x"}]}""")]
    [InlineData("""{"batchItemFailures":[{"itemIdentifier":"6a1f3b9e-2f7c-4c3a-9d6e-1b2c3d4e5f60"}]}""")]
    [InlineData("""{"batchItemFailures":"all"}""")]
    [InlineData("not json")]
    [InlineData("\"ok\"")]
    public void Invalid_answers_fail_the_whole_batch(string answer)
    {
        Assert.Throws<HttpFunctionException>(
            () => BatchResponseReader.Read(Encoding.UTF8.GetBytes(answer), HttpFunctionHandlerTests.Batch("{}")));
    }

    [Fact]
    public void Named_items_fail_and_the_rest_succeed()
    {
        var batch = HttpFunctionHandlerTests.Batch("{}", "{}", "{}");
        var answer = $$"""{"batchItemFailures":[{"itemIdentifier":"{{batch.Messages[2].MessageId}}"}]}""";

        var outcome = BatchResponseReader.Read(Encoding.UTF8.GetBytes(answer), batch);

        Assert.Equal([batch.Messages[2].MessageId], outcome.FailedMessageIds);
    }

    [Fact]
    public void Event_has_the_fields_of_a_lambda_sqs_event()
    {
        var sentAt = new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
        var message = new ReceivedMessage(Guid.NewGuid(), "handle", "test"u8.ToArray(), 3, sentAt, sentAt.AddMilliseconds(2), 7)
        {
            Attributes = new Dictionary<string, MessageAttributeValue> { ["tenant"] = new("String", "acme") },
        };
        var output = new ArrayBufferWriter<byte>();

        SqsEventWriter.Write(output, new MessageBatch("my-queue", [message]), "us-east-2", "123456789012");

        using var document = JsonDocument.Parse(output.WrittenMemory);
        var record = Assert.Single(document.RootElement.GetProperty("Records").EnumerateArray());
        Assert.Equal(message.MessageId.ToString(), record.GetProperty("messageId").GetString());
        Assert.Equal("handle", record.GetProperty("receiptHandle").GetString());
        Assert.Equal("test", record.GetProperty("body").GetString());
        var attributes = record.GetProperty("attributes");
        Assert.Equal("3", attributes.GetProperty("ApproximateReceiveCount").GetString());
        Assert.Equal(sentAt.ToUnixTimeMilliseconds().ToString(), attributes.GetProperty("SentTimestamp").GetString());
        Assert.Equal("123456789012", attributes.GetProperty("SenderId").GetString());
        Assert.Equal((sentAt.ToUnixTimeMilliseconds() + 2).ToString(), attributes.GetProperty("ApproximateFirstReceiveTimestamp").GetString());
        var tenant = record.GetProperty("messageAttributes").GetProperty("tenant");
        Assert.Equal("acme", tenant.GetProperty("stringValue").GetString());
        Assert.Equal("String", tenant.GetProperty("dataType").GetString());
        Assert.Equal("098f6bcd4621d373cade4e832627b4f6", record.GetProperty("md5OfBody").GetString());
        Assert.Equal(Convert.ToHexStringLower(MD5.HashData("test"u8)), record.GetProperty("md5OfBody").GetString());
        Assert.Equal("aws:sqs", record.GetProperty("eventSource").GetString());
        Assert.Equal("arn:aws:sqs:us-east-2:123456789012:my-queue", record.GetProperty("eventSourceARN").GetString());
        Assert.Equal("us-east-2", record.GetProperty("awsRegion").GetString());
    }
}
