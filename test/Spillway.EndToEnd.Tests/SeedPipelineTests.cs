using System.Diagnostics;
using Spillway.EndToEnd.Tests.Support;

namespace Spillway.EndToEnd.Tests;

/// <summary>The seed's own test: curl a record at /submit and find it in users, on each database.</summary>
public sealed class SeedPipelineTests : IDisposable
{
    private const string SeedBody = """{"name": "田中太郎", "email": "tanaka@example.com"}""";
    private readonly DirectoryInfo work = Directory.CreateTempSubdirectory("spillway-e2e-");

    [Fact]
    public async Task Curl_post_reaches_users_in_the_embedded_default_sqlite()
    {
        var dataDirectory = Path.Combine(work.FullName, "data");
        await using var server = await SpillwayProcess.StartAsync(dataDirectory);

        var (status, body) = await CurlAsync(server.Port, SeedBody);

        Assert.Equal("202", status);
        Assert.Contains("messageId", body, StringComparison.Ordinal);
        var database = TestDatabase.Sqlite(Path.Combine(dataDirectory, "spillway.db"));
        var rows = await database.WaitForUsersAsync(r => r.Count > 0, TimeSpan.FromSeconds(30));
        var row = Assert.Single(rows);
        Assert.Equal("田中太郎", row.Name);
        Assert.Equal("tanaka@example.com", row.Email);
    }

    [Theory]
    [InlineData("postgresql")]
    [InlineData("mysql")]
    public async Task Curl_post_reaches_users_in_a_real_database(string provider)
    {
        var database = await TestDatabase.CreateAsync(provider);
        await using var server = await SpillwayProcess.StartAsync(Path.Combine(work.FullName, "data"), ["--database", database.Url]);

        var (status, _) = await CurlAsync(server.Port, SeedBody);

        Assert.Equal("202", status);
        var rows = await database.WaitForUsersAsync(r => r.Count > 0, TimeSpan.FromSeconds(30));
        var row = Assert.Single(rows);
        Assert.Equal("田中太郎", row.Name);
        Assert.Equal("tanaka@example.com", row.Email);
        Assert.DoesNotContain("spillway@", server.Output, StringComparison.Ordinal); // the password-bearing URL is never logged
    }

    [Fact]
    public async Task Database_url_from_the_environment_points_the_default_sink()
    {
        var database = await TestDatabase.CreateAsync("postgresql");
        await using var server = await SpillwayProcess.StartAsync(
            Path.Combine(work.FullName, "data"), environment: new Dictionary<string, string> { ["DATABASE_URL"] = database.Url });

        var (status, _) = await CurlAsync(server.Port, """{"name": "env", "email": "env@example.com"}""");

        Assert.Equal("202", status);
        var rows = await database.WaitForUsersAsync(r => r.Count > 0, TimeSpan.FromSeconds(30));
        Assert.Equal("env", Assert.Single(rows).Name);
    }

    public void Dispose() => work.Delete(recursive: true);

    /// <summary>The real curl, exactly as the seed's README runs it.</summary>
    internal static async Task<(string Status, string Body)> CurlAsync(int port, string json, params string[] extra)
    {
        var start = new ProcessStartInfo("curl") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])
            ["-s", "-w", "\n%{http_code}", "-X", "POST", $"http://localhost:{port}/submit", "-H", "Content-Type: application/json", "-d", json, .. extra])
        {
            start.ArgumentList.Add(argument);
        }

        using var curl = Process.Start(start)!;
        var output = await curl.StandardOutput.ReadToEndAsync();
        await curl.WaitForExitAsync();
        var lines = output.TrimEnd().Split('\n');
        return (lines[^1], string.Join('\n', lines[..^1]));
    }
}
