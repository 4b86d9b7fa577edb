using System.Net;
using System.Text.Json;

namespace Spillway.Sqs.Tests;

/// <summary>Sending, receiving, deleting and visibility of single messages, with SQS's validation.</summary>
public sealed class MessageTests : IAsyncLifetime
{
    private SqsTestServer server = null!;
    private string url = null!;

    public async Task InitializeAsync()
    {
        server = await SqsTestServer.StartAsync();
        url = await server.CreateQueueAsync("messages", new() { ["MaximumMessageSize"] = "2048" });
    }

    public async Task DisposeAsync() => await server.DisposeAsync();

    [Theory]
    [InlineData("\u0001")]
    [InlineData("ok\u0008")]
    [InlineData("\uFFFE")]
    [InlineData("ends \uFFFF")]
    public async Task Bodies_with_characters_outside_the_allowed_set_are_InvalidMessageContents(string body)
    {
        var answer = await server.JsonAsync("SendMessage", new { QueueUrl = url, MessageBody = body });
        answer.AssertError(HttpStatusCode.BadRequest, "InvalidMessageContents", "InvalidMessageContents");
        Assert.True(server.Engine.TryGetQueue("messages", out var queue));
        Assert.Equal(0, queue.GetCounts().Visible);
    }

    [Fact]
    public async Task Unescaped_utf8_in_a_json_body_is_checked_and_kept_exactly()
    {
        var refused = await server.JsonAsync("SendMessage", "{\"QueueUrl\":\"" + url + "\",\"MessageBody\":\"bad \uFFFF\"}");
        refused.AssertError(HttpStatusCode.BadRequest, "InvalidMessageContents", "InvalidMessageContents");

        const string body = "田中太郎 😀 tab\t";
        var sent = await server.JsonAsync("SendMessage", "{\"QueueUrl\":\"" + url + "\",\"MessageBody\":\"田中太郎 😀 tab\\t\"}");
        sent.AssertOk();
        Assert.Equal(Spillway.Sqs.Internal.Md5Digests.OfBody(System.Text.Encoding.UTF8.GetBytes(body)), sent.String("MD5OfMessageBody"));
        var received = await ReceiveOneAsync();
        Assert.Equal(body, received!.Value.GetProperty("Body").GetString());
    }

    [Fact]
    public async Task Size_counts_the_body_and_the_attributes_against_the_queue_maximum()
    {
        (await server.JsonAsync("SendMessage", new { QueueUrl = url, MessageBody = new string('x', 2048) })).AssertOk();
        (await server.JsonAsync("SendMessage", new { QueueUrl = url, MessageBody = new string('x', 2049) }))
            .AssertError(HttpStatusCode.BadRequest, "InvalidParameterValue", "InvalidParameterValue");
        var withAttribute = await server.JsonAsync("SendMessage", new
        {
            QueueUrl = url,
            MessageBody = new string('x', 2030),
            MessageAttributes = new Dictionary<string, object> { ["name"] = new { DataType = "String", StringValue = "0123456789" } },
        });
        withAttribute.AssertError(HttpStatusCode.BadRequest, "InvalidParameterValue", "InvalidParameterValue");
        (await server.JsonAsync("SendMessage", new { QueueUrl = url, MessageBody = "" }))
            .AssertError(HttpStatusCode.BadRequest, "MissingParameter", "MissingParameter");
    }

