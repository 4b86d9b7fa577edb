using System.Diagnostics;
using System.Text.Json.Nodes;
using Xunit;

namespace Spillway.TestKit;

/// <summary>
/// A real AWS client (the aws CLI, boto3, an npm SDK) and the scenario script that drives it (clients/scenarios.*),
/// run as a process against a server with only the environment the test chooses.
/// </summary>
/// <param name="Name">The client's name in test output.</param>
/// <param name="Runner">The program that runs <paramref name="Script"/>.</param>
/// <param name="ClientsDirectory">The folder holding the scripts and the npm clients.</param>
/// <param name="Requires">A file or directory that exists once the client is installed.</param>
/// <param name="InstalledBy">What installs it, for the message when it is missing.</param>
public sealed record ClientScript(string Name, string Runner, string Script, string ClientsDirectory, string Requires, string InstalledBy)
{
    /// <summary>Runs <paramref name="scenario"/> with <paramref name="environment"/> (the endpoint, credentials) added to a
    /// clean AWS environment: no profile, config file or instance metadata of the machine leaks in.</summary>
    public async Task<ScenarioResult> RunAsync(string scenario, IDictionary<string, string> environment, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(environment);
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
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("AWS_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }

        start.Environment["AWS_DEFAULT_REGION"] = "us-east-1";
        start.Environment["AWS_CONFIG_FILE"] = "/nonexistent/aws-config";
        start.Environment["AWS_SHARED_CREDENTIALS_FILE"] = "/nonexistent/aws-credentials";
        start.Environment["AWS_EC2_METADATA_DISABLED"] = "true";
        start.Environment["AWS_MAX_ATTEMPTS"] = "1";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + Runner);
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
            Assert.Fail($"{Name} scenario {scenario} did not finish in time:\n{await stdout}\n{await stderr}");
        }

        return new ScenarioResult(process.ExitCode, await stdout, await stderr);
    }

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
