using System.Text.Json.Nodes;
using Spillway.Firehose.ClientTests.Support;
using Spillway.TestKit;

namespace Spillway.Firehose.ClientTests;

/// <summary>
/// Every Firehose action, run by one real client against one real server, with the delivered files read back through the
/// same client's S3 API. Each client's class inherits these tests; the scenario scripts check the details as they go and
/// print what they observed, which the tests check again here.
/// </summary>
public abstract class FirehoseClientScenarios(AnySignatureServer server, ClientScript client)
{
    private async Task<JsonObject> RunAsync(string scenario)
    {
        var result = await FirehoseClient.RunAsync(client, scenario, server.Process.BaseAddress);
        Assert.True(result.ExitCode == 0 && result.Stdout.Contains("SCENARIO OK " + scenario, StringComparison.Ordinal),
            $"{client.Name} scenario {scenario} failed: {result}\n--- server\n{server.Process.Output}");
        Assert.False(server.Process.HasExited, "the server exited:\n" + server.Process.Output);
        return result.Observed;
    }

    private static List<string> Errors(JsonObject observed) => [.. observed["errors"]!.AsArray().Select(e => (string)e!)];

    [Fact]
    public async Task Delivery_stream_administration_create_describe_list_tags_update_and_delete()
    {
        var observed = await RunAsync("administration");

        Assert.Equal("2", (string)observed["version"]!);
        Assert.Equal(
            ["ResourceInUseException", "ConcurrentModificationException", "InvalidArgumentException", "ResourceNotFoundException"],
            Errors(observed));
    }

    [Fact]
    public async Task Records_put_one_by_one_and_in_a_batch_arrive_in_one_gzip_file_read_back_through_s3()
    {
        var observed = await RunAsync("delivery");

        Assert.Equal(6, (int)observed["lines"]!);
        Assert.Matches(@"^readings/\d{4}/\d{2}/\d{2}/\d{2}/[a-z0-9-]+-1-\d{4}(-\d{2}){5}-[0-9a-f-]{36}\.gz$", (string)observed["key"]!);
    }

    [Fact]
    public async Task Dynamic_partitioning_writes_a_file_per_customer_and_the_unreadable_record_under_the_error_prefix()
    {
        var observed = await RunAsync("partitioning");

        Assert.Equal(["customer=a/", "customer=b/", "errors/"], observed["prefixes"]!.AsArray().Select(p => (string)p!));
    }
}

public sealed class AwsCliFirehoseScenarios(AnySignatureServer server) : FirehoseClientScenarios(server, FirehoseClient.AwsCli), IClassFixture<AnySignatureServer>;

public sealed class Boto3FirehoseScenarios(AnySignatureServer server) : FirehoseClientScenarios(server, FirehoseClient.Boto3), IClassFixture<AnySignatureServer>;

public sealed class JavaScriptFirehoseScenarios(AnySignatureServer server) : FirehoseClientScenarios(server, FirehoseClient.JavaScript), IClassFixture<AnySignatureServer>;
