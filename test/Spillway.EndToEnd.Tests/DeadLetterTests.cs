using System.Text.Json;
using Spillway.EndToEnd.Tests.Support;

namespace Spillway.EndToEnd.Tests;

/// <summary>A message its handler keeps failing ends in the dead-letter queue, where the CLI lists and redrives it.</summary>
public sealed class DeadLetterTests : IDisposable
{
    private readonly DirectoryInfo work = Directory.CreateTempSubdirectory("spillway-e2e-");

    [Fact]
    public async Task Failing_messages_are_dead_lettered_then_listed_and_redriven_through_the_cli()
    {
        var config = Path.Combine(work.FullName, "spillway.json");
        // The handler is an HTTP function nobody listens for: every delivery fails, and after one receive the
        // message is dead-lettered.
        await File.WriteAllTextAsync(config, $$"""
            {
              "Spillway": {
                "Queues": {
                  "submit": { "VisibilityTimeoutSeconds": 0, "DeadLetterQueue": "submit-dlq", "MaxReceiveCount": 1 },
                  "parking": { }
                },
                "Workers": {
                  "submit": { "Handler": { "Kind": "http", "Url": "http://127.0.0.1:{{SpillwayProcess.FreePort()}}/", "TimeoutSeconds": 2 } }
                }
              }
            }
            """);
        await using var server = await SpillwayProcess.StartAsync(Path.Combine(work.FullName, "data"), ["--config", config]);
        for (var i = 0; i < 3; i++)
        {
            var (status, _) = await SeedPipelineTests.CurlAsync(server.Port, $$"""{"name": "poison{{i}}", "email": "p{{i}}@example.com"}""");
            Assert.Equal("202", status);
        }

        Assert.True(await WaitForCountAsync(server, "submit-dlq", 3), "three messages should reach the dead-letter queue");
        var serverArgs = new[] { "--server", server.BaseAddress.ToString() };

        var (listExit, listing) = await SpillwayProcess.RunToExitAsync(["dlq", "list", "submit-dlq", .. serverArgs]);
        Assert.Equal(0, listExit);
        Assert.Contains("poison0", listing, StringComparison.Ordinal);
        Assert.Contains("poison2", listing, StringComparison.Ordinal);

        var (redriveExit, redriven) = await SpillwayProcess.RunToExitAsync(["dlq", "redrive", "submit-dlq", "--to", "parking", .. serverArgs]);
        Assert.Equal(0, redriveExit);
        Assert.Contains("moved 3", redriven, StringComparison.Ordinal);
        Assert.Equal(3, await VisibleAsync(server, "parking"));
        Assert.Equal(0, await VisibleAsync(server, "submit-dlq"));
    }

    [Fact]
    public async Task Cli_reports_an_unreachable_server_and_an_unknown_queue_with_a_non_zero_exit()
    {
        var (unreachable, message) = await SpillwayProcess.RunToExitAsync(
            ["dlq", "list", "submit-dlq", "--server", $"http://127.0.0.1:{SpillwayProcess.FreePort()}"]);
        Assert.NotEqual(0, unreachable);
        Assert.Contains("cannot reach", message, StringComparison.Ordinal);

        await using var server = await SpillwayProcess.StartAsync(Path.Combine(work.FullName, "data"));
        var (unknown, problem) = await SpillwayProcess.RunToExitAsync(["dlq", "list", "no-such-queue", "--server", server.BaseAddress.ToString()]);
        Assert.NotEqual(0, unknown);
        Assert.Contains("no-such-queue", problem, StringComparison.Ordinal);
    }

    public void Dispose() => work.Delete(recursive: true);

    private static async Task<bool> WaitForCountAsync(SpillwayProcess server, string queue, long expected)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (await VisibleAsync(server, queue) >= expected)
            {
                return true;
            }

            await Task.Delay(50);
        }

        return false;
    }

    private static async Task<long> VisibleAsync(SpillwayProcess server, string queue)
    {
        using var document = JsonDocument.Parse(await server.Client.GetStringAsync(new Uri("/v1/queues", UriKind.Relative)));
        return document.RootElement.GetProperty("queues").EnumerateArray()
            .Where(q => q.GetProperty("name").GetString() == queue)
            .Select(q => q.GetProperty("visible").GetInt64())
            .FirstOrDefault();
    }
}
