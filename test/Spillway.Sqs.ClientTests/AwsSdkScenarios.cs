using System.Net;
using Amazon.Runtime;
using Amazon.SQS;
using Amazon.SQS.Model;
using Spillway.Sqs.ClientTests.Support;

namespace Spillway.Sqs.ClientTests;

/// <summary>
/// The AWS SDK for .NET (AWSSDK.SQS 4, the JSON protocol) against a real <c>spillway serve</c>: the scenarios the other
/// clients run, written with the SDK itself. The SDK checks every MD5 the server sends back, so a wrong digest fails here.
/// </summary>
public sealed class AwsSdkScenarios(SqsServer server) : IClassFixture<SqsServer>
{
    private readonly AmazonSQSClient sqs = AwsSdk.Client(server.Endpoint, server.AccessKeyId, server.SecretAccessKey);

    [Fact]
    public async Task Seed_step_send_message_to_the_submit_queue_lands_in_users()
    {
        var name = "dotnet-" + Guid.NewGuid().ToString("N")[..10];
        var url = (await sqs.GetQueueUrlAsync("submit")).QueueUrl;

        await sqs.SendMessageAsync(url, $$"""{"name":"{{name}}","email":"{{name}}@example.com"}""");

        Assert.Equal((name, name + "@example.com"), await server.WaitForUserAsync(name, TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task Queue_lifecycle_create_get_list_attributes_delete()
    {
        var name = Unique("life");
        var url = (await sqs.CreateQueueAsync(new CreateQueueRequest
        {
            QueueName = name, Attributes = new() { ["VisibilityTimeout"] = "45" }, Tags = new() { ["team"] = "dotnet" },
        })).QueueUrl;

        Assert.EndsWith("/" + name, url, StringComparison.Ordinal);
        Assert.Equal(url, (await sqs.GetQueueUrlAsync(name)).QueueUrl);
        Assert.Contains(url, (await sqs.ListQueuesAsync(new ListQueuesRequest { QueueNamePrefix = name })).QueueUrls);
        var attributes = (await sqs.GetQueueAttributesAsync(new GetQueueAttributesRequest { QueueUrl = url, AttributeNames = ["All"] })).Attributes;
        Assert.Equal("45", attributes["VisibilityTimeout"]);
        Assert.EndsWith(":" + name, attributes["QueueArn"], StringComparison.Ordinal);
        Assert.Equal("dotnet", (await sqs.ListQueueTagsAsync(new ListQueueTagsRequest { QueueUrl = url })).Tags["team"]);
        await Assert.ThrowsAsync<QueueNameExistsException>(() => sqs.CreateQueueAsync(new CreateQueueRequest
        {
            QueueName = name, Attributes = new() { ["VisibilityTimeout"] = "46" },
        }));

        await sqs.DeleteQueueAsync(url);

        await Assert.ThrowsAsync<QueueDoesNotExistException>(() => sqs.GetQueueUrlAsync(name));
    }

    [Fact]
    public async Task Send_receive_delete_singly_and_in_batches()
    {
        var url = await CreateAsync("msg");
        var sent = await sqs.SendMessageAsync(url, "hello ✓");
        var single = Assert.Single(await ReceiveAsync(url, 1));
        Assert.Equal((sent.MessageId, "hello ✓"), (single.MessageId, single.Body));
        await sqs.DeleteMessageAsync(url, single.ReceiptHandle);

        var batch = await sqs.SendMessageBatchAsync(url, [.. Enumerable.Range(0, 10).Select(i => new SendMessageBatchRequestEntry("m" + i, "batch " + i))]);
        Assert.Equal(10, batch.Successful.Count);
        Assert.Empty(batch.Failed ?? []);
        var received = await ReceiveAsync(url, 10);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => "batch " + i).Order(), received.Select(m => m.Body).Order());
        var deleted = await sqs.DeleteMessageBatchAsync(url, [.. received.Select((m, i) => new DeleteMessageBatchRequestEntry("d" + i, m.ReceiptHandle))]);
        Assert.Equal(10, deleted.Successful.Count);
        Assert.Empty(await ReceiveAsync(url, 0, waitSeconds: 0));
    }

    [Fact]
    public async Task Visibility_changes_hide_and_release_a_message()
    {
        var url = await CreateAsync("vis");
        await sqs.SendMessageAsync(url, "again");
        var first = Assert.Single(await ReceiveAsync(url, 1, visibility: 60));
        Assert.Empty(await ReceiveAsync(url, 0, waitSeconds: 0));

        await sqs.ChangeMessageVisibilityAsync(url, first.ReceiptHandle, 0);

        var second = Assert.Single(await ReceiveAsync(url, 1, visibility: 60));
        Assert.Equal(first.MessageId, second.MessageId);
        Assert.Equal("2", second.Attributes["ApproximateReceiveCount"]);
    }

    [Fact]
    public async Task Fifo_queue_keeps_group_order_drops_duplicates_and_takes_an_explicit_zero_delay()
    {
        var url = (await sqs.CreateQueueAsync(new CreateQueueRequest
        {
            QueueName = Unique("order") + ".fifo", Attributes = new() { ["FifoQueue"] = "true" },
        })).QueueUrl;
        for (var i = 0; i < 3; i++)
        {
            await sqs.SendMessageAsync(new SendMessageRequest
            {
                QueueUrl = url, MessageBody = "a" + i, MessageGroupId = "A", MessageDeduplicationId = "a" + i, DelaySeconds = 0,
            });
        }

        await sqs.SendMessageAsync(new SendMessageRequest { QueueUrl = url, MessageBody = "dup", MessageGroupId = "A", MessageDeduplicationId = "a0" });
        var batch = await sqs.SendMessageBatchAsync(url, [.. Enumerable.Range(0, 2).Select(i => new SendMessageBatchRequestEntry("b" + i, "b" + i)
        {
            MessageGroupId = "B", MessageDeduplicationId = "b" + i, DelaySeconds = 0,
        })]);
        Assert.Equal(2, batch.Successful.Count);
        var error = await Assert.ThrowsAnyAsync<AmazonSQSException>(() => sqs.SendMessageAsync(new SendMessageRequest
        {
            QueueUrl = url, MessageBody = "late", MessageGroupId = "A", MessageDeduplicationId = "late", DelaySeconds = 5,
        }));
        Assert.Equal(HttpStatusCode.BadRequest, error.StatusCode);

        var bodies = (await ReceiveAsync(url, 5, delete: true)).Select(m => m.Body).ToList();
        Assert.Equal(["a0", "a1", "a2"], bodies.Where(b => b.StartsWith('a')));
        Assert.Equal(["b0", "b1"], bodies.Where(b => b.StartsWith('b')));
        Assert.DoesNotContain("dup", bodies);
    }

    [Fact]
    public async Task Message_attributes_round_trip_with_matching_md5()
    {
        var url = await CreateAsync("attrs");
        var attributes = new Dictionary<string, MessageAttributeValue>
        {
            ["attribName1"] = new() { DataType = "String", StringValue = "attribValue 1" },
            ["customNumberTypeAttrib"] = new() { DataType = "Number.float", StringValue = "4563442423554324324264524243.32543234" },
            ["binaryAttribute"] = new() { DataType = "Binary", BinaryValue = new MemoryStream("Hello binary world!"u8.ToArray()) },
        };

        var sent = await sqs.SendMessageAsync(new SendMessageRequest { QueueUrl = url, MessageBody = "with attributes", MessageAttributes = attributes });

        Assert.Equal("c932db14a896c663f83c260297d594ff", sent.MD5OfMessageAttributes);
        var message = Assert.Single(await ReceiveAsync(url, 1, attributeNames: ["All"]));
        Assert.Equal(sent.MD5OfMessageAttributes, message.MD5OfMessageAttributes);
        Assert.Equal("attribValue 1", message.MessageAttributes["attribName1"].StringValue);
        Assert.Equal("Hello binary world!"u8.ToArray(), message.MessageAttributes["binaryAttribute"].BinaryValue.ToArray());
    }

    [Fact]
    public async Task Errors_come_back_as_the_sdks_exceptions_with_sqs_codes()
    {
        var url = await CreateAsync("errors");

        await Assert.ThrowsAsync<QueueDoesNotExistException>(() => sqs.SendMessageAsync(url + "-missing", "x"));
        await Assert.ThrowsAsync<ReceiptHandleIsInvalidException>(() => sqs.DeleteMessageAsync(url, "forged"));
        await Assert.ThrowsAsync<EmptyBatchRequestException>(() => sqs.SendMessageBatchAsync(url, []));
        await Assert.ThrowsAsync<TooManyEntriesInBatchRequestException>(() =>
            sqs.SendMessageBatchAsync(url, [.. Enumerable.Range(0, 11).Select(i => new SendMessageBatchRequestEntry("e" + i, "x"))]));
        await Assert.ThrowsAsync<InvalidMessageContentsException>(() => sqs.SendMessageAsync(url, "bad \u0001 char"));
        var range = await Assert.ThrowsAnyAsync<AmazonSQSException>(() => sqs.ReceiveMessageAsync(new ReceiveMessageRequest
        {
            QueueUrl = url, MaxNumberOfMessages = 11,
        }));
        Assert.Equal(HttpStatusCode.BadRequest, range.StatusCode);
        Assert.Equal("0", (await sqs.GetQueueAttributesAsync(url, ["ApproximateNumberOfMessages"])).Attributes["ApproximateNumberOfMessages"]);
    }

    private static string Unique(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..12];

    private async Task<string> CreateAsync(string prefix) => (await sqs.CreateQueueAsync(Unique(prefix))).QueueUrl;

    /// <summary>Receives until <paramref name="count"/> messages came (long polls, never sleeps).</summary>
    private async Task<List<Message>> ReceiveAsync(
        string url, int count, int waitSeconds = 2, int? visibility = null, List<string>? attributeNames = null, bool delete = false)
    {
        var messages = new List<Message>();
        for (var tries = 0; tries < 10 && (messages.Count < count || count == 0); tries++)
        {
            var batch = (await sqs.ReceiveMessageAsync(new ReceiveMessageRequest
            {
                QueueUrl = url, MaxNumberOfMessages = 10, WaitTimeSeconds = waitSeconds, VisibilityTimeout = visibility,
                MessageAttributeNames = attributeNames, MessageSystemAttributeNames = ["All"],
            })).Messages ?? [];
            messages.AddRange(batch);
            foreach (var message in delete ? batch : [])
            {
                await sqs.DeleteMessageAsync(url, message.ReceiptHandle);
            }

            if (count == 0)
            {
                break;
            }
        }

        return messages;
    }
}

/// <summary>The .NET SDK against a server with credentials: its own key works, a wrong secret and an unknown key do not.</summary>
public sealed class AwsSdkSignatureScenarios(SignedSqsServer server) : IClassFixture<SignedSqsServer>
{
    [Fact]
    public async Task Right_key_works_wrong_secret_and_unknown_key_are_refused()
    {
        var name = "signed-" + Guid.NewGuid().ToString("N")[..10];
        var right = AwsSdk.Client(server.Endpoint, server.AccessKeyId, server.SecretAccessKey);
        var url = (await right.CreateQueueAsync(name)).QueueUrl;
        Assert.Contains(url, (await right.ListQueuesAsync(name)).QueueUrls);

        var wrongSecret = await Assert.ThrowsAnyAsync<AmazonSQSException>(
            () => AwsSdk.Client(server.Endpoint, server.AccessKeyId, "not-the-secret").ListQueuesAsync(name));
        var unknownKey = await Assert.ThrowsAnyAsync<AmazonSQSException>(
            () => AwsSdk.Client(server.Endpoint, "AKIAUNKNOWNKEY000000", server.SecretAccessKey).ListQueuesAsync(name));

        Assert.Equal((HttpStatusCode.Forbidden, "SignatureDoesNotMatch"), (wrongSecret.StatusCode, wrongSecret.ErrorCode));
        Assert.Equal((HttpStatusCode.Forbidden, "InvalidClientTokenId"), (unknownKey.StatusCode, unknownKey.ErrorCode));
        Assert.DoesNotContain(server.SecretAccessKey, server.Process.Output, StringComparison.Ordinal);
    }
}

/// <summary>Clients of the AWS SDK for .NET configured only by the test: endpoint, keys, region, no retries.</summary>
internal static class AwsSdk
{
    public static AmazonSQSClient Client(Uri endpoint, string accessKeyId, string secretAccessKey) => new(
        new BasicAWSCredentials(accessKeyId, secretAccessKey),
        new AmazonSQSConfig { ServiceURL = endpoint.ToString(), AuthenticationRegion = "us-east-1", MaxErrorRetry = 0 });
}
