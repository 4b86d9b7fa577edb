using System.Net;
using System.Text.Json;

namespace Spillway.Sqs.Tests;

/// <summary>Tags, permissions, dead-letter sources and message move tasks.</summary>
public sealed class AdminTests : IAsyncLifetime
{
    private SqsTestServer server = null!;

    public async Task InitializeAsync() => server = await SqsTestServer.StartAsync();

    public async Task DisposeAsync() => await server.DisposeAsync();

    private static string Arn(string queue) => $"arn:aws:sqs:us-east-1:{SqsTestServer.Account}:{queue}";

    [Fact]
    public async Task Tags_are_added_listed_and_removed_in_both_protocols()
    {
        var url = await server.CreateQueueAsync("tagged");
        (await server.QueryAsync("Action", "TagQueue", "QueueUrl", url, "Tag.1.Key", "team", "Tag.1.Value", "billing",
            "Tag.2.Key", "env", "Tag.2.Value", "prod")).AssertOk();
        (await server.JsonAsync("TagQueue", new { QueueUrl = url, Tags = new { owner = "ops" } })).AssertOk();

        var listed = await server.QueryAsync("Action", "ListQueueTags", "QueueUrl", url);
        var tags = listed.Map(listed.Result("ListQueueTags"), "Tag", "Key", "Value");
        Assert.Equal(new Dictionary<string, string> { ["team"] = "billing", ["env"] = "prod", ["owner"] = "ops" }, tags);

        (await server.QueryAsync("Action", "UntagQueue", "QueueUrl", url, "TagKey.1", "env")).AssertOk();
        (await server.JsonAsync("UntagQueue", new { QueueUrl = url, TagKeys = new[] { "owner", "absent" } })).AssertOk();
        var json = await server.JsonAsync("ListQueueTags", new { QueueUrl = url });
        Assert.Equal("billing", json.Body.GetProperty("Tags").GetProperty("team").GetString());
        Assert.Single(json.Body.GetProperty("Tags").EnumerateObject());

        (await server.JsonAsync("TagQueue", new { QueueUrl = url, Tags = new Dictionary<string, string> { ["aws:reserved"] = "x" } }))
            .AssertError(HttpStatusCode.BadRequest, "InvalidParameterValue", "InvalidParameterValue");
        (await server.JsonAsync("TagQueue", new { QueueUrl = url }))
            .AssertError(HttpStatusCode.BadRequest, "MissingParameter", "MissingParameter");
        (await server.JsonAsync("UntagQueue", new { QueueUrl = url }))
            .AssertError(HttpStatusCode.BadRequest, "MissingParameter", "MissingParameter");
    }

    [Fact]
    public async Task Permissions_are_stored_as_a_policy_and_validated()
    {
        var url = await server.CreateQueueAsync("shared");
        (await server.QueryAsync("Action", "AddPermission", "QueueUrl", url, "Label", "senders",
            "AWSAccountId.1", "111122223333", "ActionName.1", "SendMessage", "ActionName.2", "GetQueueUrl")).AssertOk();

        var attributes = await server.JsonAsync("GetQueueAttributes", new { QueueUrl = url, AttributeNames = new[] { "Policy" } });
        using (var policy = JsonDocument.Parse(attributes.Body.GetProperty("Attributes").GetProperty("Policy").GetString()!))
        {
            var statement = policy.RootElement.GetProperty("Statement")[0];
            Assert.Equal("senders", statement.GetProperty("Sid").GetString());
            // One value is written as a string, several as an array, as SQS writes its policies.
            Assert.Equal("arn:aws:iam::111122223333:root", statement.GetProperty("Principal").GetProperty("AWS").GetString());
            Assert.Equal(["SQS:SendMessage", "SQS:GetQueueUrl"], statement.GetProperty("Action").EnumerateArray().Select(a => a.GetString()));
            Assert.Equal(Arn("shared"), statement.GetProperty("Resource").GetString());
        }

        (await server.QueryAsync("Action", "AddPermission", "QueueUrl", url, "Label", "everything",
            "AWSAccountId.1", "111122223333", "AWSAccountId.2", "444455556666", "ActionName.1", "*")).AssertOk();
        var both = await server.JsonAsync("GetQueueAttributes", new { QueueUrl = url, AttributeNames = new[] { "Policy" } });
        using (var policy = JsonDocument.Parse(both.Body.GetProperty("Attributes").GetProperty("Policy").GetString()!))
        {
            var statement = policy.RootElement.GetProperty("Statement")[1];
            Assert.Equal("SQS:*", statement.GetProperty("Action").GetString());
            Assert.Equal(
                ["arn:aws:iam::111122223333:root", "arn:aws:iam::444455556666:root"],
                statement.GetProperty("Principal").GetProperty("AWS").EnumerateArray().Select(a => a.GetString()));
        }

        (await server.JsonAsync("AddPermission",
            new { QueueUrl = url, Label = "senders", AWSAccountIds = new[] { "111122223333" }, Actions = new[] { "ReceiveMessage" } }))
            .AssertError(HttpStatusCode.BadRequest, "InvalidParameterValue", "InvalidParameterValue");
        (await server.JsonAsync("AddPermission", new
        {
            QueueUrl = url,
            Label = "many",
            AWSAccountIds = new[] { "111122223333" },
            Actions = new[] { "ReceiveMessage", "DeleteMessage", "ChangeMessageVisibility", "GetQueueAttributes", "PurgeQueue", "ListDeadLetterSourceQueues" },
        })).AssertError(HttpStatusCode.Forbidden, "OverLimit", "OverLimit");
        (await server.JsonAsync("AddPermission",
            new { QueueUrl = url, Label = "x", AWSAccountIds = new[] { "111122223333" }, Actions = new[] { "Explode" } }))
            .AssertError(HttpStatusCode.BadRequest, "InvalidParameterValue", "InvalidParameterValue");
        (await server.JsonAsync("AddPermission", new { QueueUrl = url, Label = "x", Actions = new[] { "SendMessage" } }))
            .AssertError(HttpStatusCode.BadRequest, "MissingParameter", "MissingParameter");

        await server.RestartAsync();
        (await server.JsonAsync("RemovePermission", new { QueueUrl = url, Label = "senders" })).AssertOk();
        (await server.JsonAsync("RemovePermission", new { QueueUrl = url, Label = "everything" })).AssertOk();
        var after = await server.JsonAsync("GetQueueAttributes", new { QueueUrl = url, AttributeNames = new[] { "Policy" } });
        Assert.False(after.Body.TryGetProperty("Attributes", out var map) && map.TryGetProperty("Policy", out _));
        (await server.QueryAsync("Action", "RemovePermission", "QueueUrl", url, "Label", "senders"))
            .AssertError(HttpStatusCode.BadRequest, "InvalidParameterValue");
    }

