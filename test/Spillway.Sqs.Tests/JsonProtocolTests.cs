using System.Net;
using System.Text;
using System.Text.Json;

namespace Spillway.Sqs.Tests;

/// <summary>The JSON 1.0 protocol as current SDKs speak it: X-Amz-Target: AmazonSQS.*, JSON in and out.</summary>
public sealed class JsonProtocolTests : IAsyncLifetime
{
    private SqsTestServer server = null!;

    public async Task InitializeAsync() => server = await SqsTestServer.StartAsync();

    public async Task DisposeAsync() => await server.DisposeAsync();

    [Fact]
    public async Task Create_send_receive_delete_round_trip()
    {
        var created = await server.JsonAsync("CreateQueue", new
        {
            QueueName = "orders",
            Attributes = new { DelaySeconds = "0" },
            tags = new { team = "billing" },
        });
        created.AssertOk();
        Assert.Equal("application/x-amz-json-1.0", created.ContentType);
        var url = created.String("QueueUrl")!;
        Assert.Equal(server.QueueUrl("orders"), url);

        var sent = await server.JsonAsync("SendMessage", new
        {
            QueueUrl = url,
            MessageBody = "{\"name\":\"田中太郎\"}",
            MessageAttributes = new Dictionary<string, object> { ["kind"] = new { DataType = "String", StringValue = "user" } },
        });
        sent.AssertOk();

        var received = await server.JsonAsync("ReceiveMessage", new
        {
            QueueUrl = url,
            MaxNumberOfMessages = 10,
            MessageSystemAttributeNames = new[] { "ApproximateReceiveCount" },
            MessageAttributeNames = new[] { "kind" },
        });
        received.AssertOk();
        var message = received.Body.GetProperty("Messages")[0];
        Assert.Equal(sent.String("MessageId"), message.GetProperty("MessageId").GetString());
        Assert.Equal("{\"name\":\"田中太郎\"}", message.GetProperty("Body").GetString());
        Assert.Equal("1", message.GetProperty("Attributes").GetProperty("ApproximateReceiveCount").GetString());
        Assert.Single(message.GetProperty("Attributes").EnumerateObject());
        Assert.Equal("user", message.GetProperty("MessageAttributes").GetProperty("kind").GetProperty("StringValue").GetString());
        Assert.Equal(sent.String("MD5OfMessageAttributes"), message.GetProperty("MD5OfMessageAttributes").GetString());

        var deleted = await server.JsonAsync("DeleteMessage",
            new { QueueUrl = url, ReceiptHandle = message.GetProperty("ReceiptHandle").GetString() });
        deleted.AssertOk();
        Assert.Equal(string.Empty, deleted.RawBody);

        var empty = await server.JsonAsync("ReceiveMessage", new { QueueUrl = url });
        empty.AssertOk();
        Assert.False(empty.Body.TryGetProperty("Messages", out _));
    }

    [Fact]
    public async Task Errors_carry_type_message_and_the_query_error_header()
    {
        var missing = await server.JsonAsync("GetQueueUrl", new { QueueName = "nope" });
        missing.AssertError(HttpStatusCode.BadRequest, "QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue");
        Assert.Equal("The specified queue does not exist.", missing.String("message"));

        var exists = await server.CreateQueueAsync("taken", new() { ["VisibilityTimeout"] = "30" });
        var conflict = await server.JsonAsync("CreateQueue", new { QueueName = "taken", Attributes = new { VisibilityTimeout = "31" } });
        conflict.AssertError(HttpStatusCode.BadRequest, "QueueNameExists", "QueueAlreadyExists");
        Assert.NotNull(exists);
    }

    [Fact]
    public async Task Malformed_json_or_unknown_target_is_refused_without_a_500()
    {
        var malformed = await server.JsonAsync("ListQueues", "{\"QueueNamePrefix\":");
        malformed.AssertError(HttpStatusCode.BadRequest, "InvalidParameterValue", "InvalidParameterValue");

        var notObject = await server.JsonAsync("ListQueues", "[1,2]");
        notObject.AssertError(HttpStatusCode.BadRequest, "InvalidParameterValue", "InvalidParameterValue");

        var unknown = await server.JsonAsync("LaunchRocket", new { });
        unknown.AssertError(HttpStatusCode.BadRequest, "InvalidAction", "InvalidAction");

        // A target no service serves gets the JSON protocol's error, in no service's shape.
        using var request = new HttpRequestMessage(HttpMethod.Post, "/");
        request.Headers.Add("X-Amz-Target", "AmazonS3.ListBuckets");
        request.Content = new StringContent("{}", Encoding.UTF8);
        using var response = await server.Client.SendAsync(request);
        var unrouted = await JsonAnswer.ReadAsync(response);
        Assert.Equal(HttpStatusCode.BadRequest, unrouted.Status);
        Assert.Equal("UnknownOperationException", unrouted.String("__type"));
        Assert.Null(unrouted.QueryError);

        var url = await server.CreateQueueAsync("x");
        var wrongType = await server.JsonAsync("ReceiveMessage", new { QueueUrl = url, MaxNumberOfMessages = new[] { 1 } });
        wrongType.AssertError(HttpStatusCode.BadRequest, "InvalidParameterValue", "InvalidParameterValue");
    }

