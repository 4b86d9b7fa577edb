using System.Diagnostics;
using System.Text.Json.Nodes;
using Spillway.TestKit;

namespace Spillway.Sqs.ClientTests.Support;

/// <summary>One SQS client, and how to run one of its scenario scripts (clients/scenarios.*) as a process.</summary>
public sealed class SqsClient
{
    public static readonly SqsClient AwsCli = new("aws CLI", "/bin/bash", "scenarios.sh", "/usr/bin/aws", "awscli");
    public static readonly SqsClient Boto3 = new("boto3", "/usr/bin/python3", "scenarios.py", "/usr/bin/python3", "python3-boto3");
    public static readonly SqsClient JavaScript = new(
        "@aws-sdk/client-sqs", "node", "scenarios.mjs", Path.Combine(ClientsDirectory, "node_modules", "@aws-sdk", "client-sqs"), "npm ci");

    private SqsClient(string name, string runner, string script, string requires, string installedBy)
    {
        Name = name;
        Runner = runner;
        Script = script;
        Requires = requires;
        InstalledBy = installedBy;
    }

    public string Name { get; }

    public string Runner { get; }

    public string Script { get; }

    /// <summary>A file or directory that exists once the client is installed.</summary>
    public string Requires { get; }

    public string InstalledBy { get; }

    public static string ClientsDirectory => Path.Combine(SpillwayPaths.RepositoryRoot, "test", "Spillway.Sqs.ClientTests", "clients");

    public override string ToString() => Name;
}

/// <summary>The outcome of one scenario script: its exit code, its output, and the JSON line of what it observed.</summary>
public sealed record ScenarioResult(int ExitCode, string Stdout, string Stderr)
{
    public JsonObject Observed =>
        Stdout.Split('\n').LastOrDefault(line => line.StartsWith('{')) is { } line
            ? JsonNode.Parse(line)!.AsObject()
            : throw new InvalidOperationException("the scenario printed no JSON line:\n" + Stdout);

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}

public static class ScenarioRunner
{
    /// <summary>Runs <paramref name="scenario"/> of <paramref name="client"/> against <paramref name="endpoint"/>.</summary>
    public static async Task<ScenarioResult> RunAsync(
        SqsClient client, string scenario, Uri endpoint, string accessKeyId, string secretAccessKey,
        IDictionary<string, string>? extra = null, TimeSpan? timeout = null)
    {
        Assert.True(
            File.Exists(client.Requires) || Directory.Exists(client.Requires),
            $"{client.Name} is not installed ({client.Requires} is missing): run ./test.sh, which installs it ({client.InstalledBy})");
        var start = new ProcessStartInfo(client.Runner)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = SqsClient.ClientsDirectory,
        };
        start.ArgumentList.Add(Path.Combine(SqsClient.ClientsDirectory, client.Script));
        start.ArgumentList.Add(scenario);

        // Only what the test chooses: no profile, config file or instance metadata of the machine leaks in.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("AWS_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }

        start.Environment["SQS_ENDPOINT"] = endpoint.ToString().TrimEnd('/');
        start.Environment["AWS_ACCESS_KEY_ID"] = accessKeyId;
        start.Environment["AWS_SECRET_ACCESS_KEY"] = secretAccessKey;
        start.Environment["AWS_DEFAULT_REGION"] = "us-east-1";
        start.Environment["AWS_CONFIG_FILE"] = "/nonexistent/aws-config";
        start.Environment["AWS_SHARED_CREDENTIALS_FILE"] = "/nonexistent/aws-credentials";
        start.Environment["AWS_EC2_METADATA_DISABLED"] = "true";
        start.Environment["AWS_MAX_ATTEMPTS"] = "1";
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + client.Runner);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(120));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Assert.Fail($"{client.Name} scenario {scenario} did not finish in time:\n{await stdout}\n{await stderr}");
        }

        return new ScenarioResult(process.ExitCode, await stdout, await stderr);
    }
}