    [Fact]
    public async Task Dead_letter_sources_are_listed_with_pagination()
    {
        var dlq = await server.CreateQueueAsync("dlq");
        foreach (var name in new[] { "src-a", "src-b", "src-c" })
        {
            await server.CreateQueueAsync(name,
                new() { ["RedrivePolicy"] = $"{{\"deadLetterTargetArn\":\"{Arn("dlq")}\",\"maxReceiveCount\":3}}" });
        }

        await server.CreateQueueAsync("unrelated");
        var query = await server.QueryAsync("Action", "ListDeadLetterSourceQueues", "QueueUrl", dlq);
        Assert.Equal(new[] { "src-a", "src-b", "src-c" }.Select(server.QueueUrl), query.Values("QueueUrl"));

        var page = await server.JsonAsync("ListDeadLetterSourceQueues", new { QueueUrl = dlq, MaxResults = 2 });
        Assert.Equal(2, page.Body.GetProperty("queueUrls").GetArrayLength());
        var rest = await server.JsonAsync("ListDeadLetterSourceQueues",
            new { QueueUrl = dlq, MaxResults = 2, NextToken = page.String("NextToken") });
        Assert.Equal(server.QueueUrl("src-c"), Assert.Single(rest.Body.GetProperty("queueUrls").EnumerateArray()).GetString());
        Assert.Null(rest.String("NextToken"));
    }

    [Fact]
    public async Task A_move_task_returns_dead_letters_to_their_source()
    {
        await server.CreateQueueAsync("work-dlq");
        var work = await server.CreateQueueAsync("work", new()
        {
            ["RedrivePolicy"] = $"{{\"deadLetterTargetArn\":\"{Arn("work-dlq")}\",\"maxReceiveCount\":1}}",
        });
        (await server.JsonAsync("SendMessage", new { QueueUrl = work, MessageBody = "poison" })).AssertOk();
        (await server.JsonAsync("ReceiveMessage", new { QueueUrl = work, VisibilityTimeout = 0 })).AssertOk();
        var second = await server.JsonAsync("ReceiveMessage", new { QueueUrl = work });
        Assert.False(second.Body.TryGetProperty("Messages", out _));
        Assert.True(server.Engine.TryGetQueue("work-dlq", out var dlq));
        Assert.Equal(1, dlq.GetCounts().Visible);

        var started = await server.QueryAsync("Action", "StartMessageMoveTask", "SourceArn", Arn("work-dlq"));
        started.AssertOk();
        Assert.False(string.IsNullOrEmpty(started.Value("TaskHandle")));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        JsonElement task;
        do
        {
            var listed = await server.JsonAsync("ListMessageMoveTasks", new { SourceArn = Arn("work-dlq"), MaxResults = 10 });
            task = listed.Body.GetProperty("Results")[0];
        }
        while (task.GetProperty("Status").GetString() == "RUNNING" && DateTime.UtcNow < deadline && await Task.Delay(10).ContinueWith(_ => true));

        Assert.Equal("COMPLETED", task.GetProperty("Status").GetString());
        Assert.Equal(1, task.GetProperty("ApproximateNumberOfMessagesMoved").GetInt64());
        Assert.Equal(Arn("work-dlq"), task.GetProperty("SourceArn").GetString());
        Assert.True(server.Engine.TryGetQueue("work", out var source));
        Assert.Equal(1, source.GetCounts().Visible);
        var xml = await server.QueryAsync("Action", "ListMessageMoveTasks", "SourceArn", Arn("work-dlq"));
        Assert.Equal("COMPLETED", xml.Result("ListMessageMoveTasks").Element(QueryAnswer.Sqs + "ListMessageMoveTasksResultEntry")!
            .Element(QueryAnswer.Sqs + "Status")!.Value);
    }

