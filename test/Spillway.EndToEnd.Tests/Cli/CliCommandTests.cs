using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Spillway.EndToEnd.Tests.Support;

namespace Spillway.EndToEnd.Tests.Cli;

/// <summary>The client commands against a real server process, each run as the real executable.</summary>
public sealed class CliCommandTests : IDisposable
{
    private readonly DirectoryInfo work = Directory.CreateTempSubdirectory("spillway-e2e-");

    [Fact]
    public async Task Status_prints_routes_queues_workers_and_sinks_as_tables()
    {
        await using var server = await StartAsync();

        var (exit, output, errors) = await CliProcess.RunAsync(["status", .. Server(server)]);

        Assert.True(exit == 0, errors);
        var lines = output.Split('\n');
        Assert.Contains(lines, l => l.StartsWith("ROUTE", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("submit", StringComparison.Ordinal) && l.Contains("/submit", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("submit-dlq", StringComparison.Ordinal)
            && l.Contains("dead letters of submit", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("WORKER", StringComparison.Ordinal)
            && l.Contains("CONCURRENCY", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("submit", StringComparison.Ordinal) && l.Contains("disabled", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("users", StringComparison.Ordinal) && l.Contains("sqlite", StringComparison.Ordinal));

        var (jsonExit, json, _) = await CliProcess.RunAsync(["status", "--json", .. Server(server)]);
        Assert.Equal(0, jsonExit);
        using var overview = JsonDocument.Parse(json);
        Assert.Equal("users", overview.RootElement.GetProperty("sinks")[0].GetProperty("name").GetString());
    }

    [Fact]
    public async Task Send_stores_valid_records_from_stdin_and_a_file_and_reports_each_rejected_one()
    {
        await using var server = await StartAsync();
        var ndjson = new StringBuilder();
        for (var i = 0; i < 1200; i++)
        {
            // Records 5 and 900 (1-based) are invalid; they sit in different batches of 500.
            var email = i is 4 or 899 ? "not-an-email" : $"user{i}@example.com";
            ndjson.Append($$"""{"name": "user{{i}}", "email": "{{email}}"}""").Append('\n');
        }

        var (exit, output, errors) = await CliProcess.RunAsync(["send", "submit", .. Server(server)], ndjson.ToString());

        Assert.True(exit == 4, $"exit {exit}: {errors}");
        Assert.Contains("accepted 1,198, rejected 2 (1,200 records to /submit)", output, StringComparison.Ordinal);
        Assert.Contains("record 5 rejected: email:", errors, StringComparison.Ordinal);
        Assert.Contains("record 900 rejected: email:", errors, StringComparison.Ordinal);
        Assert.Contains("1,200/1,200 records (100%)", errors, StringComparison.Ordinal); // the progress line
        Assert.Equal(1198, await VisibleAsync(server, "submit"));

        var file = Path.Combine(work.FullName, "records.json");
        await File.WriteAllTextAsync(file, """
            [
              { "name": "file1", "email": "file1@example.com" },
              { "name": "file2", "email": "file2@example.com" }
            ]
            """);
        var (fileExit, fileOutput, fileErrors) = await CliProcess.RunAsync(["send", "/submit", file, .. Server(server)]);
        Assert.True(fileExit == 0, fileErrors);
        Assert.Contains("accepted 2, rejected 0", fileOutput, StringComparison.Ordinal);
        Assert.Equal(1200, await VisibleAsync(server, "submit"));
    }

    [Fact]
    public async Task Queues_create_show_change_and_purge_a_queue()
    {
        await using var server = await StartAsync();

        var (created, createOutput, createErrors) = await CliProcess.RunAsync(
            ["queues", "create", "orders", "--visibility-timeout", "45", "--dead-letter-queue", "submit-dlq", .. Server(server)]);
        Assert.True(created == 0, createErrors);
        Assert.Matches(@"visibilityTimeoutSeconds\s+45", createOutput);
        Assert.Matches(@"deadLetterQueue\s+submit-dlq", createOutput);

        var (again, _, _) = await CliProcess.RunAsync(
            ["queues", "create", "orders", "--visibility-timeout", "45", "--dead-letter-queue", "submit-dlq", .. Server(server)]);
        Assert.Equal(0, again); // an identical queue exists: nothing to do
        var (conflict, _, conflictErrors) = await CliProcess.RunAsync(
            ["queues", "create", "orders", "--visibility-timeout", "5", .. Server(server)]);
        Assert.Equal(1, conflict);
        Assert.Contains("exists with other attributes", conflictErrors, StringComparison.Ordinal);

        var (changed, changeOutput, _) = await CliProcess.RunAsync(["queues", "attributes", "orders", "--delay", "7", .. Server(server)]);
        Assert.Equal(0, changed);
        Assert.Matches(@"delaySeconds\s+7", changeOutput);
        var (shown, showOutput, _) = await CliProcess.RunAsync(["queues", "attributes", "orders", .. Server(server)]);
        Assert.Equal(0, shown);
        Assert.Matches(@"delaySeconds\s+7", showOutput);
        Assert.Matches(@"visibilityTimeoutSeconds\s+45", showOutput);
        var (invalid, _, invalidErrors) = await CliProcess.RunAsync(
            ["queues", "attributes", "orders", "--delay", "5000", .. Server(server)]);
        Assert.Equal(1, invalid);
        Assert.Contains("DeliveryDelay", invalidErrors, StringComparison.Ordinal);

        var (listed, listing, _) = await CliProcess.RunAsync(["queues", "list", .. Server(server)]);
        Assert.Equal(0, listed);
        Assert.Contains(listing.Split('\n'), l => l.StartsWith("orders", StringComparison.Ordinal));

        var (sent, _, _) = await CliProcess.RunAsync(
            ["send", "submit", .. Server(server)],
            """{"name": "a", "email": "a@example.com"}""" + "\n" + """{"name": "b", "email": "b@example.com"}""");
        Assert.Equal(0, sent);
        var (unconfirmed, _, unconfirmedErrors) = await CliProcess.RunAsync(["queues", "purge", "submit", .. Server(server)]);
        Assert.Equal(1, unconfirmed);
        Assert.Contains("--yes", unconfirmedErrors, StringComparison.Ordinal);
        Assert.Equal(2, await VisibleAsync(server, "submit"));

        var (purged, purgeOutput, _) = await CliProcess.RunAsync(["queues", "purge", "submit", "--yes", .. Server(server)]);
        Assert.Equal(0, purged);
        Assert.Contains("about 2 message(s) deleted", purgeOutput, StringComparison.Ordinal);
        Assert.Equal(0, await VisibleAsync(server, "submit"));
    }

    [Fact]
    public async Task Tail_prints_new_messages_as_they_arrive_without_consuming_them()
    {
        await using var server = await StartAsync();
        await SendAsync(server, "before0", "before1");

        using var tail = CliProcess.Start(["tail", "submit", "--count", "3", "--interval", "0.1", .. Server(server)]);
        await tail.WaitForErrorsAsync(e => e.Contains("watching submit", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        await SendAsync(server, "new0", "new1", "new2");

        Assert.Equal(0, await tail.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("new0@example.com", tail.Output, StringComparison.Ordinal);
        Assert.Contains("new2@example.com", tail.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("before", tail.Output, StringComparison.Ordinal); // already waiting when tail started
        Assert.Equal(3, tail.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal(5, await VisibleAsync(server, "submit")); // looked at, not received
    }

    [Fact]
    public async Task Tail_all_shows_the_waiting_messages_and_stops_on_ctrl_c()
    {
        await using var server = await StartAsync();
        await SendAsync(server, "waiting0");

        using var tail = CliProcess.Start(["tail", "submit", "--all", .. Server(server)]);
        await tail.WaitForOutputAsync(o => o.Contains("waiting0@example.com", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        await tail.InterruptAsync();

        Assert.Equal(130, await tail.WaitForExitAsync(TimeSpan.FromSeconds(30))); // as shells report a SIGINT
        Assert.Equal(1, await VisibleAsync(server, "submit"));
    }

    [Fact]
    public async Task Commands_fail_clearly_on_an_unreachable_server_a_wrong_name_a_missing_key_and_bad_input()
    {
        var nowhere = $"http://127.0.0.1:{SpillwayProcess.FreePort()}";
        foreach (var command in new[] { new[] { "status" }, ["send", "submit"], ["tail", "submit"], ["queues", "create", "q"] })
        {
            var (exit, _, errors) = await CliProcess.RunAsync([.. command, "--server", nowhere], "{}");
            Assert.True(exit == 3, $"{string.Join(' ', command)}: exit {exit}");
            Assert.Contains("cannot reach", errors, StringComparison.Ordinal);
        }

        const string key = "cli-test-key-0123456789";
        await using var server = await StartAsync($"--Spillway:Gateway:ApiKeys:0={key}");
        var (refused, _, refusedErrors) = await CliProcess.RunAsync(["status", .. Server(server)]);
        Assert.Equal(1, refused);
        Assert.Contains("needs an API key", refusedErrors, StringComparison.Ordinal);
        var (allowed, _, _) = await CliProcess.RunAsync(
            ["status", .. Server(server)], environment: new Dictionary<string, string> { ["SPILLWAY_API_KEY"] = key });
        Assert.Equal(0, allowed);

        string[] authorized = [.. Server(server), "--api-key", key];
        foreach (var (command, message) in new (string[], string)[]
        {
            (["send", "nope"], "there is no route 'nope'; the server has: submit (/submit)"),
            (["tail", "nope"], "There is no queue named 'nope'"),
            (["queues", "purge", "nope", "--yes"], "There is no queue named 'nope'"),
            (["queues", "attributes", "nope"], "There is no queue named 'nope'"),
            (["dlq", "redrive", "nope"], "There is no queue named 'nope'"),
        })
        {
            var (exit, _, errors) = await CliProcess.RunAsync([.. command, .. authorized], """{"name": "x", "email": "x@example.com"}""");
            Assert.True(exit == 1, $"{string.Join(' ', command)}: exit {exit}");
            Assert.Contains(message, errors, StringComparison.Ordinal);
        }

        var (malformed, _, malformedErrors) = await CliProcess.RunAsync(["send", "submit", .. authorized], "{\"name\": ");
        Assert.Equal(1, malformed);
        Assert.Contains("not JSON or NDJSON", malformedErrors, StringComparison.Ordinal);
        var (missing, _, missingErrors) = await CliProcess.RunAsync(
            ["send", "submit", Path.Combine(work.FullName, "absent.json"), .. authorized]);
        Assert.Equal(1, missing);
        Assert.Contains("cannot read", missingErrors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bench_spike_prints_live_progress_and_the_dashboard_address()
    {
        // A smoke run: small enough for a test, so its figures mean nothing; the progress and the end check do.
        var (exit, output, errors) = await CliProcess.RunAsync(
            ["bench", "spike", "--records", "3000", "--clients", "8"],
            environment: new Dictionary<string, string> { ["SPILLWAY_BENCH_WARMUP"] = "500" });

        Assert.True(exit == 0, output + errors);
        Assert.Matches(@"watch it live: http://127\.0\.0\.1:\d+/dashboard", output);
        Assert.Matches(@"\[spike \d+s\] sent [\d,]+/3,000, backlog \d+", output);
        Assert.Matches(@"\[drain \d+s\] built a 3,000 backlog, backlog \d+", output);
        Assert.Contains("every accepted record is in the table", output, StringComparison.Ordinal);
    }

    public void Dispose() => work.Delete(recursive: true);

    private static string[] Server(SpillwayProcess server) => ["--server", server.BaseAddress.ToString()];

    // The worker is disabled so what is sent stays in the queue for the commands to see.
    private async Task<SpillwayProcess> StartAsync(params string[] arguments) =>
        await SpillwayProcess.StartAsync(
            Path.Combine(work.FullName, "data-" + Guid.NewGuid().ToString("N")), ["--Spillway:Workers:submit:Enabled=false", .. arguments]);

    private static async Task SendAsync(SpillwayProcess server, params string[] names)
    {
        foreach (var name in names)
        {
            var (status, body) = await SeedPipelineTests.CurlAsync(
                server.Port, $$"""{"name": "{{name}}", "email": "{{name}}@example.com"}""");
            Assert.True(status == "202", body);
        }
    }

    private static async Task<long> VisibleAsync(SpillwayProcess server, string queue)
    {
        var list = await server.Client.GetFromJsonAsync<JsonElement>(new Uri("/v1/queues", UriKind.Relative));
        return list.GetProperty("queues").EnumerateArray()
            .Single(q => q.GetProperty("name").GetString() == queue)
            .GetProperty("visible").GetInt64();
    }
}
