using System.Text.Json.Nodes;
using Spillway.Sns.ClientTests.Support;
using Spillway.TestKit;

namespace Spillway.Sns.ClientTests;

/// <summary>
/// Every SNS action, run by one real client against one real server, with what subscribed queues received read back
/// through the same client's SQS API. Each client's class inherits these tests; the scenario scripts check the details as
/// they go and print what they observed, which the tests check again here.
/// </summary>
public abstract class SnsClientScenarios(AnySignatureServer server, ClientScript client)
{
    private async Task<JsonObject> RunAsync(string scenario, string? receiver = null)
    {
        var result = await SnsClient.RunAsync(client, scenario, server.Process.BaseAddress, receiver);
        Assert.True(result.ExitCode == 0 && result.Stdout.Contains("SCENARIO OK " + scenario, StringComparison.Ordinal),
            $"{client.Name} scenario {scenario} failed: {result}\n--- server\n{server.Process.Output}");
        Assert.False(server.Process.HasExited, "the server exited:\n" + server.Process.Output);
        return result.Observed;
    }

    /// <summary>The error codes a scenario met, as the wire spells them: the JS SDK names its errors by the model's shapes
    /// (<c>NotFoundException</c>; <c>InvalidParameterValueException</c> for the code <c>ParameterValueInvalid</c>).</summary>
    private static List<string> Errors(JsonObject observed) => [.. observed["errors"]!.AsArray().Select(e => (string)e! switch
    {
        "InvalidParameterValueException" => "ParameterValueInvalid",
        var name when name.EndsWith("Exception", StringComparison.Ordinal) => name[..^"Exception".Length],
        var code => code,
    })];

    [Fact]
    public async Task Topic_administration_create_list_attributes_tags_and_delete()
    {
        var observed = await RunAsync("topics");

        Assert.StartsWith("arn:aws:sns:us-east-1:000000000000:orders-", (string)observed["arn"]!, StringComparison.Ordinal);
        Assert.Equal(["InvalidParameter", "InvalidParameter", "NotFound"], Errors(observed));
    }

    [Fact]
    public async Task Queue_and_https_subscriptions_list_attributes_and_unsubscribe()
    {
        var observed = await RunAsync("subscriptions");

        Assert.Matches(@"^arn:aws:sns:us-east-1:000000000000:subs-[0-9a-f]+:[0-9a-f-]{36}$", (string)observed["subscriptionArn"]!);
        Assert.Contains("NotFound", Errors(observed));
    }

    [Fact]
    public async Task Publish_fans_out_to_three_queues_enveloped_and_raw_with_signatures_a_receiver_verifies()
    {
        var observed = await RunAsync("fanout");

        Assert.True((bool)observed["verified"]!);
        Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", (string)observed["messageId"]!);
    }

    [Fact]
    public async Task Http_endpoint_confirms_through_the_SubscribeURL_then_receives_a_signed_notification_with_SNS_headers()
    {
        await using var receiver = await HookReceiver.StartAsync();
        var observed = await RunAsync("handshake", receiver.BaseUrl);

        var subscriptionArn = (string)observed["subscriptionArn"]!;
        Assert.True((bool)observed["verified"]!);
        var deliveries = receiver.Received;
        Assert.Equal(2, deliveries.Count);
        var (confirmation, notification) = (deliveries[0]["headers"]!, deliveries[1]["headers"]!);
        Assert.Equal("SubscriptionConfirmation", (string)confirmation["x-amz-sns-message-type"]!);
        Assert.Equal("Notification", (string)notification["x-amz-sns-message-type"]!);
        Assert.Equal(subscriptionArn, (string)notification["x-amz-sns-subscription-arn"]!);
        Assert.Equal((string)observed["messageId"]!, (string)notification["x-amz-sns-message-id"]!);
        Assert.Equal(subscriptionArn[..subscriptionArn.LastIndexOf(':')], (string)notification["x-amz-sns-topic-arn"]!);
        Assert.Equal("text/plain; charset=UTF-8", (string)notification["content-type"]!);
    }

    [Fact]
    public async Task Fifo_topic_keeps_group_order_identical_in_three_fifo_queues_and_drops_duplicates()
    {
        var observed = await RunAsync("fifo");

        var orders = observed["orders"]!.AsArray().Select(o => o!.ToJsonString()).ToList();
        Assert.Equal(3, orders.Count);
        Assert.Single(orders.Distinct());
    }

    [Fact]
    public async Task PublishBatch_answers_partial_failure_per_entry_and_refuses_bad_batches()
    {
        var observed = await RunAsync("batch");

        Assert.Equal(["ParameterValueInvalid"], observed["failed"]!.AsArray().Select(f => (string)f!));
        Assert.Equal(["TooManyEntriesInBatchRequest", "BatchEntryIdsNotDistinct"], Errors(observed));
    }

    [Fact]
    public async Task Bad_input_gets_snss_error_codes()
    {
        var observed = await RunAsync("errors");

        Assert.Equal(["NotFound", "InvalidParameter", "InvalidParameter", "ParameterValueInvalid"], Errors(observed));
    }
}

public sealed class AwsCliSnsScenarios(AnySignatureServer server) : SnsClientScenarios(server, SnsClient.AwsCli), IClassFixture<AnySignatureServer>;

public sealed class Boto3SnsScenarios(AnySignatureServer server) : SnsClientScenarios(server, SnsClient.Boto3), IClassFixture<AnySignatureServer>;

public sealed class JavaScriptSnsScenarios(AnySignatureServer server) : SnsClientScenarios(server, SnsClient.JavaScript), IClassFixture<AnySignatureServer>;