    [Fact]
    public async Task Message_attributes_are_checked_as_SQS_does()
    {
        async Task Refused(object attributes)
        {
            var answer = await server.JsonAsync("SendMessage", new { QueueUrl = url, MessageBody = "b", MessageAttributes = attributes });
            answer.AssertError(HttpStatusCode.BadRequest, "InvalidParameterValue", "InvalidParameterValue");
        }

        await Refused(Enumerable.Range(0, 11).ToDictionary(i => "a" + i, _ => (object)new { DataType = "String", StringValue = "v" }));
        await Refused(new Dictionary<string, object> { ["AWS.reserved"] = new { DataType = "String", StringValue = "v" } });
        await Refused(new Dictionary<string, object> { ["bad name"] = new { DataType = "String", StringValue = "v" } });
        await Refused(new Dictionary<string, object> { ["n"] = new { DataType = "Float", StringValue = "1" } });
        await Refused(new Dictionary<string, object> { ["n"] = new { DataType = "Number", StringValue = "one" } });
        await Refused(new Dictionary<string, object> { ["n"] = new { DataType = "String", StringValue = "" } });
        await Refused(new Dictionary<string, object> { ["n"] = new { DataType = "Binary", StringValue = "x" } });
        await Refused(new Dictionary<string, object> { ["n"] = new { StringValue = "x" } });
        await Refused(new Dictionary<string, object> { ["n"] = new { DataType = "String", StringListValues = new[] { "a" } } });

        var accepted = await server.JsonAsync("SendMessage", new
        {
            QueueUrl = url,
            MessageBody = "b",
            MessageAttributes = new Dictionary<string, object>
            {
                ["price"] = new { DataType = "Number", StringValue = "-12.5e3" },
                ["id.custom"] = new { DataType = "String.uuid", StringValue = "abc" },
                ["blob"] = new { DataType = "Binary", BinaryValue = Convert.ToBase64String([0, 1, 2]) },
            },
        });
        accepted.AssertOk();
    }

    [Fact]
    public async Task Receive_returns_only_the_message_attributes_asked_for()
    {
        (await server.JsonAsync("SendMessage", new
        {
            QueueUrl = url,
            MessageBody = "b",
            MessageAttributes = new Dictionary<string, object>
            {
                ["trace.id"] = new { DataType = "String", StringValue = "1" },
                ["trace.span"] = new { DataType = "String", StringValue = "2" },
                ["other"] = new { DataType = "String", StringValue = "3" },
            },
        })).AssertOk();

        var received = await server.QueryAsync("Action", "ReceiveMessage", "QueueUrl", url, "MessageAttributeName.1", "trace.*");
        var message = received.Result("ReceiveMessage").Element(QueryAnswer.Sqs + "Message")!;
        var names = message.Elements(QueryAnswer.Sqs + "MessageAttribute").Select(a => a.Element(QueryAnswer.Sqs + "Name")!.Value).ToList();
        Assert.Equal(["trace.id", "trace.span"], names);
        var value = message.Elements(QueryAnswer.Sqs + "MessageAttribute").First().Element(QueryAnswer.Sqs + "Value")!;
        Assert.Equal("String", value.Element(QueryAnswer.Sqs + "DataType")!.Value);
        Assert.Equal("1", value.Element(QueryAnswer.Sqs + "StringValue")!.Value);
        Assert.NotNull(message.Element(QueryAnswer.Sqs + "MD5OfMessageAttributes"));
        Assert.Null(message.Element(QueryAnswer.Sqs + "Attribute"));
    }

    [Fact]
    public async Task Receive_parameters_out_of_range_are_InvalidParameterValue()
    {
        foreach (var (name, value) in new[] { ("MaxNumberOfMessages", 0), ("MaxNumberOfMessages", 11), ("WaitTimeSeconds", 21), ("VisibilityTimeout", 43201) })
        {
            var answer = await server.JsonAsync("ReceiveMessage", new Dictionary<string, object> { ["QueueUrl"] = url, [name] = value });
            answer.AssertError(HttpStatusCode.BadRequest, "InvalidParameterValue", "InvalidParameterValue");
        }

        (await server.JsonAsync("SendMessage", new { QueueUrl = url, MessageBody = "b", DelaySeconds = 901 }))
            .AssertError(HttpStatusCode.BadRequest, "InvalidParameterValue", "InvalidParameterValue");
    }

