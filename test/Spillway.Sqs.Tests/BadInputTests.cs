using System.Net;
using System.Text;

namespace Spillway.Sqs.Tests;

/// <summary>What a hostile or careless client sends: each is refused with SQS's 4xx and changes nothing.</summary>
public sealed class BadInputTests : IAsyncLifetime
{
    private SqsTestServer server = null!;
    private string url = null!;

    public async Task InitializeAsync()
    {
        server = await SqsTestServer.StartAsync();
        url = await server.CreateQueueAsync("target");
    }

    public async Task DisposeAsync() => await server.DisposeAsync();

    [Fact]
    public async Task A_repeated_Action_is_refused_and_runs_nothing()
    {
        var form = $"Action=ListQueues&Action=DeleteQueue&QueueUrl={Uri.EscapeDataString(url)}&Version=2012-11-05";
        var answer = await PostFormAsync("/", form);

        answer.AssertError(HttpStatusCode.BadRequest, "InvalidParameterValue");
        Assert.Contains("Action", answer.Value("Message"), StringComparison.Ordinal);
        Assert.True(server.Engine.TryGetQueue("target", out _));

        using var response = await server.Client.PostAsync(
            "/?Action=DeleteQueue&QueueUrl=" + Uri.EscapeDataString(url),
            new StringContent("Action=ListQueues", Encoding.UTF8, "application/x-www-form-urlencoded"));
        (await QueryAnswer.ReadAsync(response)).AssertError(HttpStatusCode.BadRequest, "InvalidParameterValue");
        Assert.True(server.Engine.TryGetQueue("target", out _));
    }

    [Theory]
    [InlineData("%80")]
    [InlineData("%E2%82")]
    [InlineData("%ED%A0%80")]
    [InlineData("ok%C3")]
    public async Task Invalid_utf8_in_a_query_MessageBody_is_refused_not_replaced(string body)
    {
        var answer = await PostFormAsync("/", $"Action=SendMessage&QueueUrl={Uri.EscapeDataString(url)}&MessageBody={body}");

        answer.AssertError(HttpStatusCode.BadRequest, "InvalidParameterValue");
        Assert.Contains("MessageBody", answer.Value("Message"), StringComparison.Ordinal);
        Assert.True(server.Engine.TryGetQueue("target", out var queue));
        Assert.Equal(0, queue.GetCounts().Visible);
    }

    [Fact]
    public async Task A_message_attribute_without_a_name_is_refused_not_dropped()
    {
        var answer = await server.QueryAsync("Action", "SendMessage", "QueueUrl", url, "MessageBody", "x",
            "MessageAttribute.1.Value.DataType", "String", "MessageAttribute.1.Value.StringValue", "v");

        answer.AssertError(HttpStatusCode.BadRequest, "MissingParameter");
        Assert.Contains("MessageAttribute.1.Name", answer.Value("Message"), StringComparison.Ordinal);
        var gap = await server.QueryAsync("Action", "SendMessage", "QueueUrl", url, "MessageBody", "x",
            "MessageAttribute.1.Name", "a", "MessageAttribute.1.Value.DataType", "String", "MessageAttribute.1.Value.StringValue", "v",
            "MessageAttribute.3.Name", "c", "MessageAttribute.3.Value.DataType", "String", "MessageAttribute.3.Value.StringValue", "v");
        gap.AssertError(HttpStatusCode.BadRequest, "InvalidParameterValue");
        Assert.True(server.Engine.TryGetQueue("target", out var queue));
        Assert.Equal(0, queue.GetCounts().Visible);
    }

