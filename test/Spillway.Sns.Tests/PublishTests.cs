using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;

namespace Spillway.Sns.Tests;

public sealed class PublishTests : IAsyncLifetime
{
    private SnsTestServer server = null!;

    public async Task InitializeAsync() => server = await SnsTestServer.StartAsync();

    public async Task DisposeAsync()
    {
        await server.DisposeAsync();
        server.Delete();
    }

    [Theory]
    [InlineData("1")]
    [InlineData("2")]
    public async Task Envelope_carries_snss_fields_and_a_signature_the_served_certificate_verifies(string signatureVersion)
    {
        var topic = await server.CreateTopicAsync("orders", ("SignatureVersion", signatureVersion));
        await server.SubscribeQueueAsync(topic, "billing");
        var published = await server.CallAsync(
            "Publish", ("TopicArn", topic), ("Message", "order 42 ✓"), ("Subject", "New order"),
            ("MessageAttributes.entry.1.Name", "kind"), ("MessageAttributes.entry.1.Value.DataType", "String"),
            ("MessageAttributes.entry.1.Value.StringValue", "retail"),
            ("MessageAttributes.entry.2.Name", "blob"), ("MessageAttributes.entry.2.Value.DataType", "Binary"),
            ("MessageAttributes.entry.2.Value.BinaryValue", Convert.ToBase64String([1, 2, 255])));
        published.AssertOk();

        var body = Encoding.UTF8.GetString((await server.DrainAsync("billing")).Single().Body.Span);
        var envelope = JsonDocument.Parse(body).RootElement;
        Assert.Equal("Notification", envelope.GetProperty("Type").GetString());
        Assert.Equal(published.Value("MessageId"), envelope.GetProperty("MessageId").GetString());
        Assert.Equal(topic, envelope.GetProperty("TopicArn").GetString());
        Assert.Equal("New order", envelope.GetProperty("Subject").GetString());
        Assert.Equal("order 42 ✓", envelope.GetProperty("Message").GetString());
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", envelope.GetProperty("Timestamp").GetString());
        Assert.Equal(signatureVersion, envelope.GetProperty("SignatureVersion").GetString());
        Assert.Equal("retail", envelope.GetProperty("MessageAttributes").GetProperty("kind").GetProperty("Value").GetString());
        Assert.Equal("Binary", envelope.GetProperty("MessageAttributes").GetProperty("blob").GetProperty("Type").GetString());
        Assert.Equal("AQL/", envelope.GetProperty("MessageAttributes").GetProperty("blob").GetProperty("Value").GetString());
        Assert.False(envelope.TryGetProperty("SequenceNumber", out _));

        // As a receiver does: fetch the certificate from SigningCertURL and check the signature over SNS's string to sign.
        var certificateUrl = new Uri(envelope.GetProperty("SigningCertURL").GetString()!);
        Assert.Equal(server.Client.BaseAddress!.Authority, certificateUrl.Authority);
        using var certificate = X509Certificate2.CreateFromPem(await server.Client.GetStringAsync(certificateUrl.PathAndQuery));
        using var key = certificate.GetRSAPublicKey()!;
        var stringToSign = string.Concat(
            new[] { "Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type" }.Select(k => $"{k}\n{envelope.GetProperty(k).GetString()}\n"));
        var signature = Convert.FromBase64String(envelope.GetProperty("Signature").GetString()!);
        var hash = signatureVersion == "1" ? HashAlgorithmName.SHA1 : HashAlgorithmName.SHA256;
        Assert.True(key.VerifyData(Encoding.UTF8.GetBytes(stringToSign), signature, hash, RSASignaturePadding.Pkcs1));
        Assert.False(key.VerifyData(Encoding.UTF8.GetBytes(stringToSign.Replace("order 42", "order 43", StringComparison.Ordinal)), signature, hash, RSASignaturePadding.Pkcs1));
    }

    [Fact]
    public async Task Raw_delivery_sends_the_body_as_is_with_the_attributes_as_queue_message_attributes()
    {
        var topic = await server.CreateTopicAsync("orders");
        await server.SubscribeQueueAsync(topic, "raw", ("RawMessageDelivery", "true"));
        (await server.CallAsync(
            "Publish", ("TopicArn", topic), ("Message", "{\"id\":7}"),
            ("MessageAttributes.entry.1.Name", "price"), ("MessageAttributes.entry.1.Value.DataType", "Number"),
            ("MessageAttributes.entry.1.Value.StringValue", "12.5"))).AssertOk();

        var message = (await server.DrainAsync("raw")).Single();
        Assert.Equal("{\"id\":7}", Encoding.UTF8.GetString(message.Body.Span));
        Assert.Equal("Number", message.Attributes["price"].DataType);
        Assert.Equal("12.5", message.Attributes["price"].StringValue);
    }

