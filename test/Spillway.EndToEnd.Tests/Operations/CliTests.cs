using Spillway.EndToEnd.Tests.Support;

namespace Spillway.EndToEnd.Tests.Operations;

/// <summary><c>spillway send</c> and <c>spillway status</c> against the real server, and their errors.</summary>
public sealed class CliTests : IDisposable
{
    private readonly DirectoryInfo work = Directory.CreateTempSubdirectory("spillway-e2e-");

    [Fact]
    public async Task Send_stores_every_ndjson_record_with_progress_and_status_shows_them_written()
    {
        const int records = 2500;
        var dataDirectory = Path.Combine(work.FullName, "data");
        await using var server = await SpillwayProcess.StartAsync(dataDirectory);
        var file = Path.Combine(work.FullName, "records.ndjson");
        await File.WriteAllLinesAsync(file, Enumerable.Range(0, records).Select(i => $$"""{"name": "cli{{i}}", "email": "cli{{i}}@example.com"}"""));

        var (exitCode, output) = await SpillwayProcess.RunToExitAsync(
            ["send", file, "--server", server.BaseAddress.ToString(), "--batch", "300", "--parallel", "3"]);

        Assert.True(exitCode == 0, output);
        Assert.Contains("sent 2,500 record(s)", output, StringComparison.Ordinal);
        Assert.Contains("[##############################] 2,500/2,500 records", output, StringComparison.Ordinal);
        var rows = await TestDatabase.Sqlite(Path.Combine(dataDirectory, "spillway.db"))
            .WaitForUsersAsync(r => r.Count >= records, TimeSpan.FromSeconds(60));
        Assert.Equal(records, rows.Select(r => r.Name).Distinct().Count());
        await MetricsTests.WaitForAsync(server, m => m.Value("spillway_sink_rows_written_total", ("sink", "users")) == records);

        var (statusExit, status) = await SpillwayProcess.RunToExitAsync(["status", "--server", server.BaseAddress.ToString()]);

        Assert.Equal(0, statusExit);
        var lines = status.Split('\n');
        Assert.StartsWith("QUEUE", lines[0], StringComparison.Ordinal);
        Assert.Contains(lines, l => l.StartsWith("submit ", StringComparison.Ordinal) && l.Contains("2,500", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("users", StringComparison.Ordinal) && l.Contains("sqlite", StringComparison.Ordinal)
            && l.Contains("2,500", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("submit", StringComparison.Ordinal) && l.Contains("running", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Send_stops_at_a_refused_record_naming_it_and_a_missing_server_is_a_clear_error()
    {
        await using var server = await SpillwayProcess.StartAsync(Path.Combine(work.FullName, "data"));
        var file = Path.Combine(work.FullName, "bad.json");
        await File.WriteAllTextAsync(file, """[{"name": "ok", "email": "ok@example.com"}, {"name": "no email"}]""");

        var (refusedExit, refused) = await SpillwayProcess.RunToExitAsync(["send", file, "--server", server.BaseAddress.ToString()]);
        var (downExit, down) = await SpillwayProcess.RunToExitAsync(
            ["status", "--server", $"http://127.0.0.1:{SpillwayProcess.FreePort()}"]);
        var (notJsonExit, notJson) = await SpillwayProcess.RunToExitAsync(
            ["send", Path.Combine(work.FullName, "missing.ndjson"), "--server", server.BaseAddress.ToString()]);

        Assert.Equal(1, refusedExit);
        Assert.Contains("records 1-2 were refused (400)", refused, StringComparison.Ordinal);
        Assert.Equal(1, downExit);
        Assert.Contains("cannot reach", down, StringComparison.Ordinal);
        Assert.Equal(1, notJsonExit);
        Assert.Contains("does not exist", notJson, StringComparison.Ordinal);
    }

    public void Dispose() => work.Delete(recursive: true);
}
