using System.Net;
using System.Text;
using Spillway.Sqs.Internal;

namespace Spillway.Sqs.Tests;

/// <summary>The query protocol as Debian's aws CLI 2.9 and boto3 1.26 speak it: form-encoded Action=…, XML answers.</summary>
public sealed class QueryProtocolTests : IAsyncLifetime
{
    private SqsTestServer server = null!;

    public async Task InitializeAsync() => server = await SqsTestServer.StartAsync();

    public async Task DisposeAsync() => await server.DisposeAsync();

    [Fact]
    public async Task Create_send_receive_delete_round_trip_with_SQS_element_names()
    {
        var created = await server.QueryAsync("Action", "CreateQueue", "QueueName", "orders", "Attribute.1.Name", "VisibilityTimeout",
            "Attribute.1.Value", "40", "Tag.1.Key", "team", "Tag.1.Value", "billing");
        created.AssertOk();
        Assert.Equal("CreateQueueResponse", created.Xml.Root!.Name.LocalName);
        Assert.Equal(QueryAnswer.Sqs, created.Xml.Root.Name.Namespace);
        var url = created.Result("CreateQueue").Element(QueryAnswer.Sqs + "QueueUrl")!.Value;
        Assert.Equal(server.QueueUrl("orders"), url);
        var requestId = created.Xml.Root.Element(QueryAnswer.Sqs + "ResponseMetadata")!.Element(QueryAnswer.Sqs + "RequestId")!.Value;
        Assert.Equal(created.RequestIdHeader, requestId);
        Assert.Equal("text/xml", created.ContentType);

        var looked = await server.QueryAsync("Action", "GetQueueUrl", "QueueName", "orders");
        Assert.Equal(url, looked.Value("QueueUrl"));

        var sent = await server.QueryAsync("Action", "SendMessage", "QueueUrl", url, "MessageBody", "test");
        sent.AssertOk();
        Assert.Equal("098f6bcd4621d373cade4e832627b4f6", sent.Value("MD5OfMessageBody"));
        var messageId = sent.Value("MessageId");
        Assert.True(Guid.TryParse(messageId, out _));

        var received = await server.QueryAsync("Action", "ReceiveMessage", "QueueUrl", url, "AttributeName.1", "All");
        received.AssertOk();
        var message = received.Result("ReceiveMessage").Element(QueryAnswer.Sqs + "Message")!;
        Assert.Equal(messageId, message.Element(QueryAnswer.Sqs + "MessageId")!.Value);
        Assert.Equal("test", message.Element(QueryAnswer.Sqs + "Body")!.Value);
        Assert.Equal("098f6bcd4621d373cade4e832627b4f6", message.Element(QueryAnswer.Sqs + "MD5OfBody")!.Value);
        var attributes = received.Map(message, "Attribute");
        Assert.Equal("1", attributes["ApproximateReceiveCount"]);
        Assert.Equal(server.Clock.GetUtcNow().ToUnixTimeMilliseconds().ToString(), attributes["SentTimestamp"]);
        Assert.Equal(SqsTestServer.Account, attributes["SenderId"]);

        var handle = message.Element(QueryAnswer.Sqs + "ReceiptHandle")!.Value;
        var deleted = await server.QueryAsync("Action", "DeleteMessage", "QueueUrl", url, "ReceiptHandle", handle);
        deleted.AssertOk();
        Assert.Equal("DeleteMessageResponse", deleted.Xml.Root!.Name.LocalName);
        Assert.NotNull(deleted.Value("RequestId"));
        Assert.True(server.Engine.TryGetQueue("orders", out var queue));
        Assert.Equal(0, queue.GetCounts().InFlight + queue.GetCounts().Visible);
        Assert.Equal("billing", queue.Definition.Tags["team"]);
        Assert.Equal(TimeSpan.FromSeconds(40), queue.Definition.VisibilityTimeout);
    }

    [Fact]
    public async Task Get_with_the_action_in_the_query_string_is_answered()
    {
        await server.CreateQueueAsync("via-get");
        using var response = await server.Client.GetAsync("/?Action=GetQueueUrl&QueueName=via-get&Version=2012-11-05");
        var answer = await QueryAnswer.ReadAsync(response);
        answer.AssertOk();
        Assert.Equal(server.QueueUrl("via-get"), answer.Value("QueueUrl"));
    }

    [Fact]
    public async Task Queue_url_path_names_the_queue_when_QueueUrl_is_absent()
    {
        await server.CreateQueueAsync("by-path");
        var sent = await server.QueryAtAsync($"/{SqsTestServer.Account}/by-path/", "Action", "SendMessage", "MessageBody", "x");
        sent.AssertOk();
        Assert.True(server.Engine.TryGetQueue("by-path", out var queue));
        Assert.Equal(1, queue.GetCounts().Visible);
    }

    [Fact]
    public async Task Markup_and_carriage_returns_in_a_body_round_trip_through_the_xml()
    {
        var url = await server.CreateQueueAsync("markup");
        const string body = "line1\r\nline2\r<tag attr=\"v\">&amp;</tag> 田中 😀";
        var sent = await server.QueryAsync("Action", "SendMessage", "QueueUrl", url, "MessageBody", body);
        var received = await server.QueryAsync("Action", "ReceiveMessage", "QueueUrl", url);
        Assert.Equal(body, received.Value("Body"));
        Assert.Equal(Md5Digests.OfBody(Encoding.UTF8.GetBytes(body)), received.Value("MD5OfBody"));
        Assert.Equal(sent.Value("MD5OfMessageBody"), received.Value("MD5OfBody"));
    }

    [Fact]
    public async Task Unknown_or_missing_action_is_InvalidAction()
    {
        (await server.QueryAsync("Action", "LaunchRocket")).AssertError(HttpStatusCode.BadRequest, "InvalidAction");
        (await server.QueryAsync("QueueName", "x")).AssertError(HttpStatusCode.BadRequest, "InvalidAction");
    }

    [Fact]
    public async Task Malformed_percent_escape_is_MalformedQueryString()
    {
        using var content = new StringContent("Action=ListQueues&QueueNamePrefix=%zz", Encoding.UTF8, "application/x-www-form-urlencoded");
        using var response = await server.Client.PostAsync("/", content);
        (await QueryAnswer.ReadAsync(response)).AssertError(HttpStatusCode.NotFound, "MalformedQueryString");
    }

    [Fact]
    public async Task Missing_queue_is_NonExistentQueue_with_status_400()
    {
        (await server.QueryAsync("Action", "GetQueueUrl", "QueueName", "nope"))
            .AssertError(HttpStatusCode.BadRequest, "AWS.SimpleQueueService.NonExistentQueue");
        (await server.QueryAsync("Action", "SendMessage", "QueueUrl", server.QueueUrl("nope"), "MessageBody", "x"))
            .AssertError(HttpStatusCode.BadRequest, "AWS.SimpleQueueService.NonExistentQueue");
        (await server.QueryAsync("Action", "SendMessage", "MessageBody", "x"))
            .AssertError(HttpStatusCode.BadRequest, "MissingParameter");
    }
}
