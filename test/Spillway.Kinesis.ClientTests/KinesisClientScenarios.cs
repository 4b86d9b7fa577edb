using System.Text.Json.Nodes;
using Spillway.Kinesis.ClientTests.Support;
using Spillway.TestKit;

namespace Spillway.Kinesis.ClientTests;

/// <summary>
/// Every Kinesis action, run by one real client against one real server. Each client's class inherits these tests; the
/// scenario scripts check the details as they go and print what they observed, which the tests check again here.
/// </summary>
public abstract class KinesisClientScenarios(AnySignatureServer server, ClientScript client)
{
    private async Task<JsonObject> RunAsync(string scenario)
    {
        var result = await KinesisClient.RunAsync(client, scenario, server.Process.BaseAddress);
        Assert.True(result.ExitCode == 0 && result.Stdout.Contains("SCENARIO OK " + scenario, StringComparison.Ordinal),
            $"{client.Name} scenario {scenario} failed: {result}\n--- server\n{server.Process.Output}");
        Assert.False(server.Process.HasExited, "the server exited:\n" + server.Process.Output);
        return result.Observed;
    }

    [Fact]
    public async Task Stream_administration_create_describe_list_retention_tags_reshard_mode_delete()
    {
        var observed = await RunAsync("streams");

        Assert.StartsWith("arn:aws:kinesis:us-east-1:000000000000:stream/admin-", (string)observed["arn"]!, StringComparison.Ordinal);
        Assert.Equal(["shardId-000000000001", "shardId-000000000004"], observed["shards"]!.AsArray().Select(s => (string)s!));
        if (client == KinesisClient.JavaScript)
        {
            // The JS SDK speaks JSON 1.1 over HTTP/2 only: its answers arriving at all proves h2c on the main listener.
            Assert.Equal("application/x-amz-json-1.1", (string)observed["contentType"]!);
            Assert.Equal("ClientHttp2Stream", (string)observed["transport"]!);
        }
    }

    [Fact]
    public async Task Records_round_trip_byte_for_byte_from_every_iterator_type()
    {
        var observed = await RunAsync("records");

        Assert.Matches("^[1-9][0-9]*$", (string)observed["sequenceNumber"]!);
        var errors = observed["errors"]!.AsArray().Select(e => (string)e!).ToList();
        Assert.Contains("InvalidArgumentException", errors);
        Assert.Contains("ResourceNotFoundException", errors);
    }

    [Fact]
    public async Task Stream_consumers_register_describe_list_and_deregister()
    {
        var observed = await RunAsync("consumers");

        Assert.Contains("/consumer/app:", (string)observed["consumerArn"]!, StringComparison.Ordinal);
        if (client == KinesisClient.JavaScript)
        {
            // SubscribeToShard over h2c: the record that was there and the one put while subscribed.
            Assert.Equal(2, (int)observed["subscribed"]!);
            Assert.False(string.IsNullOrEmpty((string?)observed["continuation"]));
        }
    }
}

public sealed class AwsCliKinesisScenarios(AnySignatureServer server) : KinesisClientScenarios(server, KinesisClient.AwsCli), IClassFixture<AnySignatureServer>;

public sealed class Boto3KinesisScenarios(AnySignatureServer server) : KinesisClientScenarios(server, KinesisClient.Boto3), IClassFixture<AnySignatureServer>;

public sealed class JavaScriptKinesisScenarios(AnySignatureServer server)
    : KinesisClientScenarios(server, KinesisClient.JavaScript), IClassFixture<AnySignatureServer>;
