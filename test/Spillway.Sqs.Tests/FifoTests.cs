using System.Net;

namespace Spillway.Sqs.Tests;

/// <summary>FIFO queues through the API: group ids, deduplication, sequence numbers and receive attempt ids.</summary>
public sealed class FifoTests : IAsyncLifetime
{
    private SqsTestServer server = null!;
    private string url = null!;

    public async Task InitializeAsync()
    {
        server = await SqsTestServer.StartAsync();
        url = await server.CreateQueueAsync("orders.fifo", new() { ["FifoQueue"] = "true" });
    }

    public async Task DisposeAsync() => await server.DisposeAsync();

    [Fact]
    public async Task Sends_need_a_group_and_a_deduplication_id_or_content_based_deduplication()
    {
        (await server.JsonAsync("SendMessage", new { QueueUrl = url, MessageBody = "b", MessageDeduplicationId = "d" }))
            .AssertError(HttpStatusCode.BadRequest, "MissingParameter", "MissingParameter");
        (await server.JsonAsync("SendMessage", new { QueueUrl = url, MessageBody = "b", MessageGroupId = "g" }))
            .AssertError(HttpStatusCode.BadRequest, "InvalidParameterValue", "InvalidParameterValue");
        (await server.JsonAsync("SendMessage",
            new { QueueUrl = url, MessageBody = "b", MessageGroupId = "g g", MessageDeduplicationId = "d" }))
            .AssertError(HttpStatusCode.BadRequest, "InvalidParameterValue", "InvalidParameterValue");
        (await server.JsonAsync("SendMessage",
            new { QueueUrl = url, MessageBody = "b", MessageGroupId = "g", MessageDeduplicationId = "d", DelaySeconds = 1 }))
            .AssertError(HttpStatusCode.BadRequest, "InvalidParameterValue", "InvalidParameterValue");
        var standard = await server.CreateQueueAsync("standard");
        (await server.JsonAsync("SendMessage", new { QueueUrl = standard, MessageBody = "b", MessageDeduplicationId = "d" }))
            .AssertError(HttpStatusCode.BadRequest, "InvalidParameterValue", "InvalidParameterValue");
    }

    [Fact]
    public async Task An_explicit_zero_DelaySeconds_is_accepted_singly_and_in_batches()
    {
        (await server.JsonAsync("SendMessage",
            new { QueueUrl = url, MessageBody = "zero", MessageGroupId = "g", MessageDeduplicationId = "z1", DelaySeconds = 0 })).AssertOk();
        (await server.QueryAsync("Action", "SendMessage", "QueueUrl", url, "MessageBody", "zero again", "MessageGroupId", "g",
            "MessageDeduplicationId", "z2", "DelaySeconds", "0")).AssertOk();
        var batch = await server.JsonAsync("SendMessageBatch", new
        {
            QueueUrl = url,
            Entries = new object[]
            {
                new { Id = "zero", MessageBody = "b0", MessageGroupId = "g", MessageDeduplicationId = "b0", DelaySeconds = 0 },
                new { Id = "five", MessageBody = "b5", MessageGroupId = "g", MessageDeduplicationId = "b5", DelaySeconds = 5 },
            },
        });
        batch.AssertOk();
        Assert.Equal("zero", Assert.Single(batch.Body.GetProperty("Successful").EnumerateArray()).GetProperty("Id").GetString());
        var failed = Assert.Single(batch.Body.GetProperty("Failed").EnumerateArray());
        Assert.Equal("five", failed.GetProperty("Id").GetString());
        Assert.Equal("InvalidParameterValue", failed.GetProperty("Code").GetString());

        Assert.True(server.Engine.TryGetQueue("orders.fifo", out var queue));
        Assert.Equal(3, queue.GetCounts().Visible);
    }

    [Fact]
    public async Task A_duplicate_send_answers_with_the_first_message_and_stores_nothing()
    {
        var first = await server.QueryAsync("Action", "SendMessage", "QueueUrl", url, "MessageBody", "one",
            "MessageGroupId", "g", "MessageDeduplicationId", "d1");
        var again = await server.QueryAsync("Action", "SendMessage", "QueueUrl", url, "MessageBody", "one",
            "MessageGroupId", "g", "MessageDeduplicationId", "d1");
        Assert.Equal(first.Value("MessageId"), again.Value("MessageId"));
        Assert.Equal(first.Value("SequenceNumber"), again.Value("SequenceNumber"));
        Assert.Equal(20, first.Value("SequenceNumber")!.Length);
        Assert.True(server.Engine.TryGetQueue("orders.fifo", out var queue));
        Assert.Equal(1, queue.GetCounts().Visible);
    }

