using Spillway.Firehose.ClientTests.Support;
using Spillway.TestKit;

namespace Spillway.Firehose.ClientTests;

/// <summary>
/// boto3 creates a delivery stream with an HTTP endpoint destination (a Python HTTP server in the scenario), sees it
/// described back without its access key, and the endpoint receives Firehose's request; pointed at a URL that refuses,
/// the buffer lands in the backup bucket, read back through S3.
/// </summary>
public sealed class Boto3HttpEndpointScenarios(AnySignatureServer server) : IClassFixture<AnySignatureServer>
{
    [Fact]
    public async Task An_http_endpoint_destination_receives_firehose_requests_and_failures_are_backed_up()
    {
        var result = await FirehoseClient.RunAsync(FirehoseClient.Boto3, "http_endpoint", server.Process.BaseAddress);
        Assert.True(result.ExitCode == 0 && result.Stdout.Contains("SCENARIO OK http_endpoint", StringComparison.Ordinal),
            $"boto3 scenario http_endpoint failed: {result}\n--- server\n{server.Process.Output}");
        var observed = result.Observed;

        Assert.Equal(["ValidationException"], observed["errors"]!.AsArray().Select(e => (string)e!));
        Assert.Equal(2, (int)observed["requests"]!);
        Assert.Equal("{\"n\":3}", (string)observed["failed"]!);
        Assert.Equal("HttpEndpoint.InvalidResponseFromDestination", (string)observed["errorCode"]!);
    }
}
