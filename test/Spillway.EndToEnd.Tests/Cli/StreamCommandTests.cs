using Spillway.EndToEnd.Tests.Support;

namespace Spillway.EndToEnd.Tests.Cli;

/// <summary><c>spillway streams …</c> against a real server process, each command run as the real executable.</summary>
public sealed class StreamCommandTests : IDisposable
{
    private readonly DirectoryInfo work = Directory.CreateTempSubdirectory("spillway-e2e-streams-");

    [Fact]
    public async Task Streams_create_put_describe_and_list_a_stream()
    {
        await using var server = await StartAsync();

        var (created, createOutput, createErrors) = await CliProcess.RunAsync(
            ["streams", "create", "readings", "--shards", "2", "--retention-hours", "48", .. Server(server)]);
        Assert.True(created == 0, createErrors);
        Assert.Matches(@"retentionHours\s+48", createOutput);
        Assert.Contains("shardId-000000000001", createOutput, StringComparison.Ordinal);
        var (again, _, _) = await CliProcess.RunAsync(["streams", "create", "readings", "--shards", "2", "--retention-hours", "48", .. Server(server)]);
        Assert.Equal(0, again); // an identical stream exists: nothing to do
        var (conflict, _, conflictErrors) = await CliProcess.RunAsync(["streams", "create", "readings", .. Server(server)]);
        Assert.Equal(1, conflict);
        Assert.Contains("exists with other settings", conflictErrors, StringComparison.Ordinal);
        var (invalid, _, invalidErrors) = await CliProcess.RunAsync(["streams", "create", "short", "--retention-hours", "5", .. Server(server)]);
        Assert.Equal(1, invalid);
        Assert.Contains("retentionHours must be between 24 and 8760", invalidErrors, StringComparison.Ordinal);

        var (put, putOutput, putErrors) = await CliProcess.RunAsync(
            ["streams", "put", "readings", "21.5", "22.0", "--partition-key", "device-1", .. Server(server)]);
        Assert.True(put == 0, putErrors);
        var placed = putOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, placed.Length);
        Assert.Single(placed.Select(l => l.Split("  ")[0]).Distinct()); // one key, one shard
        var (piped, _, pipedErrors) = await CliProcess.RunAsync(["streams", "put", "readings", .. Server(server)], "a\nb\n\nc\n");
        Assert.True(piped == 0, pipedErrors);
        Assert.Contains("put 3 record(s), 0 refused", pipedErrors, StringComparison.Ordinal);

        var (described, description, _) = await CliProcess.RunAsync(["streams", "describe", "readings", .. Server(server)]);
        Assert.Equal(0, described);
        Assert.Matches(@"recordsKept\s+5", description);
        Assert.Contains(description.Split('\n'), l => l.StartsWith("SHARD", StringComparison.Ordinal) && l.Contains("HASH KEYS", StringComparison.Ordinal));
        Assert.Contains(description.Split('\n'), l => l.StartsWith("shardId-000000000000", StringComparison.Ordinal) && l.Contains("open", StringComparison.Ordinal));

