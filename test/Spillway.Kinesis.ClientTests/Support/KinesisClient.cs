using System.Diagnostics;
using System.Text.Json.Nodes;
using Spillway.TestKit;

namespace Spillway.Kinesis.ClientTests.Support;

/// <summary>One Kinesis client, and how to run one of its scenario scripts (clients/scenarios.*) as a process.</summary>
public sealed class KinesisClient
{
    public static readonly KinesisClient AwsCli = new("aws CLI", "/bin/bash", "scenarios.sh", "/usr/bin/aws", "awscli");
    public static readonly KinesisClient Boto3 = new("boto3", "/usr/bin/python3", "scenarios.py", "/usr/bin/python3", "python3-boto3");
    public static readonly KinesisClient JavaScript = new(
        "@aws-sdk/client-kinesis", "node", "scenarios.mjs", Path.Combine(ClientsDirectory, "node_modules", "@aws-sdk", "client-kinesis"), "npm ci");

    private KinesisClient(string name, string runner, string script, string requires, string installedBy)
    {
        Name = name;
        Runner = runner;
        Script = script;
        Requires = requires;
        InstalledBy = installedBy;
    }

    public string Name { get; }

    public static string ClientsDirectory => Path.Combine(SpillwayPaths.RepositoryRoot, "test", "Spillway.Kinesis.ClientTests", "clients");

    private string Runner { get; }

    private string Script { get; }

    /// <summary>A file or directory that exists once the client is installed.</summary>
    private string Requires { get; }

    private string InstalledBy { get; }

    /// <summary>Runs <paramref name="scenario"/> against <paramref name="endpoint"/> with only the environment the test chooses.</summary>
    public async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string scenario, Uri endpoint)
    {
        Assert.True(
            File.Exists(Requires) || Directory.Exists(Requires),
            $"{Name} is not installed ({Requires} is missing): run ./test.sh, which installs it ({InstalledBy})");
        var start = new ProcessStartInfo(Runner)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = ClientsDirectory,
        };
        start.ArgumentList.Add(Path.Combine(ClientsDirectory, Script));
        start.ArgumentList.Add(scenario);

        // No profile, config file or instance metadata of the machine leaks in.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("AWS_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }

        start.Environment["KINESIS_ENDPOINT"] = endpoint.ToString().TrimEnd('/');
        start.Environment["AWS_ACCESS_KEY_ID"] = "test";
        start.Environment["AWS_SECRET_ACCESS_KEY"] = "test";
        start.Environment["AWS_DEFAULT_REGION"] = "us-east-1";
        start.Environment["AWS_CONFIG_FILE"] = "/nonexistent/aws-config";
        start.Environment["AWS_SHARED_CREDENTIALS_FILE"] = "/nonexistent/aws-credentials";
        start.Environment["AWS_EC2_METADATA_DISABLED"] = "true";
        start.Environment["AWS_MAX_ATTEMPTS"] = "1";
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + Runner);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Assert.Fail($"{Name} scenario {scenario} did not finish in time:\n{await stdout}\n{await stderr}");
        }

        return (process.ExitCode, await stdout, await stderr);
    }

    public override string ToString() => Name;
}

/// <summary>A real <c>spillway serve</c> with its default configuration, shared by one test class; any signature is accepted.</summary>
public sealed class KinesisServer : IAsyncLifetime
{
    private readonly DirectoryInfo work = Directory.CreateTempSubdirectory("spillway-kinesis-clients-");
    private SpillwayProcess? process;

    public SpillwayProcess Process => process ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync() => process = await SpillwayProcess.StartAsync(
        Path.Combine(work.FullName, "data"),
        environment: new Dictionary<string, string> { ["SPILLWAY_ACCESS_KEY_ID"] = string.Empty, ["SPILLWAY_SECRET_ACCESS_KEY"] = string.Empty });

    public async Task DisposeAsync()
    {
        if (process is not null)
        {
            await process.DisposeAsync();
        }

        work.Delete(recursive: true);
    }
}
