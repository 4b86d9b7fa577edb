using System.Net;
using System.Text.Json;

namespace Spillway.Sqs.Tests;

/// <summary>CreateQueue, GetQueueUrl, ListQueues, DeleteQueue, queue attributes and purge, as SQS behaves.</summary>
public sealed class QueueLifecycleTests : IAsyncLifetime
{
    private SqsTestServer server = null!;

    public async Task InitializeAsync() => server = await SqsTestServer.StartAsync(
        settings: s => new SqsApiSettings
        {
            StateDirectory = s.StateDirectory,
            TimeProvider = s.TimeProvider,
            ConfiguredQueues = new Dictionary<string, string> { ["submit"] = "Spillway:Routes:submit" },
        });

    public async Task DisposeAsync() => await server.DisposeAsync();

    [Fact]
    public async Task Creating_an_existing_queue_returns_its_url_when_the_given_attributes_match_and_QueueAlreadyExists_when_not()
    {
        var url = await server.CreateQueueAsync("same", new() { ["VisibilityTimeout"] = "45", ["DelaySeconds"] = "2" });
        Assert.Equal(url, await server.CreateQueueAsync("same", new() { ["VisibilityTimeout"] = "45" }));
        Assert.Equal(url, await server.CreateQueueAsync("same"));

        var differing = await server.QueryAsync("Action", "CreateQueue", "QueueName", "same",
            "Attribute.1.Name", "DelaySeconds", "Attribute.1.Value", "3");
        differing.AssertError(HttpStatusCode.BadRequest, "QueueAlreadyExists");
        Assert.Contains("DelaySeconds", differing.Value("Message"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("dot.ted")]
    [InlineData("plain.fifo")]
    [InlineData("a234567890123456789012345678901234567890123456789012345678901234567890123456789012")]
    public async Task Invalid_queue_names_are_refused(string name)
    {
        var answer = await server.QueryAsync("Action", "CreateQueue", "QueueName", name);
        answer.AssertError(HttpStatusCode.BadRequest, name.Length == 0 ? "MissingParameter" : "InvalidParameterValue");
        Assert.Empty(server.Engine.ListQueues());
    }

    [Fact]
    public async Task Fifo_queues_need_the_suffix_and_the_attribute_together()
    {
        var noSuffix = await server.JsonAsync("CreateQueue", new { QueueName = "orders", Attributes = new { FifoQueue = "true" } });
        noSuffix.AssertError(HttpStatusCode.BadRequest, "InvalidParameterValue", "InvalidParameterValue");
        var eighty = new string('a', 75) + ".fifo";
        var url = await server.CreateQueueAsync(eighty, new() { ["FifoQueue"] = "true", ["ContentBasedDeduplication"] = "true" });
        Assert.EndsWith("/" + eighty, url);
        var fifoOnStandard = await server.JsonAsync("CreateQueue", new { QueueName = "std", Attributes = new { ContentBasedDeduplication = "true" } });
        fifoOnStandard.AssertError(HttpStatusCode.BadRequest, "InvalidParameterValue", "InvalidParameterValue");
    }

    [Fact]
    public async Task Attribute_values_out_of_range_are_InvalidAttributeValue_and_unknown_names_InvalidAttributeName()
    {
        foreach (var (name, value) in new[]
        {
            ("VisibilityTimeout", "43201"), ("DelaySeconds", "901"), ("MessageRetentionPeriod", "59"), ("MessageRetentionPeriod", "1209601"),
            ("MaximumMessageSize", "1023"), ("MaximumMessageSize", "1048577"), ("ReceiveMessageWaitTimeSeconds", "21"),
            ("VisibilityTimeout", "-1"), ("VisibilityTimeout", "ten"), ("KmsDataKeyReusePeriodSeconds", "59"), ("Policy", "not json"),
        })
        {
            var answer = await server.JsonAsync("CreateQueue", new { QueueName = "ranges", Attributes = new Dictionary<string, string> { [name] = value } });
            answer.AssertError(HttpStatusCode.BadRequest, "InvalidAttributeValue", "InvalidAttributeValue");
        }

        var unknown = await server.JsonAsync("CreateQueue", new { QueueName = "ranges", Attributes = new { Colour = "blue" } });
        unknown.AssertError(HttpStatusCode.BadRequest, "InvalidAttributeName", "InvalidAttributeName");
        var readOnly = await server.JsonAsync("CreateQueue", new { QueueName = "ranges", Attributes = new { QueueArn = "x" } });
        readOnly.AssertError(HttpStatusCode.BadRequest, "InvalidAttributeName", "InvalidAttributeName");
        Assert.Empty(server.Engine.ListQueues());

        var url = await server.CreateQueueAsync("ranges");
        var set = await server.QueryAsync("Action", "SetQueueAttributes", "QueueUrl", url, "Attribute.1.Name", "VisibilityTimeout",
            "Attribute.1.Value", "50000");
        set.AssertError(HttpStatusCode.BadRequest, "InvalidAttributeValue");
        var unknownGet = await server.QueryAsync("Action", "GetQueueAttributes", "QueueUrl", url, "AttributeName.1", "Colour");
        unknownGet.AssertError(HttpStatusCode.BadRequest, "InvalidAttributeName");
        var missing = await server.QueryAsync("Action", "SetQueueAttributes", "QueueUrl", url);
        missing.AssertError(HttpStatusCode.BadRequest, "MissingParameter");
    }

    [Fact]
    public async Task GetQueueAttributes_reports_every_attribute_with_All_and_each_one_by_name()
    {
        var dlq = await server.CreateQueueAsync("attrs-dlq");
        var url = await server.CreateQueueAsync("attrs", new()
        {
            ["VisibilityTimeout"] = "60",
            ["DelaySeconds"] = "5",
            ["MaximumMessageSize"] = "2048",
            ["MessageRetentionPeriod"] = "120",
            ["ReceiveMessageWaitTimeSeconds"] = "3",
            ["RedrivePolicy"] = $"{{\"deadLetterTargetArn\":\"arn:aws:sqs:us-east-1:{SqsTestServer.Account}:attrs-dlq\",\"maxReceiveCount\":\"4\"}}",
        });
        var createdAt = server.Clock.GetUtcNow().ToUnixTimeSeconds().ToString();
        (await server.JsonAsync("SendMessage", new { QueueUrl = url, MessageBody = "delayed" })).AssertOk();
        server.Clock.Advance(TimeSpan.FromSeconds(10));
        (await server.JsonAsync("SetQueueAttributes", new
        {
            QueueUrl = dlq,
            Attributes = new { RedriveAllowPolicy = $"{{\"redrivePermission\":\"byQueue\",\"sourceQueueArns\":[\"arn:aws:sqs:us-east-1:{SqsTestServer.Account}:attrs\"]}}" },
        })).AssertOk();

        var all = await server.QueryAsync("Action", "GetQueueAttributes", "QueueUrl", url, "AttributeName.1", "All");
        var attributes = all.Map(all.Result("GetQueueAttributes"), "Attribute");
        Assert.Equal("60", attributes["VisibilityTimeout"]);
        Assert.Equal("5", attributes["DelaySeconds"]);
        Assert.Equal("2048", attributes["MaximumMessageSize"]);
        Assert.Equal("120", attributes["MessageRetentionPeriod"]);
        Assert.Equal("3", attributes["ReceiveMessageWaitTimeSeconds"]);
        Assert.Equal("1", attributes["ApproximateNumberOfMessages"]);
        Assert.Equal("0", attributes["ApproximateNumberOfMessagesNotVisible"]);
        Assert.Equal("0", attributes["ApproximateNumberOfMessagesDelayed"]);
        Assert.Equal(createdAt, attributes["CreatedTimestamp"]);
        Assert.Equal(createdAt, attributes["LastModifiedTimestamp"]);
        Assert.Equal($"arn:aws:sqs:us-east-1:{SqsTestServer.Account}:attrs", attributes["QueueArn"]);
        using (var redrive = JsonDocument.Parse(attributes["RedrivePolicy"]))
        {
            Assert.Equal($"arn:aws:sqs:us-east-1:{SqsTestServer.Account}:attrs-dlq", redrive.RootElement.GetProperty("deadLetterTargetArn").GetString());
            Assert.Equal(4, redrive.RootElement.GetProperty("maxReceiveCount").GetInt32());
        }

        Assert.False(attributes.ContainsKey("FifoQueue"));

        var one = await server.JsonAsync("GetQueueAttributes", new { QueueUrl = dlq, AttributeNames = new[] { "RedriveAllowPolicy", "LastModifiedTimestamp" } });
        var dlqAttributes = one.Body.GetProperty("Attributes");
        Assert.Equal(2, dlqAttributes.EnumerateObject().Count());
        Assert.Contains("byQueue", dlqAttributes.GetProperty("RedriveAllowPolicy").GetString());
        Assert.Equal((long.Parse(createdAt) + 10).ToString(), dlqAttributes.GetProperty("LastModifiedTimestamp").GetString());

        var none = await server.JsonAsync("GetQueueAttributes", new { QueueUrl = url });
        Assert.False(none.Body.TryGetProperty("Attributes", out _));
    }

    [Fact]
    public async Task SetQueueAttributes_changes_settings_durably_and_an_empty_RedrivePolicy_removes_it()
    {
        await server.CreateQueueAsync("set-dlq");
        var url = await server.CreateQueueAsync("set");
        (await server.QueryAsync("Action", "SetQueueAttributes", "QueueUrl", url,
            "Attribute.1.Name", "VisibilityTimeout", "Attribute.1.Value", "99",
            "Attribute.2.Name", "RedrivePolicy", "Attribute.2.Value",
            $"{{\"deadLetterTargetArn\":\"arn:aws:sqs:us-east-1:{SqsTestServer.Account}:set-dlq\",\"maxReceiveCount\":2}}",
            "Attribute.3.Name", "Policy", "Attribute.3.Value", "{\"Version\":\"2012-10-17\"}")).AssertOk();

        await server.RestartAsync();
        Assert.True(server.Engine.TryGetQueue("set", out var queue));
        Assert.Equal(TimeSpan.FromSeconds(99), queue.Definition.VisibilityTimeout);
        Assert.Equal("set-dlq", queue.Definition.RedrivePolicy!.DeadLetterQueue);
        var policy = await server.JsonAsync("GetQueueAttributes", new { QueueUrl = url, AttributeNames = new[] { "Policy" } });
        Assert.Equal("{\"Version\":\"2012-10-17\"}", policy.Body.GetProperty("Attributes").GetProperty("Policy").GetString());

        (await server.JsonAsync("SetQueueAttributes", new { QueueUrl = url, Attributes = new { RedrivePolicy = "" } })).AssertOk();
        Assert.True(server.Engine.TryGetQueue("set", out queue));
        Assert.Null(queue.Definition.RedrivePolicy);

        var noTarget = await server.JsonAsync("SetQueueAttributes", new
        {
            QueueUrl = url,
            Attributes = new { RedrivePolicy = $"{{\"deadLetterTargetArn\":\"arn:aws:sqs:us-east-1:{SqsTestServer.Account}:ghost\",\"maxReceiveCount\":2}}" },
        });
        noTarget.AssertError(HttpStatusCode.BadRequest, "InvalidParameterValue", "InvalidParameterValue");
        var fifoOnStandard = await server.JsonAsync("SetQueueAttributes", new { QueueUrl = url, Attributes = new { FifoQueue = "true" } });
        fifoOnStandard.AssertError(HttpStatusCode.BadRequest, "InvalidAttributeName", "InvalidAttributeName");
    }

    [Fact]
    public async Task ListQueues_filters_by_prefix_and_pages_with_NextToken()
    {
        foreach (var name in new[] { "b-1", "a-1", "a-2", "a-3", "c" })
        {
            await server.CreateQueueAsync(name);
        }

        var prefixed = await server.QueryAsync("Action", "ListQueues", "QueueNamePrefix", "a-");
        Assert.Equal([server.QueueUrl("a-1"), server.QueueUrl("a-2"), server.QueueUrl("a-3")], prefixed.Values("QueueUrl"));
        Assert.Null(prefixed.Value("NextToken"));

        var urls = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = await server.JsonAsync("ListQueues", token is null ? new { MaxResults = 2 } : new { MaxResults = 2, NextToken = token });
            page.AssertOk();
            urls.AddRange(page.Body.GetProperty("QueueUrls").EnumerateArray().Select(u => u.GetString()!));
            token = page.String("NextToken");
            pages++;
        }
        while (token is not null);

        Assert.Equal(3, pages);
        Assert.Equal(new[] { "a-1", "a-2", "a-3", "b-1", "c" }.Select(server.QueueUrl), urls);
        (await server.JsonAsync("ListQueues", new { MaxResults = 1001 }))
            .AssertError(HttpStatusCode.BadRequest, "InvalidParameterValue", "InvalidParameterValue");
        (await server.JsonAsync("ListQueues", new { MaxResults = 1, NextToken = "!!!" }))
            .AssertError(HttpStatusCode.BadRequest, "InvalidParameterValue", "InvalidParameterValue");
    }

    [Fact]
    public async Task DeleteQueue_removes_the_queue_and_refuses_a_queue_the_configuration_owns()
    {
        var url = await server.CreateQueueAsync("temporary");
        (await server.QueryAsync("Action", "DeleteQueue", "QueueUrl", url)).AssertOk();
        Assert.False(server.Engine.TryGetQueue("temporary", out _));
        (await server.QueryAsync("Action", "GetQueueUrl", "QueueName", "temporary"))
            .AssertError(HttpStatusCode.BadRequest, "AWS.SimpleQueueService.NonExistentQueue");

        var submit = await server.CreateQueueAsync("submit");
        var refused = await server.JsonAsync("DeleteQueue", new { QueueUrl = submit });
        refused.AssertError(HttpStatusCode.BadRequest, "UnsupportedOperation", "AWS.SimpleQueueService.UnsupportedOperation");
        Assert.Contains("Spillway:Routes:submit", refused.String("message"));
        Assert.True(server.Engine.TryGetQueue("submit", out _));
    }

    [Fact]
    public async Task Queues_and_their_creation_time_survive_a_restart()
    {
        var url = await server.CreateQueueAsync("durable", new() { ["VisibilityTimeout"] = "77" });
        var createdAt = server.Clock.GetUtcNow().ToUnixTimeSeconds();
        (await server.JsonAsync("SendMessage", new { QueueUrl = url, MessageBody = "kept" })).AssertOk();
        server.Clock.Advance(TimeSpan.FromMinutes(5));
        await server.RestartAsync();

        var attributes = await server.JsonAsync("GetQueueAttributes", new { QueueUrl = server.QueueUrl("durable"), AttributeNames = new[] { "All" } });
        var map = attributes.Body.GetProperty("Attributes");
        Assert.Equal("77", map.GetProperty("VisibilityTimeout").GetString());
        Assert.Equal(createdAt.ToString(), map.GetProperty("CreatedTimestamp").GetString());
        Assert.Equal("1", map.GetProperty("ApproximateNumberOfMessages").GetString());
    }

    [Fact]
    public async Task A_queue_created_outside_the_api_keeps_the_creation_time_first_reported()
    {
        await server.Engine.CreateQueueAsync(new Spillway.Messaging.QueueDefinition { Name = "from-config" });
        var first = await server.JsonAsync("GetQueueAttributes", new { QueueUrl = server.QueueUrl("from-config"), AttributeNames = new[] { "CreatedTimestamp" } });
        var created = first.Body.GetProperty("Attributes").GetProperty("CreatedTimestamp").GetString();
        server.Clock.Advance(TimeSpan.FromHours(1));
        await server.RestartAsync();
        var again = await server.JsonAsync("GetQueueAttributes", new { QueueUrl = server.QueueUrl("from-config"), AttributeNames = new[] { "CreatedTimestamp" } });
        Assert.Equal(created, again.Body.GetProperty("Attributes").GetProperty("CreatedTimestamp").GetString());
    }

    [Fact]
    public async Task PurgeQueue_deletes_every_message_and_allows_one_purge_every_60_seconds()
    {
        var url = await server.CreateQueueAsync("purged");
        for (var i = 0; i < 3; i++)
        {
            (await server.JsonAsync("SendMessage", new { QueueUrl = url, MessageBody = "m" })).AssertOk();
        }

        (await server.QueryAsync("Action", "PurgeQueue", "QueueUrl", url)).AssertOk();
        Assert.True(server.Engine.TryGetQueue("purged", out var queue));
        Assert.Equal(0, queue.GetCounts().Visible);

        (await server.JsonAsync("PurgeQueue", new { QueueUrl = url }))
            .AssertError(HttpStatusCode.Forbidden, "PurgeQueueInProgress", "AWS.SimpleQueueService.PurgeQueueInProgress");
        server.Clock.Advance(TimeSpan.FromSeconds(60));
        (await server.JsonAsync("PurgeQueue", new { QueueUrl = url })).AssertOk();
    }

    [Fact]
    public async Task GetQueueUrl_for_another_account_is_NonExistentQueue()
    {
        await server.CreateQueueAsync("mine");
        (await server.JsonAsync("GetQueueUrl", new { QueueName = "mine", QueueOwnerAWSAccountId = "123456789012" }))
            .AssertError(HttpStatusCode.BadRequest, "QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue");
        (await server.JsonAsync("GetQueueUrl", new { QueueName = "mine", QueueOwnerAWSAccountId = SqsTestServer.Account })).AssertOk();
    }
}
