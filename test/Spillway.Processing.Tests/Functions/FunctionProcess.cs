using System.Diagnostics;

namespace Spillway.Processing.Tests.Functions;

/// <summary>A real function process (Python or Node) serving HTTP on a free loopback port it picks itself.</summary>
internal sealed class FunctionProcess : IAsyncDisposable
{
    private readonly Process process;

    private FunctionProcess(Process process, int port)
    {
        this.process = process;
        BaseUrl = new Uri($"http://127.0.0.1:{port}/");
    }

    public Uri BaseUrl { get; }

    public Uri Url(string path) => new(BaseUrl, path);

    /// <summary>Starts "python" (function.py) or "node" (function.js) and waits for the port it prints.</summary>
    public static async Task<FunctionProcess> StartAsync(string language)
    {
        var (program, script) = language switch
        {
            "python" => ("python3", "function.py"),
            "node" => ("node", "function.js"),
            _ => throw new ArgumentOutOfRangeException(nameof(language), language, null),
        };
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (language == "python")
        {
            start.ArgumentList.Add("-u");
        }

        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Functions", script));
        var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start.");
        try
        {
            var line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(20));
            if (!int.TryParse(line, out var port))
            {
                var error = await process.StandardError.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(5));
                throw new InvalidOperationException($"The {language} function printed no port: '{line}' {error}");
            }

            return new FunctionProcess(process, port);
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
    }
}