    [Fact]
    public async Task A_rate_limited_move_task_can_be_cancelled()
    {
        await server.CreateQueueAsync("slow-dlq");
        await server.CreateQueueAsync("slow",
            new() { ["RedrivePolicy"] = $"{{\"deadLetterTargetArn\":\"{Arn("slow-dlq")}\",\"maxReceiveCount\":1}}" });
        var destination = await server.CreateQueueAsync("elsewhere");
        Assert.True(server.Engine.TryGetQueue("slow-dlq", out var dlq));
        await dlq.SendBatchAsync([.. Enumerable.Range(0, 5).Select(i => new Spillway.Messaging.OutgoingMessage(new byte[] { (byte)'a' }))]);

        var started = await server.JsonAsync("StartMessageMoveTask", new
        {
            SourceArn = Arn("slow-dlq"),
            DestinationArn = Arn("elsewhere"),
            MaxNumberOfMessagesPerSecond = 1,
        });
        started.AssertOk();
        (await server.JsonAsync("StartMessageMoveTask", new { SourceArn = Arn("slow-dlq") }))
            .AssertError(HttpStatusCode.BadRequest, "UnsupportedOperation", "AWS.SimpleQueueService.UnsupportedOperation");

        var cancelled = await server.JsonAsync("CancelMessageMoveTask", new { TaskHandle = started.String("TaskHandle") });
        cancelled.AssertOk();
        Assert.True(cancelled.Body.GetProperty("ApproximateNumberOfMessagesMoved").GetInt64() < 5);
        var listed = await server.JsonAsync("ListMessageMoveTasks", new { SourceArn = Arn("slow-dlq") });
        var task = Assert.Single(listed.Body.GetProperty("Results").EnumerateArray());
        Assert.Equal("CANCELLED", task.GetProperty("Status").GetString());
        Assert.Equal(Arn("elsewhere"), task.GetProperty("DestinationArn").GetString());
        Assert.Equal(1, task.GetProperty("MaxNumberOfMessagesPerSecond").GetInt32());
        Assert.NotNull(destination);
    }

    [Fact]
    public async Task Move_task_errors_are_SQS_errors()
    {
        await server.CreateQueueAsync("plain");
        (await server.JsonAsync("StartMessageMoveTask", new { SourceArn = Arn("ghost") }))
            .AssertError(HttpStatusCode.NotFound, "ResourceNotFoundException", "ResourceNotFoundException");
        (await server.JsonAsync("StartMessageMoveTask", new { SourceArn = "not-an-arn" }))
            .AssertError(HttpStatusCode.BadRequest, "InvalidParameterValue", "InvalidParameterValue");
        (await server.JsonAsync("StartMessageMoveTask", new { SourceArn = Arn("plain") }))
            .AssertError(HttpStatusCode.BadRequest, "InvalidParameterValue", "InvalidParameterValue");
        (await server.JsonAsync("StartMessageMoveTask", new { }))
            .AssertError(HttpStatusCode.BadRequest, "MissingParameter", "MissingParameter");
        (await server.JsonAsync("CancelMessageMoveTask", new { TaskHandle = "nope" }))
            .AssertError(HttpStatusCode.NotFound, "ResourceNotFoundException", "ResourceNotFoundException");
        (await server.JsonAsync("ListMessageMoveTasks", new { SourceArn = Arn("plain"), MaxResults = 11 }))
            .AssertError(HttpStatusCode.BadRequest, "InvalidParameterValue", "InvalidParameterValue");
        var none = await server.JsonAsync("ListMessageMoveTasks", new { SourceArn = Arn("plain") });
        Assert.Equal(0, none.Body.GetProperty("Results").GetArrayLength());
    }
}
