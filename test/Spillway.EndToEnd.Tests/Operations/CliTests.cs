using Spillway.EndToEnd.Tests.Support;

namespace Spillway.EndToEnd.Tests.Operations;

/// <summary>The client commands against the real server, and their errors.</summary>
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

    [Fact]
    public async Task Queues_can_be_created_inspected_tailed_and_purged_and_a_wrong_name_is_exit_code_1()
    {
        await using var server = await SpillwayProcess.StartAsync(Path.Combine(work.FullName, "data"));
        var at = new[] { "--server", server.BaseAddress.ToString() };
        Assert.Equal(0, (await SpillwayProcess.RunToExitAsync(["queues", "create", "orders-dlq", .. at])).ExitCode);
        var created = await SpillwayProcess.RunToExitAsync(
            ["queues", "create", "orders", "--dlq", "orders-dlq", "--visibility-timeout", "45", "--max-receive-count", "3", .. at]);
        var again = await SpillwayProcess.RunToExitAsync(["queues", "create", "orders", .. at]);
        var attributes = await SpillwayProcess.RunToExitAsync(["queues", "attributes", "orders", .. at]);

        Assert.Equal((0, "created orders"), (created.ExitCode, created.Output.Trim()));
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("exists already", again.Output, StringComparison.Ordinal);
        Assert.Matches(@"visibilityTimeoutSeconds\s+45", attributes.Output);
        Assert.Matches(@"deadLetterQueue\s+orders-dlq", attributes.Output);
        Assert.Matches(@"maxReceiveCount\s+3", attributes.Output);

        await MetricsTests.WaitForWorkerAsync(server, enabled: true);
        await MetricsTests.SwitchWorkerAsync(server, enable: false);
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var (status, body) = await SeedPipelineTests.CurlAsync(server.Port, $$"""{"name": "tail{{i}}", "email": "tail{{i}}@example.com"}""");
            Assert.Equal("202", status);
            ids.Add(System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("messageId").GetString()!);
        }

        var tail = await SpillwayProcess.RunToExitAsync(["tail", "submit", "--count", "3", .. at]);
        var purge = await SpillwayProcess.RunToExitAsync(["queues", "purge", "submit", .. at]);
        var afterPurge = await SpillwayProcess.RunToExitAsync(["queues", "attributes", "submit", .. at]);
        var unknown = await SpillwayProcess.RunToExitAsync(["tail", "nope", "--count", "1", .. at]);

        Assert.Equal(0, tail.ExitCode);
        var lines = tail.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(ids, lines.Select(l => l.Split("  ")[1]));
        Assert.Contains("\"name\": \"tail0\"", lines[0], StringComparison.Ordinal);
        Assert.Equal(0, purge.ExitCode);
        Assert.Matches(@"visible\s+0", afterPurge.Output);
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("There is no queue named 'nope'", unknown.Output, StringComparison.Ordinal);
    }

    public void Dispose() => work.Delete(recursive: true);
}