    [Fact]
    public async Task MessageStructure_json_gives_a_queue_its_sqs_entry_and_otherwise_the_default()
    {
        var topic = await server.CreateTopicAsync("orders");
        await server.SubscribeQueueAsync(topic, "raw", ("RawMessageDelivery", "true"));
        (await server.CallAsync("Publish", ("TopicArn", topic), ("MessageStructure", "json"), ("Message", "{\"default\":\"all\",\"sqs\":\"queues\"}"))).AssertOk();
        (await server.CallAsync("Publish", ("TopicArn", topic), ("MessageStructure", "json"), ("Message", "{\"default\":\"all\",\"email\":\"mail\"}"))).AssertOk();
        (await server.CallAsync("Publish", ("TopicArn", topic), ("MessageStructure", "json"), ("Message", "{\"sqs\":\"queues\"}")))
            .AssertError(HttpStatusCode.BadRequest, "InvalidParameter");

        Assert.Equal(["queues", "all"], (await server.DrainAsync("raw")).Select(m => Encoding.UTF8.GetString(m.Body.Span)));
    }

    [Fact]
    public async Task Fifo_topic_answers_sequence_numbers_keeps_group_order_in_every_queue_and_drops_duplicates()
    {
        var topic = await server.CreateTopicAsync("orders.fifo", ("FifoTopic", "true"));
        string[] queues = ["a.fifo", "b.fifo", "c.fifo"];
        foreach (var queue in queues)
        {
            await server.SubscribeQueueAsync(topic, queue, ("RawMessageDelivery", "true"));
        }

        var sequenceNumbers = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var answer = await server.CallAsync(
                "Publish", ("TopicArn", topic), ("Message", $"m{i}"), ("MessageGroupId", "g"), ("MessageDeduplicationId", $"d{i}"));
            answer.AssertOk();
            sequenceNumbers.Add(answer.Value("SequenceNumber"));
        }

        var repeated = await server.CallAsync("Publish", ("TopicArn", topic), ("Message", "m0 again"), ("MessageGroupId", "g"), ("MessageDeduplicationId", "d0"));
        Assert.Equal(sequenceNumbers[0], repeated.Value("SequenceNumber"));
        Assert.Equal(sequenceNumbers.Order(StringComparer.Ordinal), sequenceNumbers);
        (await server.CallAsync("Publish", ("TopicArn", topic), ("Message", "no group"), ("MessageDeduplicationId", "x")))
            .AssertError(HttpStatusCode.BadRequest, "InvalidParameter");

