using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Spillway.EndToEnd.Tests.Support;

/// <summary>A <c>spillway</c> client command as a child process: stdin to feed, output read as it comes, SIGINT to stop.</summary>
public sealed class CliProcess : IDisposable
{
    private readonly Process process;
    private readonly StringBuilder stdout = new();
    private readonly StringBuilder stderr = new();

    private CliProcess(Process process)
    {
        this.process = process;
        process.OutputDataReceived += (_, e) => Append(stdout, e.Data);
        process.ErrorDataReceived += (_, e) => Append(stderr, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Output => Read(stdout);

    public string Errors => Read(stderr);

    public static CliProcess Start(IEnumerable<string> arguments, IDictionary<string, string>? environment = null)
    {
        // A developer's own server and key must not leak into the commands under test.
        var start = SpillwayProcess.StartInfo(arguments, environment, "SPILLWAY_SERVER", "SPILLWAY_API_KEY");
        start.RedirectStandardInput = true;
        return new CliProcess(Process.Start(start) ?? throw new InvalidOperationException("could not start spillway"));
    }

    /// <summary>Runs a command with <paramref name="input"/> on stdin to completion.</summary>
    public static async Task<(int ExitCode, string Output, string Errors)> RunAsync(
        IEnumerable<string> arguments, string? input = null, IDictionary<string, string>? environment = null)
    {
        using var cli = Start(arguments, environment);
        if (input is not null)
        {
            await cli.process.StandardInput.WriteAsync(input);
        }

        cli.process.StandardInput.Close();
        var exitCode = await cli.WaitForExitAsync(TimeSpan.FromSeconds(60));
        return (exitCode, cli.Output, cli.Errors);
    }

    /// <summary>Waits until stdout satisfies <paramref name="condition"/> (the process keeps running).</summary>
    public Task WaitForOutputAsync(Func<string, bool> condition, TimeSpan timeout) => WaitForAsync(() => condition(Output), timeout);

    /// <summary>Waits until stderr satisfies <paramref name="condition"/>.</summary>
    public Task WaitForErrorsAsync(Func<string, bool> condition, TimeSpan timeout) => WaitForAsync(() => condition(Errors), timeout);

    /// <summary>SIGINT, as Ctrl-C in a terminal.</summary>
    public async Task InterruptAsync()
    {
        using var kill = Process.Start("kill", ["-INT", process.Id.ToString(CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(cts.Token);
        return process.ExitCode;
    }

    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }

        process.Dispose();
    }

    private async Task WaitForAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline || process.HasExited)
            {
                throw new TimeoutException($"output never matched; stdout:\n{Output}\nstderr:\n{Errors}");
            }

            await Task.Delay(20);
        }
    }

    private static void Append(StringBuilder builder, string? line)
    {
        if (line is not null)
        {
            lock (builder)
            {
                builder.AppendLine(line);
            }
        }
    }

    private static string Read(StringBuilder builder)
    {
        lock (builder)
        {
            return builder.ToString();
        }
    }
}