    [Fact]
    public async Task Empty_json_body_is_an_empty_request()
    {
        var answer = await server.JsonAsync("ListQueues", string.Empty);
        answer.AssertOk();
        Assert.False(answer.Body.TryGetProperty("QueueUrls", out _));
    }

    [Fact]
    public async Task Numbers_must_be_json_numbers_and_strings_json_strings()
    {
        var url = await server.CreateQueueAsync("numbers");
        for (var i = 0; i < 3; i++)
        {
            (await server.JsonAsync("SendMessage", new { QueueUrl = url, MessageBody = "m" + i })).AssertOk();
        }

        var asNumber = await server.JsonAsync("ReceiveMessage", new { QueueUrl = url, MaxNumberOfMessages = 2 });
        Assert.Equal(2, asNumber.Body.GetProperty("Messages").GetArrayLength());

        var asString = await server.JsonAsync("ReceiveMessage", "{\"QueueUrl\":\"" + url + "\",\"MaxNumberOfMessages\":\"5\"}");
        asString.AssertError(HttpStatusCode.BadRequest, "InvalidParameterValue", "InvalidParameterValue");
        Assert.Contains("MaxNumberOfMessages", asString.String("message"), StringComparison.Ordinal);

        // SQS refuses a number where a string belongs: no queue named "5".
        var numberName = await server.JsonAsync("CreateQueue", "{\"QueueName\":5}");
        numberName.AssertError(HttpStatusCode.BadRequest, "InvalidParameterValue", "InvalidParameterValue");
        Assert.Contains("QueueName", numberName.String("message"), StringComparison.Ordinal);
        Assert.False(server.Engine.TryGetQueue("5", out _));
        (await server.JsonAsync("SendMessage", new { QueueUrl = url, MessageBody = 12 }))
            .AssertError(HttpStatusCode.BadRequest, "InvalidParameterValue", "InvalidParameterValue");
    }

    [Theory]
    [InlineData("QueueUrl")]
    [InlineData("MessageBody")]
    [InlineData("MessageGroupId")]
    public async Task Invalid_utf8_or_a_lone_surrogate_in_a_string_member_is_a_400(string member)
    {
        var url = await server.CreateQueueAsync("text");
        var fields = new Dictionary<string, string> { ["QueueUrl"] = "\"" + url + "\"", ["MessageBody"] = "\"ok\"" };
        foreach (var bad in new[] { "\"a\\ud800b\"", "\"\\udc00\"" })
        {
            fields[member] = bad;
            var json = "{" + string.Join(",", fields.Select(f => $"\"{f.Key}\":{f.Value}")) + "}";
            (await server.JsonAsync("SendMessage", json)).AssertError(HttpStatusCode.BadRequest, "InvalidParameterValue", "InvalidParameterValue");
        }

        // Raw bytes that are not UTF-8 (a lone continuation byte, a truncated sequence), in a value and in a member name.
        foreach (var bytes in new[] { new byte[] { 0x80 }, [0xE2, 0x82], [0xED, 0xA0, 0x80] })
        {
            var prefix = Encoding.UTF8.GetBytes($"{{\"QueueUrl\":\"{url}\",\"MessageBody\":\"ok\",\"{member}x\":\"");
            await SendRawAsync([.. prefix, .. bytes, .. "\"}"u8]);
            var inName = Encoding.UTF8.GetBytes($"{{\"QueueUrl\":\"{url}\",\"MessageBody\":\"ok\",\"");
            await SendRawAsync([.. inName, .. bytes, .. "\":\"x\"}"u8]);
        }

        Assert.True(server.Engine.TryGetQueue("text", out var queue));
        Assert.Equal(0, queue.GetCounts().Visible);
    }

    [Fact]
    public async Task Duplicate_keys_are_refused()
    {
        var url = await server.CreateQueueAsync("dupes");
        var answer = await server.JsonAsync("SendMessage", $"{{\"QueueUrl\":\"{url}\",\"MessageBody\":\"a\",\"MessageBody\":\"b\"}}");
        answer.AssertError(HttpStatusCode.BadRequest, "InvalidParameterValue", "InvalidParameterValue");
        Assert.True(server.Engine.TryGetQueue("dupes", out var queue));
        Assert.Equal(0, queue.GetCounts().Visible);
    }

    private async Task SendRawAsync(byte[] body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/");
        request.Headers.Add("X-Amz-Target", "AmazonSQS.SendMessage");
        request.Content = new ByteArrayContent(body);
        request.Content.Headers.ContentType = new("application/x-amz-json-1.0");
        using var response = await server.Client.SendAsync(request);
        (await JsonAnswer.ReadAsync(response)).AssertError(HttpStatusCode.BadRequest, "InvalidParameterValue", "InvalidParameterValue");
    }
}
