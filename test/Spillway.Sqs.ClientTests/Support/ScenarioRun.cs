using Spillway.TestKit;

namespace Spillway.Sqs.ClientTests.Support;

/// <summary>The SQS clients and their scenario scripts (clients/scenarios.*).</summary>
public static class SqsClient
{
    public static readonly ClientScript AwsCli = new("aws CLI", "/bin/bash", "scenarios.sh", ClientsDirectory, "/usr/bin/aws", "awscli");
    public static readonly ClientScript Boto3 = new("boto3", "/usr/bin/python3", "scenarios.py", ClientsDirectory, "/usr/bin/python3", "python3-boto3");
    public static readonly ClientScript JavaScript = new(
        "@aws-sdk/client-sqs", "node", "scenarios.mjs", ClientsDirectory, Path.Combine(ClientsDirectory, "node_modules", "@aws-sdk", "client-sqs"), "npm ci");

    public static string ClientsDirectory => Path.Combine(SpillwayPaths.RepositoryRoot, "test", "Spillway.Sqs.ClientTests", "clients");
}

public static class ScenarioRunner
{
    /// <summary>Runs <paramref name="scenario"/> of <paramref name="client"/> against <paramref name="endpoint"/> with these
    /// credentials and any <paramref name="extra"/> variables.</summary>
    public static Task<ScenarioResult> RunAsync(
        ClientScript client, string scenario, Uri endpoint, string accessKeyId, string secretAccessKey,
        IDictionary<string, string>? extra = null, TimeSpan? timeout = null)
    {
        var environment = new Dictionary<string, string>(extra ?? new Dictionary<string, string>())
        {
            ["SQS_ENDPOINT"] = endpoint.ToString().TrimEnd('/'),
            ["AWS_ACCESS_KEY_ID"] = accessKeyId,
            ["AWS_SECRET_ACCESS_KEY"] = secretAccessKey,
        };
        return client.RunAsync(scenario, environment, timeout);
    }
}
