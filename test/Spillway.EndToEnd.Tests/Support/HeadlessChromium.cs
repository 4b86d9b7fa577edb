using System.Diagnostics;

namespace Spillway.EndToEnd.Tests.Support;

/// <summary>Debian's chromium, headless: the DOM a page has built after its scripts ran, and a screenshot.</summary>
internal static class HeadlessChromium
{
    public static async Task<string> DumpDomAsync(Uri page, TimeSpan budget) =>
        (await RunAsync(page, budget, "--dump-dom")).Output;

    public static async Task ScreenshotAsync(Uri page, TimeSpan budget, string file)
    {
        var (exitCode, output) = await RunAsync(page, budget, "--screenshot=" + file, "--window-size=1280,1600");
        if (exitCode != 0 || !File.Exists(file))
        {
            throw new InvalidOperationException($"chromium took no screenshot (exit {exitCode}): {output}");
        }
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(Uri page, TimeSpan budget, params string[] action)
    {
        var start = new ProcessStartInfo(Executable())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // No sandbox: the test suite may run as root, where chromium refuses its sandbox.
        foreach (var argument in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run" })
        {
            start.ArgumentList.Add(argument);
        }

        start.ArgumentList.Add("--virtual-time-budget=" + (int)budget.TotalMilliseconds);
        foreach (var argument in action)
        {
            start.ArgumentList.Add(argument);
        }

        start.ArgumentList.Add(page.ToString());
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start chromium");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await process.WaitForExitAsync(timeout.Token);
        var output = await stdout;
        _ = await stderr;
        return (process.ExitCode, output);
    }

    private static string Executable()
    {
        foreach (var candidate in new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" })
        {
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException(
            "chromium is not installed: run the tests through ./test.sh, which installs it (Debian package chromium)");
    }
}