    [Fact]
    public async Task A_received_message_reappears_after_its_visibility_timeout_and_its_old_handle_still_deletes_nothing_new()
    {
        (await server.JsonAsync("SendMessage", new { QueueUrl = url, MessageBody = "again" })).AssertOk();
        var first = await ReceiveOneAsync(visibility: 10);
        Assert.Null(await ReceiveOneAsync());

        server.Clock.Advance(TimeSpan.FromSeconds(10));
        var second = await ReceiveOneAsync();
        Assert.NotNull(second);
        Assert.Equal("2", second.Value.GetProperty("Attributes").GetProperty("ApproximateReceiveCount").GetString());
        Assert.NotEqual(first!.Value.GetProperty("ReceiptHandle").GetString(), second.Value.GetProperty("ReceiptHandle").GetString());

        // A stale handle succeeds without deleting (as SQS); the latest one deletes.
        (await server.JsonAsync("DeleteMessage",
            new { QueueUrl = url, ReceiptHandle = first.Value.GetProperty("ReceiptHandle").GetString() })).AssertOk();
        Assert.True(server.Engine.TryGetQueue("messages", out var queue));
        Assert.Equal(1, queue.GetCounts().InFlight);
        (await server.JsonAsync("DeleteMessage",
            new { QueueUrl = url, ReceiptHandle = second.Value.GetProperty("ReceiptHandle").GetString() })).AssertOk();
        Assert.Equal(0, queue.GetCounts().InFlight);
    }

    [Fact]
    public async Task ChangeMessageVisibility_hides_or_releases_an_in_flight_message()
    {
        (await server.JsonAsync("SendMessage", new { QueueUrl = url, MessageBody = "vis" })).AssertOk();
        var message = await ReceiveOneAsync(visibility: 30);
        var handle = message!.Value.GetProperty("ReceiptHandle").GetString()!;

        (await server.QueryAsync("Action",
            "ChangeMessageVisibility", "QueueUrl", url, "ReceiptHandle", handle, "VisibilityTimeout", "0")).AssertOk();
        var again = await ReceiveOneAsync(visibility: 30);
        Assert.NotNull(again);

        var newHandle = again.Value.GetProperty("ReceiptHandle").GetString()!;
        (await server.JsonAsync("ChangeMessageVisibility",
            new { QueueUrl = url, ReceiptHandle = newHandle, VisibilityTimeout = 100 })).AssertOk();
        server.Clock.Advance(TimeSpan.FromSeconds(99));
        Assert.Null(await ReceiveOneAsync());
        server.Clock.Advance(TimeSpan.FromSeconds(1));
        var third = await ReceiveOneAsync(visibility: 30);
        Assert.NotNull(third);

        // SQS accepts the handle of an earlier receive of a message received again, and changes the message.
        (await server.JsonAsync("ChangeMessageVisibility", new { QueueUrl = url, ReceiptHandle = newHandle, VisibilityTimeout = 0 }))
            .AssertOk();
        Assert.NotNull(await ReceiveOneAsync(visibility: 0));

        // Visible again, the message is not in flight: no handle changes it.
        (await server.JsonAsync("ChangeMessageVisibility", new { QueueUrl = url, ReceiptHandle = newHandle, VisibilityTimeout = 5 }))
            .AssertError(HttpStatusCode.BadRequest, "MessageNotInflight", "AWS.SimpleQueueService.MessageNotInflight");
        (await server.JsonAsync("ChangeMessageVisibility", new { QueueUrl = url, ReceiptHandle = "garbage", VisibilityTimeout = 5 }))
            .AssertError(HttpStatusCode.NotFound, "ReceiptHandleIsInvalid", "ReceiptHandleIsInvalid");
        (await server.JsonAsync("ChangeMessageVisibility", new { QueueUrl = url, ReceiptHandle = newHandle, VisibilityTimeout = 43201 }))
            .AssertError(HttpStatusCode.BadRequest, "InvalidParameterValue", "InvalidParameterValue");
        (await server.JsonAsync("ChangeMessageVisibility", new { QueueUrl = url, ReceiptHandle = newHandle }))
            .AssertError(HttpStatusCode.BadRequest, "MissingParameter", "MissingParameter");
    }

    [Fact]
    public async Task DeleteMessage_with_a_malformed_handle_is_ReceiptHandleIsInvalid()
    {
        (await server.QueryAsync("Action", "DeleteMessage", "QueueUrl", url, "ReceiptHandle", "not-a-handle"))
            .AssertError(HttpStatusCode.NotFound, "ReceiptHandleIsInvalid");
        (await server.QueryAsync("Action", "DeleteMessage", "QueueUrl", url))
            .AssertError(HttpStatusCode.BadRequest, "MissingParameter");
    }