    [Fact]
    public async Task Messages_of_a_group_come_in_order_with_their_fifo_attributes_and_the_group_is_held_while_in_flight()
    {
        var sent = await server.JsonAsync("SendMessageBatch", new
        {
            QueueUrl = url,
            Entries = Enumerable.Range(0, 3).Select(i => new { Id = "e" + i, MessageBody = "m" + i, MessageGroupId = "g", MessageDeduplicationId = "d" + i }).ToArray(),
        });
        var sequences = sent.Body.GetProperty("Successful").EnumerateArray().Select(e => e.GetProperty("SequenceNumber").GetString()).ToList();
        Assert.Equal(sequences.Order(StringComparer.Ordinal), sequences);

        var first = await server.JsonAsync("ReceiveMessage", new { QueueUrl = url, AttributeNames = new[] { "All" } });
        var message = first.Body.GetProperty("Messages")[0];
        Assert.Equal("m0", message.GetProperty("Body").GetString());
        var attributes = message.GetProperty("Attributes");
        Assert.Equal("g", attributes.GetProperty("MessageGroupId").GetString());
        Assert.Equal("d0", attributes.GetProperty("MessageDeduplicationId").GetString());
        Assert.Equal(sequences[0], attributes.GetProperty("SequenceNumber").GetString());

        var held = await server.JsonAsync("ReceiveMessage", new { QueueUrl = url });
        Assert.False(held.Body.TryGetProperty("Messages", out _));
        (await server.JsonAsync("DeleteMessage",
            new { QueueUrl = url, ReceiptHandle = message.GetProperty("ReceiptHandle").GetString() })).AssertOk();
        var next = await server.JsonAsync("ReceiveMessage", new { QueueUrl = url, MaxNumberOfMessages = 10 });
        Assert.Equal(["m1", "m2"], next.Body.GetProperty("Messages").EnumerateArray().Select(m => m.GetProperty("Body").GetString()));
    }

    [Fact]
    public async Task A_retried_receive_with_the_same_attempt_id_returns_the_same_messages()
    {
        (await server.JsonAsync("SendMessage",
            new { QueueUrl = url, MessageBody = "once", MessageGroupId = "g", MessageDeduplicationId = "x" })).AssertOk();
        var first = await server.QueryAsync("Action", "ReceiveMessage", "QueueUrl", url, "ReceiveRequestAttemptId", "attempt-1");
        var retry = await server.QueryAsync("Action", "ReceiveMessage", "QueueUrl", url, "ReceiveRequestAttemptId", "attempt-1");
        Assert.NotNull(first.Value("ReceiptHandle"));
        Assert.Equal(first.Value("ReceiptHandle"), retry.Value("ReceiptHandle"));
        Assert.Equal(first.Value("MessageId"), retry.Value("MessageId"));
    }

    [Fact]
    public async Task Content_based_deduplication_uses_the_body()
    {
        var content = await server.CreateQueueAsync("content.fifo",
            new() { ["FifoQueue"] = "true", ["ContentBasedDeduplication"] = "true" });
        var a = await server.JsonAsync("SendMessage", new { QueueUrl = content, MessageBody = "same", MessageGroupId = "g" });
        var b = await server.JsonAsync("SendMessage", new { QueueUrl = content, MessageBody = "same", MessageGroupId = "g" });
        Assert.Equal(a.String("MessageId"), b.String("MessageId"));
        var c = await server.JsonAsync("SendMessage", new { QueueUrl = content, MessageBody = "other", MessageGroupId = "g" });
        Assert.NotEqual(a.String("MessageId"), c.String("MessageId"));
    }

    [Fact]
    public async Task A_send_over_the_fifo_quota_is_RequestThrottled_in_both_protocols_and_stores_nothing()
    {
        await using var limited = await SqsTestServer.StartAsync(fifoSendRateLimit: 1);
        var queue = await limited.CreateQueueAsync("quota.fifo", new() { ["FifoQueue"] = "true" });
        var first = await limited.JsonAsync("SendMessage", new { QueueUrl = queue, MessageBody = "a", MessageGroupId = "g", MessageDeduplicationId = "1" });
        Assert.Equal(HttpStatusCode.OK, first.Status);

        (await limited.JsonAsync("SendMessage", new { QueueUrl = queue, MessageBody = "b", MessageGroupId = "g", MessageDeduplicationId = "2" }))
            .AssertError(HttpStatusCode.BadRequest, "RequestThrottled", "RequestThrottled");
        var query = await limited.QueryAsync("Action", "SendMessage", "QueueUrl", queue, "MessageBody", "c",
            "MessageGroupId", "g", "MessageDeduplicationId", "3");
        query.AssertError(HttpStatusCode.BadRequest, "RequestThrottled");
        Assert.True(limited.Engine.TryGetQueue("quota.fifo", out var stored));
        Assert.Equal(1, stored.GetCounts().Visible);

        // The quota refills on the clock.
        limited.Clock.Advance(TimeSpan.FromSeconds(1));
        var later = await limited.JsonAsync("SendMessage", new { QueueUrl = queue, MessageBody = "d", MessageGroupId = "g", MessageDeduplicationId = "4" });
        Assert.Equal(HttpStatusCode.OK, later.Status);
    }
}
