using Spillway.TestKit;

namespace Spillway.Sns.ClientTests.Support;

/// <summary>The SNS clients and their scenario scripts (clients/scenarios.*).</summary>
public static class SnsClient
{
    public static readonly ClientScript AwsCli = new("aws CLI", "/bin/bash", "scenarios.sh", ClientsDirectory, "/usr/bin/aws", "awscli");
    public static readonly ClientScript Boto3 = new("boto3", "/usr/bin/python3", "scenarios.py", ClientsDirectory, "/usr/bin/python3", "python3-boto3");
    public static readonly ClientScript JavaScript = new(
        "@aws-sdk/client-sns", "node", "scenarios.mjs", ClientsDirectory,
        Path.Combine(ClientsDirectory, "node_modules", "@aws-sdk", "client-sns"), "npm ci");

    public static string ClientsDirectory => Path.Combine(SpillwayPaths.RepositoryRoot, "test", "Spillway.Sns.ClientTests", "clients");

    /// <summary>Runs <paramref name="scenario"/> of <paramref name="client"/> against <paramref name="endpoint"/>; the
    /// server accepts any signature.</summary>
    /// <param name="receiver">The base URL of the scenario's HTTP subscriber (<see cref="HookReceiver"/>), as RECEIVER_URL.</param>
    public static Task<ScenarioResult> RunAsync(ClientScript client, string scenario, Uri endpoint, string? receiver = null) =>
        client.RunAsync(scenario, new Dictionary<string, string>
        {
            ["SNS_ENDPOINT"] = endpoint.ToString().TrimEnd('/'),
            ["AWS_ACCESS_KEY_ID"] = "test",
            ["AWS_SECRET_ACCESS_KEY"] = "test",
            ["RECEIVER_URL"] = receiver ?? string.Empty,
        });
}
