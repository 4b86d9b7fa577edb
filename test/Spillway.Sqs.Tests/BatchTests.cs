using System.Net;
using System.Text.Json;

namespace Spillway.Sqs.Tests;

/// <summary>SendMessageBatch, DeleteMessageBatch and ChangeMessageVisibilityBatch: limits, ids and partial failures.</summary>
public sealed class BatchTests : IAsyncLifetime
{
    private SqsTestServer server = null!;
    private string url = null!;

    public async Task InitializeAsync()
    {
        server = await SqsTestServer.StartAsync();
        url = await server.CreateQueueAsync("batches");
    }

    public async Task DisposeAsync() => await server.DisposeAsync();

    [Fact]
    public async Task Batch_requests_are_refused_whole_for_bad_entry_lists()
    {
        foreach (var action in new[] { "SendMessageBatch", "DeleteMessageBatch", "ChangeMessageVisibilityBatch" })
        {
            object Entry(string id) => new { Id = id, MessageBody = "b", ReceiptHandle = "AAAAAAAAAAAAAAAAAAAAAA", VisibilityTimeout = 1 };
            var empty = await server.JsonAsync(action, new { QueueUrl = url, Entries = Array.Empty<object>() });
            empty.AssertError(HttpStatusCode.BadRequest, "EmptyBatchRequest", "AWS.SimpleQueueService.EmptyBatchRequest");
            Assert.Equal($"There should be at least one {action}RequestEntry in the request.", empty.String("message"));
            (await server.JsonAsync(action, new { QueueUrl = url }))
                .AssertError(HttpStatusCode.BadRequest, "EmptyBatchRequest", "AWS.SimpleQueueService.EmptyBatchRequest");
            (await server.JsonAsync(
                action, new { QueueUrl = url, Entries = Enumerable.Range(0, 11).Select(i => Entry("e" + i)).ToArray() }))
                .AssertError(HttpStatusCode.BadRequest, "TooManyEntriesInBatchRequest", "AWS.SimpleQueueService.TooManyEntriesInBatchRequest");
            (await server.JsonAsync(action, new { QueueUrl = url, Entries = new[] { Entry("same"), Entry("same") } }))
                .AssertError(HttpStatusCode.BadRequest, "BatchEntryIdsNotDistinct", "AWS.SimpleQueueService.BatchEntryIdsNotDistinct");
            (await server.JsonAsync(action, new { QueueUrl = url, Entries = new[] { Entry("not valid!") } }))
                .AssertError(HttpStatusCode.BadRequest, "InvalidBatchEntryId", "AWS.SimpleQueueService.InvalidBatchEntryId");
            (await server.JsonAsync(action, new { QueueUrl = url, Entries = new[] { Entry(new string('i', 81)) } }))
                .AssertError(HttpStatusCode.BadRequest, "InvalidBatchEntryId", "AWS.SimpleQueueService.InvalidBatchEntryId");
        }

        Assert.True(server.Engine.TryGetQueue("batches", out var queue));
        Assert.Equal(0, queue.GetCounts().Visible);
    }

    [Fact]
    public async Task Batch_over_one_MiB_in_total_is_BatchRequestTooLong()
    {
        var big = new string('x', 200 * 1024);
        var entries = Enumerable.Range(0, 6).Select(i => new { Id = "e" + i, MessageBody = big }).ToArray();
        (await server.JsonAsync("SendMessageBatch", new { QueueUrl = url, Entries = entries }))
            .AssertError(HttpStatusCode.BadRequest, "BatchRequestTooLong", "AWS.SimpleQueueService.BatchRequestTooLong");
    }

    [Fact]
    public async Task Send_batch_stores_the_valid_entries_and_reports_the_others_as_failed()
    {
        var answer = await server.QueryAsync("Action", "SendMessageBatch", "QueueUrl", url,
            "SendMessageBatchRequestEntry.1.Id", "good1", "SendMessageBatchRequestEntry.1.MessageBody", "one",
            "SendMessageBatchRequestEntry.2.Id", "bad", "SendMessageBatchRequestEntry.2.MessageBody", "\u0002",
            "SendMessageBatchRequestEntry.3.Id", "good2", "SendMessageBatchRequestEntry.3.MessageBody", "two",
            "SendMessageBatchRequestEntry.3.DelaySeconds", "10",
            "SendMessageBatchRequestEntry.3.MessageAttribute.1.Name", "a",
            "SendMessageBatchRequestEntry.3.MessageAttribute.1.Value.DataType", "String",
            "SendMessageBatchRequestEntry.3.MessageAttribute.1.Value.StringValue", "attribValue 1");
        answer.AssertOk();
        var result = answer.Result("SendMessageBatch");
        var successful = result.Elements(QueryAnswer.Sqs + "SendMessageBatchResultEntry").ToList();
        Assert.Equal(["good1", "good2"], successful.Select(e => e.Element(QueryAnswer.Sqs + "Id")!.Value));
        Assert.All(successful, e => Assert.NotNull(e.Element(QueryAnswer.Sqs + "MessageId")));
        Assert.Equal("f97c5d29941bfb1b2fdab0874906ab82", successful[0].Element(QueryAnswer.Sqs + "MD5OfMessageBody")!.Value);
        Assert.NotNull(successful[1].Element(QueryAnswer.Sqs + "MD5OfMessageAttributes"));
        var failed = Assert.Single(result.Elements(QueryAnswer.Sqs + "BatchResultErrorEntry"));
        Assert.Equal("bad", failed.Element(QueryAnswer.Sqs + "Id")!.Value);
        Assert.Equal("InvalidMessageContents", failed.Element(QueryAnswer.Sqs + "Code")!.Value);
        Assert.Equal("true", failed.Element(QueryAnswer.Sqs + "SenderFault")!.Value);

        Assert.True(server.Engine.TryGetQueue("batches", out var queue));
        Assert.Equal(1, queue.GetCounts().Visible);
        Assert.Equal(1, queue.GetCounts().Delayed);
    }

