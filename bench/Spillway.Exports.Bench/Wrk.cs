using System.Diagnostics;

namespace Spillway.Exports.Bench;

/// <summary>
/// wrk (Debian's package) running the script of bench/wrk-common.sh (one seed record per POST /submit), two threads:
/// on two cores a C load generator takes the least CPU from the server. Runs until disposed; the server counts what
/// it accepted. With a think time each connection waits that long after an answer before its next request (wrk's
/// <c>delay</c>), so the load stays below what the machine can take and "full speed" means all of it is accepted.
/// </summary>
internal sealed class Wrk : IAsyncDisposable
{
    private readonly Process process;

    private Wrk(Process process) => this.process = process;

    public static Wrk Start(BenchSettings settings, Uri server)
    {
        var script = settings.WrkScript;
        if (settings.ThinkMilliseconds > 0)
        {
            script = Path.ChangeExtension(script, ".think.lua");
            File.WriteAllText(script, File.ReadAllText(settings.WrkScript) + $"\ndelay = function() return {settings.ThinkMilliseconds} end\n");
        }

        var start = new ProcessStartInfo("wrk") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])["-t2", $"-c{settings.Connections}", "-d3600s", "-s", script, new Uri(server, "submit").ToString()])
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)
            ?? throw new InvalidOperationException("wrk did not start (apt-get install wrk).");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new Wrk(process);
    }

    /// <summary>Throws if wrk stopped early, which would make every window after it wrong.</summary>
    public void EnsureRunning()
    {
        if (process.HasExited)
        {
            throw new InvalidOperationException($"wrk exited early with {process.ExitCode}.");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }

        process.Dispose();
    }
}
