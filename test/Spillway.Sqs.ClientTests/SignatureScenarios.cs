using Spillway.Sqs.ClientTests.Support;

namespace Spillway.Sqs.ClientTests;

/// <summary>A server with credentials configured: each client's right key works, a wrong secret and an unknown key do not.</summary>
public sealed class SignatureScenarios(SignedSqsServer server) : IClassFixture<SignedSqsServer>
{
    public static TheoryData<string> Clients => ["aws", "boto3", "js"];

    [Theory]
    [MemberData(nameof(Clients))]
    public async Task Right_key_works_wrong_secret_and_unknown_key_are_refused(string name)
    {
        var client = name switch { "aws" => SqsClient.AwsCli, "boto3" => SqsClient.Boto3, _ => SqsClient.JavaScript };

        var result = await ScenarioRunner.RunAsync(client, "signature", server.Endpoint, server.AccessKeyId, server.SecretAccessKey,
            new Dictionary<string, string> { ["WRONG_SECRET"] = "not-the-secret", ["UNKNOWN_KEY"] = "AKIAUNKNOWNKEY000000" });

        Assert.True(result.ExitCode == 0, $"{client.Name}: {result}\n--- server\n{server.Process.Output}");
        var observed = result.Observed;
        Assert.Contains("SignatureDoesNotMatch", (string)observed["wrongSecret"]!, StringComparison.Ordinal);
        Assert.Contains("InvalidClientTokenId", (string)observed["unknownKey"]!, StringComparison.Ordinal);
        if (client == SqsClient.Boto3)
        {
            Assert.Equal("accepted", (string)observed["presigned"]!);
            Assert.Equal("MissingAuthenticationToken", (string)observed["unsigned"]!);
        }

        Assert.DoesNotContain(server.SecretAccessKey, server.Process.Output, StringComparison.Ordinal);
    }
}
