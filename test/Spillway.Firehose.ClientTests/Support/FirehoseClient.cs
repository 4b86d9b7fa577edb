using Spillway.TestKit;

namespace Spillway.Firehose.ClientTests.Support;

/// <summary>The Firehose clients and their scenario scripts (clients/scenarios.*).</summary>
public static class FirehoseClient
{
    public static readonly ClientScript AwsCli = new("aws CLI", "/bin/bash", "scenarios.sh", ClientsDirectory, "/usr/bin/aws", "awscli");
    public static readonly ClientScript Boto3 = new("boto3", "/usr/bin/python3", "scenarios.py", ClientsDirectory, "/usr/bin/python3", "python3-boto3");
    public static readonly ClientScript JavaScript = new(
        "@aws-sdk/client-firehose", "node", "scenarios.mjs", ClientsDirectory,
        Path.Combine(ClientsDirectory, "node_modules", "@aws-sdk", "client-firehose"), "npm ci");

    public static string ClientsDirectory => Path.Combine(SpillwayPaths.RepositoryRoot, "test", "Spillway.Firehose.ClientTests", "clients");

    /// <summary>Runs <paramref name="scenario"/> of <paramref name="client"/> against <paramref name="endpoint"/>; the
    /// server accepts any signature.</summary>
    public static Task<ScenarioResult> RunAsync(ClientScript client, string scenario, Uri endpoint) =>
        client.RunAsync(scenario, new Dictionary<string, string>
        {
            ["FIREHOSE_ENDPOINT"] = endpoint.ToString().TrimEnd('/'),
            ["AWS_ACCESS_KEY_ID"] = "test",
            ["AWS_SECRET_ACCESS_KEY"] = "test",
        });
}