    [Fact]
    public async Task A_Number_attribute_is_at_most_38_significant_digits()
    {
        static object Number(string value) =>
            new Dictionary<string, object> { ["n"] = new { DataType = "Number", StringValue = value } };

        (await server.JsonAsync("SendMessage", new { QueueUrl = url, MessageBody = "x", MessageAttributes = Number(new string('9', 38)) }))
            .AssertOk();
        (await server.JsonAsync("SendMessage", new { QueueUrl = url, MessageBody = "x", MessageAttributes = Number("-000" + new string('1', 38)) }))
            .AssertOk();
        (await server.JsonAsync("SendMessage", new { QueueUrl = url, MessageBody = "x", MessageAttributes = Number(new string('9', 39)) }))
            .AssertError(HttpStatusCode.BadRequest, "InvalidParameterValue", "InvalidParameterValue");
        (await server.JsonAsync("SendMessage", new { QueueUrl = url, MessageBody = "x", MessageAttributes = Number(new string('1', 400)) }))
            .AssertError(HttpStatusCode.BadRequest, "InvalidParameterValue", "InvalidParameterValue");
        Assert.True(server.Engine.TryGetQueue("target", out var queue));
        Assert.Equal(2, queue.GetCounts().Visible);
    }

    [Fact]
    public async Task DeleteMessage_with_another_queues_receipt_handle_is_ReceiptHandleIsInvalid()
    {
        var other = await server.CreateQueueAsync("other");
        (await server.JsonAsync("SendMessage", new { QueueUrl = url, MessageBody = "keep me" })).AssertOk();
        var received = await server.JsonAsync("ReceiveMessage", new { QueueUrl = url, VisibilityTimeout = 0 });
        var handle = received.Body.GetProperty("Messages")[0].GetProperty("ReceiptHandle").GetString()!;

        (await server.JsonAsync("DeleteMessage", new { QueueUrl = other, ReceiptHandle = handle }))
            .AssertError(HttpStatusCode.NotFound, "ReceiptHandleIsInvalid", "ReceiptHandleIsInvalid");
        var batch = await server.JsonAsync("DeleteMessageBatch",
            new { QueueUrl = other, Entries = new[] { new { Id = "a", ReceiptHandle = handle } } });
        Assert.Equal("ReceiptHandleIsInvalid", batch.Body.GetProperty("Failed")[0].GetProperty("Code").GetString());
        (await server.JsonAsync("ChangeMessageVisibility", new { QueueUrl = other, ReceiptHandle = handle, VisibilityTimeout = 60 }))
            .AssertError(HttpStatusCode.NotFound, "ReceiptHandleIsInvalid", "ReceiptHandleIsInvalid");

        Assert.True(server.Engine.TryGetQueue("target", out var queue));
        Assert.Equal(1, queue.GetCounts().Visible);
        (await server.JsonAsync("DeleteMessage", new { QueueUrl = url, ReceiptHandle = handle })).AssertOk();
    }

    [Fact]
    public async Task A_move_task_between_a_standard_and_a_FIFO_queue_is_a_400()
    {
        await server.CreateQueueAsync("dlq");
        var arn = $"arn:aws:sqs:us-east-1:{SqsTestServer.Account}:";
        await server.CreateQueueAsync("source", new()
        {
            ["RedrivePolicy"] = $$"""{"deadLetterTargetArn":"{{arn}}dlq","maxReceiveCount":"1"}""",
        });
        await server.CreateQueueAsync("elsewhere.fifo", new() { ["FifoQueue"] = "true" });

        var answer = await server.JsonAsync("StartMessageMoveTask",
            new { SourceArn = arn + "dlq", DestinationArn = arn + "elsewhere.fifo" });

        answer.AssertError(HttpStatusCode.BadRequest, "InvalidParameterValue", "InvalidParameterValue");
        Assert.Contains("FIFO", answer.String("message"), StringComparison.Ordinal);
        var tasks = await server.JsonAsync("ListMessageMoveTasks", new { SourceArn = arn + "dlq" });
        Assert.Equal(0, tasks.Body.GetProperty("Results").GetArrayLength());
    }

    private async Task<QueryAnswer> PostFormAsync(string path, string form)
    {
        using var content = new StringContent(form, Encoding.ASCII, "application/x-www-form-urlencoded");
        using var response = await server.Client.PostAsync(path, content);
        return await QueryAnswer.ReadAsync(response);
    }
}
