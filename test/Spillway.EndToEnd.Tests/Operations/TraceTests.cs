using System.Text.Json;
using Spillway.EndToEnd.Tests.Support;

namespace Spillway.EndToEnd.Tests.Operations;

/// <summary>One record followed from its POST to its row through the server's structured log.</summary>
public sealed class TraceTests : IDisposable
{
    private readonly DirectoryInfo work = Directory.CreateTempSubdirectory("spillway-e2e-");

    [Theory]
    [InlineData("json")]
    [InlineData("plain")]
    public async Task Trace_shows_a_message_accepted_received_and_written_from_the_log(string format)
    {
        var dataDirectory = Path.Combine(work.FullName, "data");
        var environment = new Dictionary<string, string>
        {
            ["Spillway__Logging__Format"] = format,
            ["Spillway__Logging__TraceMessages"] = "true",
        };
        string log;
        Guid id;
        await using (var server = await SpillwayProcess.StartAsync(dataDirectory, environment: environment))
        {
            var (status, body) = await SeedPipelineTests.CurlAsync(server.Port, """{"name": "traced", "email": "traced@example.com"}""");
            Assert.Equal("202", status);
            id = JsonDocument.Parse(body).RootElement.GetProperty("messageId").GetGuid();
            var rows = await TestDatabase.Sqlite(Path.Combine(dataDirectory, "spillway.db"))
                .WaitForUsersAsync(r => r.Count == 1, TimeSpan.FromSeconds(30));
            Assert.Equal(id.ToString(), rows[0].Id, ignoreCase: true);
            await server.StopAsync();
            log = server.Output;
        }

        if (format == "json")
        {
            // Every line the server wrote is one JSON object.
            Assert.All(log.Split('\n', StringSplitOptions.RemoveEmptyEntries), line => JsonDocument.Parse(line).Dispose());
        }

        var logFile = Path.Combine(work.FullName, "spillway.log");
        await File.WriteAllTextAsync(logFile, log);

        var (exitCode, output) = await SpillwayProcess.RunToExitAsync(["trace", id.ToString(), "--log", logFile]);

        Assert.Equal(0, exitCode);
        string[] stageNames = ["accepted", "received", "done", "failed", "logged"];
        var stages = output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[1..]
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries).First(stageNames.Contains))
            .ToList();
        Assert.Equal(["accepted", "received", "done"], stages);
        Assert.Contains("written to sink 'users'", output, StringComparison.Ordinal);
        Assert.Contains("accepted into queue 'submit'", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Trace_of_a_message_the_log_never_mentions_fails_with_a_hint()
    {
        var logFile = Path.Combine(work.FullName, "empty.log");
        await File.WriteAllTextAsync(logFile, "nothing here\n");

        var (exitCode, output) = await SpillwayProcess.RunToExitAsync(["trace", Guid.NewGuid().ToString(), "--log", logFile]);
        var (badId, badOutput) = await SpillwayProcess.RunToExitAsync(["trace", "not-an-id", "--log", logFile]);

        Assert.Equal(1, exitCode);
        Assert.Contains("TraceMessages", output, StringComparison.Ordinal);
        Assert.Equal(2, badId);
        Assert.Contains("is not a message id", badOutput, StringComparison.Ordinal);
    }

    public void Dispose() => work.Delete(recursive: true);
}
