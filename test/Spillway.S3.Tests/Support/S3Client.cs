using Spillway.TestKit;

namespace Spillway.S3.Tests.Support;

/// <summary>The real S3 clients and their scenario scripts (clients/scenarios.*).</summary>
public static class S3Client
{
    public static readonly ClientScript AwsCli = new("aws CLI", "/bin/bash", "scenarios.sh", ClientsDirectory, "/usr/bin/aws", "awscli");
    public static readonly ClientScript Boto3 = new("boto3", "/usr/bin/python3", "scenarios.py", ClientsDirectory, "/usr/bin/python3", "python3-boto3");

    public static string ClientsDirectory => Path.Combine(SpillwayPaths.RepositoryRoot, "test", "Spillway.S3.Tests", "clients");

    /// <summary>Runs <paramref name="scenario"/> of <paramref name="client"/> against <paramref name="endpoint"/>, signing
    /// with <paramref name="secret"/> as access key "test".</summary>
    public static Task<ScenarioResult> RunAsync(ClientScript client, string scenario, Uri endpoint, string secret) =>
        client.RunAsync(scenario, new Dictionary<string, string>
        {
            ["S3_ENDPOINT"] = endpoint.ToString().TrimEnd('/'),
            ["AWS_ACCESS_KEY_ID"] = "test",
            ["AWS_SECRET_ACCESS_KEY"] = secret,
        });
}
