using System.Text.Json.Nodes;
using Spillway.Sqs.ClientTests.Support;
using Spillway.TestKit;

namespace Spillway.Sqs.ClientTests;

/// <summary>
/// Every scenario of issue 4, run by one real client against one real server. Each client's class inherits these tests;
/// the scenario scripts check the details and print what they observed, which the tests check again here.
/// </summary>
public abstract class ClientScenarios(SqsServer server, ClientScript client)
{
    private async Task<JsonObject> RunAsync(string scenario, IDictionary<string, string>? extra = null)
    {
        var result = await ScenarioRunner.RunAsync(client, scenario, server.Endpoint, server.AccessKeyId, server.SecretAccessKey, extra);
        Assert.True(result.ExitCode == 0 && result.Stdout.Contains("SCENARIO OK " + scenario, StringComparison.Ordinal),
            $"{client.Name} scenario {scenario} failed: {result}\n--- server\n{server.Process.Output}");
        Assert.False(server.Process.HasExited, "the server exited:\n" + server.Process.Output);
        return result.Observed;
    }

    /// <summary>Whether an observed error (a code, or "name|code" from the JS SDK) is one of these.</summary>
    private static bool Names(string observed, params string[] names) => names.Any(n => observed.Contains(n, StringComparison.Ordinal));

    [Fact]
    public async Task Seed_step_send_message_to_the_submit_queue_lands_in_users()
    {
        var name = "sqs-" + Guid.NewGuid().ToString("N")[..10];

        var observed = await RunAsync("seed", new Dictionary<string, string> { ["SEED_NAME"] = name });

        Assert.EndsWith("/submit", (string)observed["queueUrl"]!, StringComparison.Ordinal);
        Assert.StartsWith(server.Endpoint.ToString().TrimEnd('/'), (string)observed["queueUrl"]!, StringComparison.Ordinal);
        var row = await server.WaitForUserAsync(name, TimeSpan.FromSeconds(30));
        Assert.Equal((name, name + "@example.com"), row);
    }

    [Fact]
    public async Task Queue_lifecycle_create_get_list_attributes_delete()
    {
        var observed = await RunAsync("lifecycle");

        Assert.StartsWith("arn:aws:sqs:", (string)observed["arn"]!, StringComparison.Ordinal);
        if (client == SqsClient.JavaScript)
        {
            Assert.Equal("application/x-amz-json-1.0", (string)observed["contentType"]!);
        }
        else
        {
            Assert.Equal("query", (string)observed["protocol"]!);
        }

        var errors = observed["errors"]!.AsArray().Select(e => (string)e!).ToList();
        Assert.Contains(errors, e => Names(e, "QueueAlreadyExists", "QueueNameExists"));
        Assert.Contains(errors, e => Names(e, "NonExistentQueue", "QueueDoesNotExist"));
    }

    [Fact]
    public async Task Send_receive_delete_singly_and_in_batches()
    {
        var observed = await RunAsync("messages");

        Assert.Equal(10, (int)observed["batch"]!);
    }

    [Fact]
    public async Task Visibility_changes_hide_and_release_a_message()
    {
        var observed = await RunAsync("visibility");

        Assert.Equal("2", (string)observed["receiveCount"]!);
    }

    [Fact]
    public async Task Long_poll_returns_as_soon_as_a_message_arrives()
    {
        var observed = await RunAsync("long_polling");

        // The aws CLI measures from the end of its send command, which the poll can beat: a figure below zero.
        Assert.True((double)observed["wakeSeconds"]! < 3, observed.ToJsonString());
        Assert.True((double)observed["emptyWaitSeconds"]! >= 0.9);
    }

    [Fact]
    public async Task Delayed_message_stays_hidden_until_its_delay_passes()
    {
        var observed = await RunAsync("delays");

        Assert.True((double)observed["delaySeconds"]! >= 1.5);
    }

    [Fact]
    public async Task Fifo_queue_keeps_group_order_and_drops_duplicates()
    {
        var observed = await RunAsync("fifo");

        var order = observed["order"]!.AsArray().Select(n => (string)n!).Where(b => b.StartsWith('a')).ToArray();
        Assert.Equal(["a0", "a1", "a2", "a3", "a4"], order);
    }

    [Fact]
    public async Task Dead_letter_queue_receives_after_max_receives()
    {
        var observed = await RunAsync("dead_letters");

        Assert.StartsWith("arn:aws:sqs:", (string)observed["deadLetterArn"]!, StringComparison.Ordinal);
        if (client != SqsClient.AwsCli)
        {
            // The Debian CLI's model predates message move tasks; boto3 sends them by hand, the JS SDK natively.
            Assert.Equal("COMPLETED", (string)observed["moveStatus"]!);
        }
    }

    [Fact]
    public async Task Message_attributes_round_trip_with_matching_md5()
    {
        var observed = await RunAsync("attributes");

        Assert.Equal("c932db14a896c663f83c260297d594ff", (string)observed["md5OfMessageAttributes"]!);
    }

    [Fact]
    public async Task Purge_empties_the_queue()
    {
        var observed = await RunAsync("purge");

        Assert.Equal(3, (int)observed["purged"]!);
    }

    [Fact]
    public async Task Tags_are_added_listed_and_removed()
    {
        var observed = await RunAsync("tags");

        Assert.Equal("""{"env":"test"}""", observed["tags"]!.ToJsonString());
    }

    [Fact]
    public async Task Every_error_class_comes_back_with_its_sqs_code()
    {
        var observed = await RunAsync("errors");

        Assert.True(observed["errors"]!.AsArray().Count >= 12, observed.ToJsonString());
    }
}

public sealed class AwsCliScenarios(SqsServer server) : ClientScenarios(server, SqsClient.AwsCli), IClassFixture<SqsServer>;

public sealed class Boto3Scenarios(SqsServer server) : ClientScenarios(server, SqsClient.Boto3), IClassFixture<SqsServer>;

public sealed class JavaScriptSdkScenarios(SqsServer server) : ClientScenarios(server, SqsClient.JavaScript), IClassFixture<SqsServer>;
