using System.Net;

namespace Spillway.Sqs.Tests;

/// <summary>When the API must not serve requests, it refuses every one with an SQS error and changes nothing.</summary>
public sealed class AccessTests
{
    [Fact]
    public async Task A_refused_api_answers_AccessDenied_in_both_protocols_and_creates_nothing()
    {
        await using var server = await SqsTestServer.StartAsync(settings: s => new SqsApiSettings
        {
            StateDirectory = s.StateDirectory,
            TimeProvider = s.TimeProvider,
            RefusalReason = "not on this listener",
        });

        (await server.QueryAsync("Action", "CreateQueue", "QueueName", "q")).AssertError(HttpStatusCode.Forbidden, "AccessDenied");
        var json = await server.JsonAsync("CreateQueue", new { QueueName = "q" });
        json.AssertError(HttpStatusCode.Forbidden, "AccessDenied", "AccessDenied");
        Assert.Equal("not on this listener", json.String("message"));
        Assert.Empty(server.Engine.ListQueues());
    }

    [Fact]
    public async Task Configured_credentials_refuse_an_unsigned_request()
    {
        await using var server = await SqsTestServer.StartAsync(new SqsOptions { AccessKeyId = "AKIDEXAMPLE", SecretAccessKey = "secret-key-value" });
        var answer = await server.JsonAsync("CreateQueue", new { QueueName = "q" });
        Assert.True((int)answer.Status is >= 400 and < 500, answer.RawBody);
        Assert.NotNull(answer.QueryError);
        Assert.Empty(server.Engine.ListQueues());
    }

    [Fact]
    public async Task A_full_disk_is_ServiceUnavailable_from_the_receiver_never_a_500()
    {
        await using var server = await SqsTestServer.StartAsync(minimumFreeDiskBytes: long.MaxValue / 2);
        var url = await server.CreateQueueAsync("full");

        var json = await server.JsonAsync("SendMessage", new { QueueUrl = url, MessageBody = "b" });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, json.Status);
        Assert.Equal("com.amazonaws.sqs#ServiceUnavailable", json.String("__type"));
        Assert.Equal("ServiceUnavailable;Receiver", json.QueryError);
        Assert.Contains("nearly full", json.String("message"));

        var query = await server.QueryAsync("Action", "SendMessageBatch", "QueueUrl", url,
            "SendMessageBatchRequestEntry.1.Id", "a", "SendMessageBatchRequestEntry.1.MessageBody", "b");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, query.Status);
        Assert.Equal("Receiver", query.Value("Type"));
        Assert.Equal("ServiceUnavailable", query.ErrorCode);
        Assert.True(server.Engine.TryGetQueue("full", out var queue));
        Assert.Equal(0, queue.GetCounts().Visible);
    }

    [Fact]
    public async Task A_disabled_api_is_not_mapped()
    {
        await using var server = await SqsTestServer.StartAsync(new SqsOptions { Enabled = false });
        using var response = await server.Client.PostAsync("/", new FormUrlEncodedContent([new("Action", "ListQueues")]));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Theory]
    [InlineData("12345", "us-east-1")]
    [InlineData("000000000000", "US East")]
    public void Invalid_options_are_refused_naming_the_setting(string account, string region)
    {
        var options = new SqsOptions { AccountId = account, Region = region };
        var error = Assert.Throws<ArgumentException>(() => options.Validate());
        Assert.Contains("Spillway:Sqs", error.Message);
    }

    [Fact]
    public void ToString_redacts_the_secret()
    {
        var text = new SqsOptions { AccessKeyId = "AKIDEXAMPLE", SecretAccessKey = "wJalrXUtnFEMI" }.ToString();
        Assert.DoesNotContain("wJalrXUtnFEMI", text);
        Assert.Contains("redacted", text);
    }
}
