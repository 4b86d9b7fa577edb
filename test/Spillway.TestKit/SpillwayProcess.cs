using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace Spillway.TestKit;

/// <summary>The real <c>spillway</c> executable, started as a child process on a free loopback port.</summary>
public sealed class SpillwayProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly StringBuilder output = new();

    private SpillwayProcess(Process process, Uri baseAddress)
    {
        this.process = process;
        BaseAddress = baseAddress;
        Client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public Uri BaseAddress { get; }

    public HttpClient Client { get; }

    public int Port => BaseAddress.Port;

    /// <summary>Everything the process printed so far.</summary>
    public string Output
    {
        get
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }

    public bool HasExited => process.HasExited;

    /// <summary>Starts <c>spillway serve</c> with the given data directory and extra arguments and waits until /healthz answers.</summary>
    public static async Task<SpillwayProcess> StartAsync(
        string dataDirectory, IEnumerable<string>? arguments = null, IDictionary<string, string>? environment = null, int? port = null)
    {
        var chosenPort = port ?? FreePort();
        var args = new List<string> { "serve", "--urls", $"http://127.0.0.1:{chosenPort}", "--data-dir", dataDirectory };
        args.AddRange(arguments ?? []);
        var started = Launch(args, environment);
        var spillway = new SpillwayProcess(started, new Uri($"http://127.0.0.1:{chosenPort}"));
        await spillway.WaitUntilHealthyAsync(TimeSpan.FromSeconds(60));
        return spillway;
    }

    /// <summary>Runs <c>spillway</c> with arguments to completion and returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunToExitAsync(
        IEnumerable<string> arguments, IDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        using var started = Launch(arguments, environment);
        var stdout = started.StandardOutput.ReadToEndAsync();
        var stderr = started.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        await started.WaitForExitAsync(cts.Token);
        return (started.ExitCode, await stdout + await stderr);
    }

    /// <summary>SIGKILL: no shutdown hook, no flush; what was not fsynced is gone.</summary>
    public void Kill()
    {
        process.Kill(entireProcessTree: true);
        process.WaitForExit();
    }

    public async Task StopAsync()
    {
        if (!process.HasExited)
        {
            // SIGTERM, the way a service manager stops it.
            using var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            await kill.WaitForExitAsync();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await process.WaitForExitAsync(cts.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (!process.HasExited)
        {
            try
            {
                await StopAsync();
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        process.Dispose();
    }

    /// <summary>
    /// An environment without AWS credentials (empty values, so none in the test runner's own environment can switch
    /// signing on): on loopback the AWS APIs then take any signature, or none.
    /// </summary>
    public static Dictionary<string, string> AnySignature() => new()
    {
        ["SPILLWAY_ACCESS_KEY_ID"] = string.Empty,
        ["SPILLWAY_SECRET_ACCESS_KEY"] = string.Empty,
    };

    public static int FreePort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task WaitUntilHealthyAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"spillway exited with {process.ExitCode} before it was healthy:\n{Output}");
            }

            try
            {
                using var response = await Client.GetAsync("/healthz");
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"spillway was not healthy within {timeout}:\n{Output}");
    }

    private static Process Launch(IEnumerable<string> arguments, IDictionary<string, string>? environment) =>
        Process.Start(StartInfo(arguments, environment)) ?? throw new InvalidOperationException("could not start spillway");

    /// <summary>
    /// How to run the built <c>spillway</c> with <paramref name="arguments"/>: output redirected, no ambient
    /// DATABASE_URL or <paramref name="unset"/> variables, workstation GC (two cores shared with the test), then
    /// <paramref name="environment"/> on top.
    /// </summary>
    public static ProcessStartInfo StartInfo(
        IEnumerable<string> arguments, IDictionary<string, string>? environment, params string[] unset)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(SpillwayPaths.SpillwayDll);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment.Remove("DATABASE_URL");
        foreach (var name in unset)
        {
            start.Environment.Remove(name);
        }

        start.Environment["DOTNET_gcServer"] = "0";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        return start;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }
}