        foreach (var queue in queues)
        {
            Assert.Equal(["m0", "m1", "m2", "m3", "m4"], (await server.DrainAsync(queue)).Select(m => Encoding.UTF8.GetString(m.Body.Span)));
        }
    }

    [Fact]
    public async Task PublishBatch_answers_each_entry_and_refuses_batches_snS_refuses()
    {
        var topic = await server.CreateTopicAsync("orders");
        await server.SubscribeQueueAsync(topic, "raw", ("RawMessageDelivery", "true"));
        var answer = await server.CallAsync(
            "PublishBatch", ("TopicArn", topic),
            ("PublishBatchRequestEntries.member.1.Id", "ok"), ("PublishBatchRequestEntries.member.1.Message", "first"),
            ("PublishBatchRequestEntries.member.2.Id", "bad"), ("PublishBatchRequestEntries.member.2.Message", "second"),
            ("PublishBatchRequestEntries.member.2.MessageAttributes.entry.1.Name", "n"),
            ("PublishBatchRequestEntries.member.2.MessageAttributes.entry.1.Value.DataType", "Number"),
            ("PublishBatchRequestEntries.member.2.MessageAttributes.entry.1.Value.StringValue", "many"),
            ("PublishBatchRequestEntries.member.3.Id", "ok2"), ("PublishBatchRequestEntries.member.3.Message", "third"));
        answer.AssertOk();
        Assert.Equal(["ok", "ok2", "bad"], answer.Values("Id"));
        Assert.Equal("ParameterValueInvalid", answer.Value("Code"));
        Assert.Equal("true", answer.Value("SenderFault"));
        Assert.Equal(["first", "third"], (await server.DrainAsync("raw")).Select(m => Encoding.UTF8.GetString(m.Body.Span)));

        var eleven = Enumerable.Range(1, 11).SelectMany(i => new[]
        {
            ($"PublishBatchRequestEntries.member.{i}.Id", $"e{i}"), ($"PublishBatchRequestEntries.member.{i}.Message", "x"),
        }).Prepend(("TopicArn", topic)).ToArray();
        (await server.CallAsync("PublishBatch", eleven)).AssertError(HttpStatusCode.BadRequest, "TooManyEntriesInBatchRequest");
        (await server.CallAsync("PublishBatch", ("TopicArn", topic))).AssertError(HttpStatusCode.BadRequest, "EmptyBatchRequest");
        (await server.CallAsync("PublishBatch", ("TopicArn", topic),
            ("PublishBatchRequestEntries.member.1.Id", "same"), ("PublishBatchRequestEntries.member.1.Message", "x"),
            ("PublishBatchRequestEntries.member.2.Id", "same"), ("PublishBatchRequestEntries.member.2.Message", "y")))
            .AssertError(HttpStatusCode.BadRequest, "BatchEntryIdsNotDistinct");
        (await server.CallAsync("PublishBatch", ("TopicArn", topic),
            ("PublishBatchRequestEntries.member.1.Id", new string('i', 81)), ("PublishBatchRequestEntries.member.1.Message", "x")))
            .AssertError(HttpStatusCode.BadRequest, "InvalidBatchEntryId");
        (await server.CallAsync("PublishBatch", ("TopicArn", topic),
            ("PublishBatchRequestEntries.member.1.Id", "a"), ("PublishBatchRequestEntries.member.1.Message", new string('x', 200_000)),
            ("PublishBatchRequestEntries.member.2.Id", "b"), ("PublishBatchRequestEntries.member.2.Message", new string('x', 100_000))))
            .AssertError(HttpStatusCode.BadRequest, "BatchRequestTooLong");
    }

    [Theory]
    [InlineData("String", null, "ParameterValueInvalid")]
    [InlineData("Number", "12a", "ParameterValueInvalid")]
    [InlineData("String.Array", "not an array", "ParameterValueInvalid")]
    [InlineData("Decimal", "1", "ParameterValueInvalid")]
    public async Task Message_attributes_are_checked_per_data_type(string type, string? value, string code)
    {
        var topic = await server.CreateTopicAsync("orders");
        var parameters = new List<(string, string)>
        {
            ("TopicArn", topic), ("Message", "m"), ("MessageAttributes.entry.1.Name", "a"), ("MessageAttributes.entry.1.Value.DataType", type),
        };
        if (value is not null)
        {
            parameters.Add(("MessageAttributes.entry.1.Value.StringValue", value));
        }

        (await server.CallAsync("Publish", [.. parameters])).AssertError(HttpStatusCode.BadRequest, code);
    }

    [Fact]
    public async Task Bad_publishes_get_snss_errors_and_store_nothing()
    {
        var topic = await server.CreateTopicAsync("orders");
        await server.SubscribeQueueAsync(topic, "raw", ("RawMessageDelivery", "true"));

        (await server.CallAsync("Publish", ("TopicArn", SnsTestServer.TopicArn("missing")), ("Message", "m"))).AssertError(HttpStatusCode.NotFound, "NotFound");
        (await server.CallAsync("Publish", ("TopicArn", "not-an-arn"), ("Message", "m"))).AssertError(HttpStatusCode.BadRequest, "InvalidParameter");
        (await server.CallAsync("Publish", ("TopicArn", topic), ("Message", ""))).AssertError(HttpStatusCode.BadRequest, "InvalidParameter");
        var tooLong = await server.CallAsync("Publish", ("TopicArn", topic), ("Message", new string('x', 256 * 1024 + 1)));
        Assert.Contains("Message too long", tooLong.AssertError(HttpStatusCode.BadRequest, "InvalidParameter"), StringComparison.Ordinal);
        (await server.CallAsync("Publish", ("TopicArn", topic), ("Message", "m"), ("MessageGroupId", "g")))
            .AssertError(HttpStatusCode.BadRequest, "InvalidParameter");
        (await server.CallAsync("Publish", ("TopicArn", topic), ("Message", "m"), ("Subject", "line\nbreak")))
            .AssertError(HttpStatusCode.BadRequest, "InvalidParameter");

        Assert.Empty(await server.DrainAsync("raw"));
    }

    [Fact]
    public async Task Target_arn_publishes_like_topic_arn()
    {
        var topic = await server.CreateTopicAsync("orders");
        await server.SubscribeQueueAsync(topic, "raw", ("RawMessageDelivery", "true"));
        (await server.CallAsync("Publish", ("TargetArn", topic), ("Message", "via target"))).AssertOk();
        Assert.Equal("via target", Encoding.UTF8.GetString((await server.DrainAsync("raw")).Single().Body.Span));
    }
}
