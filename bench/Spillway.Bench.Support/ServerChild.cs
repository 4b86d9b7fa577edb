using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Spillway.Bench.Support;

/// <summary>
/// `dotnet spillway.dll serve` as a child process on a free loopback port, its log passed on to standard error, ready
/// once a probe answers: the server a benchmark program measures in the same run as its baseline.
/// </summary>
public sealed class ServerChild : IAsyncDisposable
{
    private ServerChild(Process process, Uri baseAddress)
    {
        Process = process;
        BaseAddress = baseAddress;
    }

    public Process Process { get; }

    /// <summary><c>http://127.0.0.1:PORT/</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>
    /// Starts <paramref name="dll"/> with <c>serve --urls … --data-dir <paramref name="dataDirectory"/></c> and
    /// <paramref name="arguments"/>, and returns once <paramref name="probe"/> answers 2xx (within 60 s).
    /// </summary>
    public static async Task<ServerChild> StartAsync(string dll, string dataDirectory, IEnumerable<string> arguments, string probe)
    {
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])[
                     dll, "serve", "--urls", $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}", "--data-dir", dataDirectory,
                     "--Logging:LogLevel:Default=Warning", .. arguments])
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                Console.Error.WriteLine("server: " + e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var child = new ServerChild(process, new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/"));
        using var client = new HttpClient { BaseAddress = child.BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        for (var i = 0; ; i++)
        {
            try
            {
                using var answer = await client.GetAsync(probe).ConfigureAwait(false);
                if (answer.IsSuccessStatusCode)
                {
                    return child;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && i < 600 && !process.HasExited)
            {
            }

            if (i >= 600 || process.HasExited)
            {
                await child.DisposeAsync().ConfigureAwait(false);
                throw new InvalidOperationException($"The server did not answer {probe}.");
            }

            await Task.Delay(100).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
            await Process.WaitForExitAsync().ConfigureAwait(false);
        }

        Process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
