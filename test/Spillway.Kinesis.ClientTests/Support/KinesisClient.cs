using Spillway.TestKit;

namespace Spillway.Kinesis.ClientTests.Support;

/// <summary>The Kinesis clients and their scenario scripts (clients/scenarios.*).</summary>
public static class KinesisClient
{
    public static readonly ClientScript AwsCli = new("aws CLI", "/bin/bash", "scenarios.sh", ClientsDirectory, "/usr/bin/aws", "awscli");
    public static readonly ClientScript Boto3 = new("boto3", "/usr/bin/python3", "scenarios.py", ClientsDirectory, "/usr/bin/python3", "python3-boto3");
    public static readonly ClientScript JavaScript = new(
        "@aws-sdk/client-kinesis", "node", "scenarios.mjs", ClientsDirectory,
        Path.Combine(ClientsDirectory, "node_modules", "@aws-sdk", "client-kinesis"), "npm ci");

    public static string ClientsDirectory => Path.Combine(SpillwayPaths.RepositoryRoot, "test", "Spillway.Kinesis.ClientTests", "clients");

    /// <summary>Runs <paramref name="scenario"/> of <paramref name="client"/> against <paramref name="endpoint"/>; the
    /// server accepts any signature.</summary>
    public static Task<ScenarioResult> RunAsync(ClientScript client, string scenario, Uri endpoint) =>
        client.RunAsync(scenario, new Dictionary<string, string>
        {
            ["KINESIS_ENDPOINT"] = endpoint.ToString().TrimEnd('/'),
            ["AWS_ACCESS_KEY_ID"] = "test",
            ["AWS_SECRET_ACCESS_KEY"] = "test",
        });
}
