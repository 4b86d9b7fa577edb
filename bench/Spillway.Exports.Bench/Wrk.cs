using System.Diagnostics;

namespace Spillway.Exports.Bench;

/// <summary>
/// wrk (Debian's package) posting one seed record per request to /submit, two threads: on two cores a C load generator
/// takes the least CPU from the server. Runs until disposed; the server counts what it accepted.
/// </summary>
internal sealed class Wrk : IAsyncDisposable
{
    private const string Script = """
        wrk.method = "POST"
        wrk.headers["Content-Type"] = "application/json"
        local n = 0
        request = function()
          n = n + 1
          return wrk.format(nil, nil, nil, '{"name":"user' .. n .. '","email":"user' .. n .. '@example.com"}')
        end
        """;

    private readonly Process process;
    private readonly string script;

    private Wrk(Process process, string script)
    {
        this.process = process;
        this.script = script;
    }

    public static Wrk Start(BenchSettings settings, Uri server)
    {
        var script = Path.Combine(Path.GetTempPath(), $"spillway-export-bench-{Environment.ProcessId}.lua");
        File.WriteAllText(script, Script);
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
        return new Wrk(process, script);
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
        File.Delete(script);
    }
}