        var (listed, listing, _) = await CliProcess.RunAsync(["streams", "list", .. Server(server)]);
        Assert.Equal(0, listed);
        Assert.Matches(@"(?m)^readings\s+Active\s+provisioned\s+2\s+48\s+5\b", listing);
    }

    [Fact]
    public async Task Tail_from_trim_horizon_prints_every_record_kept_in_order_per_key()
    {
        await using var server = await StartAsync();
        await RunAsync(["streams", "create", "readings", "--shards", "3", .. Server(server)]);
        await RunAsync(["streams", "put", "readings", "--partition-key", "device-1", .. Server(server)], "t1\nt2\nt3\n");
        await RunAsync(["streams", "put", "readings", "--partition-key", "device-2", .. Server(server)], "u1\nu2\n");

        var (exit, output, errors) = await CliProcess.RunAsync(["streams", "tail", "readings", "--from", "trim_horizon", "--count", "5", .. Server(server)]);

        Assert.True(exit == 0, errors);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(5, lines.Length);
        Assert.Equal(["t1", "t2", "t3"], lines.Where(l => l.Contains("  device-1  ", StringComparison.Ordinal)).Select(l => l.Split("  ")[^1]));
        Assert.Equal(["u1", "u2"], lines.Where(l => l.Contains("  device-2  ", StringComparison.Ordinal)).Select(l => l.Split("  ")[^1]));
    }

    [Fact]
    public async Task Tail_from_latest_prints_records_as_they_arrive_and_stops_on_ctrl_c()
    {
        await using var server = await StartAsync();
        await RunAsync(["streams", "create", "readings", "--shards", "2", .. Server(server)]);
        await RunAsync(["streams", "put", "readings", "before", .. Server(server)]);

        using var tail = CliProcess.Start(["streams", "tail", "readings", .. Server(server)]);
        await tail.WaitForErrorsAsync(e => e.Contains("tailing readings from latest", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        await RunAsync(["streams", "put", "readings", "after-1", "after-2", .. Server(server)]);
        await tail.WaitForOutputAsync(o => o.Contains("after-2", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        await tail.InterruptAsync();

        Assert.Equal(130, await tail.WaitForExitAsync(TimeSpan.FromSeconds(30))); // as shells report a SIGINT
        Assert.Contains("after-1", tail.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("before", tail.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stream_commands_fail_clearly_on_a_wrong_name_a_missing_key_and_bad_input()
    {
        const string key = "cli-stream-key-0123456789";
        await using var server = await StartAsync($"--Spillway:Gateway:ApiKeys:0={key}");
        var (refused, _, refusedErrors) = await CliProcess.RunAsync(["streams", "list", .. Server(server)]);
        Assert.Equal(1, refused);
        Assert.Contains("needs an API key", refusedErrors, StringComparison.Ordinal);

        string[] authorized = [.. Server(server), "--api-key", key];
        foreach (var (command, message) in new (string[], string)[]
        {
            (["streams", "describe", "nope"], "Stream 'nope' does not exist"),
            (["streams", "put", "nope", "x"], "Stream 'nope' does not exist"),
            (["streams", "tail", "nope"], "Stream 'nope' does not exist"),
            (["streams", "create", "bad name"], "is invalid"),
            (["streams", "put", "nope", "x", "--partition-key", new string('k', 257)], "--partition-key must be 1 to 256 characters"),
            (["streams", "tail", "nope", "--from", "at_timestamp", "--timestamp", "soon"], "Stream 'nope' does not exist"),
        })
        {
            var (exit, _, errors) = await CliProcess.RunAsync([.. command, .. authorized]);
            Assert.True(exit == 1, $"{string.Join(' ', command)}: exit {exit}, {errors}");
            Assert.Contains(message, errors, StringComparison.Ordinal);
        }

        await RunAsync(["streams", "create", "readings", .. authorized]);
        var (badTime, _, badTimeErrors) = await CliProcess.RunAsync(
            ["streams", "tail", "readings", "--from", "at_timestamp", "--timestamp", "soon", .. authorized]);
        Assert.Equal(1, badTime);
        Assert.Contains("timestamp must be an ISO 8601 time or seconds since the epoch", badTimeErrors, StringComparison.Ordinal);
    }

    public void Dispose() => work.Delete(recursive: true);

    private static string[] Server(SpillwayProcess server) => ["--server", server.BaseAddress.ToString()];

    private static async Task RunAsync(string[] arguments, string? input = null)
    {
        var (exit, _, errors) = await CliProcess.RunAsync(arguments, input);
        Assert.True(exit == 0, $"{string.Join(' ', arguments)}: exit {exit}, {errors}");
    }

    private async Task<SpillwayProcess> StartAsync(params string[] arguments) =>
        await SpillwayProcess.StartAsync(Path.Combine(work.FullName, "data-" + Guid.NewGuid().ToString("N")), arguments);
}