    [Fact]
    public async Task Delete_and_change_visibility_batches_report_each_entry()
    {
        var sent = await server.JsonAsync("SendMessageBatch", new
        {
            QueueUrl = url,
            Entries = Enumerable.Range(0, 4).Select(i => new { Id = "m" + i, MessageBody = "body" + i }).ToArray(),
        });
        Assert.Equal(4, sent.Body.GetProperty("Successful").GetArrayLength());
        Assert.Equal(0, sent.Body.GetProperty("Failed").GetArrayLength());
        var received = await server.JsonAsync("ReceiveMessage", new { QueueUrl = url, MaxNumberOfMessages = 10 });
        var handles = received.Body.GetProperty("Messages").EnumerateArray().Select(m => m.GetProperty("ReceiptHandle").GetString()!).ToList();
        Assert.Equal(4, handles.Count);

        var changed = await server.JsonAsync("ChangeMessageVisibilityBatch", new
        {
            QueueUrl = url,
            Entries = new object[]
            {
                new { Id = "c0", ReceiptHandle = handles[0], VisibilityTimeout = 0 },
                new { Id = "c1", ReceiptHandle = handles[1], VisibilityTimeout = 600 },
                new { Id = "junk", ReceiptHandle = "junk", VisibilityTimeout = 5 },
                new { Id = "range", ReceiptHandle = handles[2], VisibilityTimeout = 50000 },
            },
        });
        changed.AssertOk();
        Assert.Equal(["c0", "c1"], changed.Body.GetProperty("Successful").EnumerateArray().Select(e => e.GetProperty("Id").GetString()));
        var changeFailures = changed.Body.GetProperty("Failed").EnumerateArray().ToDictionary(
            e => e.GetProperty("Id").GetString()!, e => e.GetProperty("Code").GetString());
        Assert.Equal("ReceiptHandleIsInvalid", changeFailures["junk"]);
        Assert.Equal("InvalidParameterValue", changeFailures["range"]);

        var deleted = await server.QueryAsync("Action", "DeleteMessageBatch", "QueueUrl", url,
            "DeleteMessageBatchRequestEntry.1.Id", "d1", "DeleteMessageBatchRequestEntry.1.ReceiptHandle", handles[1],
            "DeleteMessageBatchRequestEntry.2.Id", "d2", "DeleteMessageBatchRequestEntry.2.ReceiptHandle", handles[2],
            "DeleteMessageBatchRequestEntry.3.Id", "d3", "DeleteMessageBatchRequestEntry.3.ReceiptHandle", "junk");
        deleted.AssertOk();
        var result = deleted.Result("DeleteMessageBatch");
        Assert.Equal(["d1", "d2"], result.Elements(QueryAnswer.Sqs + "DeleteMessageBatchResultEntry").Select(e => e.Element(QueryAnswer.Sqs + "Id")!.Value));
        Assert.Equal("ReceiptHandleIsInvalid", Assert.Single(result.Elements(QueryAnswer.Sqs + "BatchResultErrorEntry")).Element(QueryAnswer.Sqs + "Code")!.Value);

        Assert.True(server.Engine.TryGetQueue("batches", out var queue));
        var counts = queue.GetCounts();
        Assert.Equal(1, counts.Visible);
        Assert.Equal(1, counts.InFlight);
    }

    [Fact]
    public async Task A_whole_batch_is_one_durable_send()
    {
        var answer = await server.JsonAsync("SendMessageBatch", new
        {
            QueueUrl = url,
            Entries = Enumerable.Range(0, 10).Select(i => new { Id = "e" + i, MessageBody = "m" + i }).ToArray(),
        });
        Assert.Equal(10, answer.Body.GetProperty("Successful").GetArrayLength());
        await server.RestartAsync();
        Assert.True(server.Engine.TryGetQueue("batches", out var queue));
        Assert.Equal(10, queue.GetCounts().Visible);
        Assert.Equal(JsonValueKind.Array, answer.Body.GetProperty("Failed").ValueKind);
    }
}
