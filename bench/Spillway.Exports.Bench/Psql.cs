using System.Diagnostics;
using System.Globalization;

namespace Spillway.Exports.Bench;

/// <summary>Runs one psql command against a postgresql:// URL (the password through PGPASSWORD, never an argument).</summary>
internal static class Psql
{
    public static async Task RunAsync(string url, string command)
    {
        var uri = new Uri(url);
        var user = uri.UserInfo.Split(':', 2);
        var bin = Environment.GetEnvironmentVariable("SPILLWAY_TEST_PG_BIN");
        var start = new ProcessStartInfo(string.IsNullOrEmpty(bin) ? "psql" : Path.Combine(bin, "psql"))
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        foreach (var argument in new[] { "-h", uri.Host, "-p", uri.Port.ToString(CultureInfo.InvariantCulture), "-U", Uri.UnescapeDataString(user[0]),
                     "-d", uri.AbsolutePath.Trim('/'), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", command })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["PGPASSWORD"] = user.Length > 1 ? Uri.UnescapeDataString(user[1]) : "";
        using var psql = Process.Start(start)!;
        var error = psql.StandardError.ReadToEndAsync();
        await psql.StandardOutput.ReadToEndAsync();
        await psql.WaitForExitAsync();
        if (psql.ExitCode != 0)
        {
            throw new InvalidOperationException("psql failed: " + await error);
        }
    }
}