    [Fact]
    public async Task A_long_poll_returns_as_soon_as_a_message_arrives()
    {
        var poll = server.JsonAsync("ReceiveMessage", new { QueueUrl = url, WaitTimeSeconds = 20 });
        (await server.JsonAsync("SendMessage", new { QueueUrl = url, MessageBody = "arrived" })).AssertOk();
        var answer = await poll.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("arrived", answer.Body.GetProperty("Messages")[0].GetProperty("Body").GetString());
    }

    [Fact]
    public async Task A_long_poll_returns_empty_once_its_wait_time_passes()
    {
        var poll = server.QueryAsync("Action", "ReceiveMessage", "QueueUrl", url, "WaitTimeSeconds", "5");
        while (!poll.IsCompleted)
        {
            // The engine arms its wait on the manual clock; advancing past it ends the poll.
            server.Clock.Advance(TimeSpan.FromSeconds(1));
            await Task.WhenAny(poll, Task.Delay(10));
        }

        var answer = await poll;
        answer.AssertOk();
        Assert.Empty(answer.Values("Message"));
    }

    [Fact]
    public async Task A_delayed_message_becomes_visible_after_its_delay()
    {
        (await server.QueryAsync("Action", "SendMessage", "QueueUrl", url, "MessageBody", "later", "DelaySeconds", "30")).AssertOk();
        Assert.Null(await ReceiveOneAsync());
        var counts = await server.JsonAsync("GetQueueAttributes",
            new { QueueUrl = url, AttributeNames = new[] { "ApproximateNumberOfMessagesDelayed" } });
        Assert.Equal("1", counts.Body.GetProperty("Attributes").GetProperty("ApproximateNumberOfMessagesDelayed").GetString());
        server.Clock.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal("later", (await ReceiveOneAsync())!.Value.GetProperty("Body").GetString());
    }

    [Fact]
    public async Task AWSTraceHeader_is_returned_when_it_was_sent()
    {
        const string trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1";
        var userAttributes = Enumerable.Range(0, 10).ToDictionary(i => "a" + i, i => (object)new { DataType = "String", StringValue = "v" });
        (await server.JsonAsync("SendMessage", new
        {
            QueueUrl = url,
            MessageBody = "traced",
            MessageAttributes = userAttributes,
            MessageSystemAttributes = new Dictionary<string, object> { ["AWSTraceHeader"] = new { DataType = "String", StringValue = trace } },
        })).AssertOk();
        (await server.QueryAsync("Action", "SendMessage", "QueueUrl", url, "MessageBody", "untraced")).AssertOk();

        var json = await server.JsonAsync("ReceiveMessage", new
        {
            QueueUrl = url, MaxNumberOfMessages = 10, VisibilityTimeout = 0, MessageSystemAttributeNames = new[] { "AWSTraceHeader" },
            MessageAttributeNames = new[] { "All" },
        });
        var messages = json.Body.GetProperty("Messages").EnumerateArray().ToDictionary(m => m.GetProperty("Body").GetString()!);
        Assert.Equal(trace, messages["traced"].GetProperty("Attributes").GetProperty("AWSTraceHeader").GetString());
        Assert.Equal(10, messages["traced"].GetProperty("MessageAttributes").EnumerateObject().Count());
        Assert.False(messages["untraced"].TryGetProperty("Attributes", out var none) && none.TryGetProperty("AWSTraceHeader", out _));

        var query = await server.QueryAsync("Action", "ReceiveMessage", "QueueUrl", url, "MaxNumberOfMessages", "10", "AttributeName.1", "All");
        var traced = query.Xml.Descendants(QueryAnswer.Sqs + "Message")
            .Single(m => m.Element(QueryAnswer.Sqs + "Body")!.Value == "traced");
        Assert.Equal(trace, query.Map(traced, "Attribute")["AWSTraceHeader"]);
    }

    private async Task<JsonElement?> ReceiveOneAsync(int? visibility = null)
    {
        var answer = visibility is { } seconds
            ? await server.JsonAsync("ReceiveMessage",
                new { QueueUrl = url, VisibilityTimeout = seconds, AttributeNames = new[] { "All" } })
            : await server.JsonAsync("ReceiveMessage", new { QueueUrl = url, AttributeNames = new[] { "All" } });
        answer.AssertOk();
        return answer.Body.TryGetProperty("Messages", out var messages) ? messages[0] : null;
    }
}
