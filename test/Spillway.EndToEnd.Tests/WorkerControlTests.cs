using System.Net;
using System.Text.Json;
using Spillway.EndToEnd.Tests.Support;

namespace Spillway.EndToEnd.Tests;

/// <summary>A disabled worker leaves records in the queue; enabling it drains them, as with a Lambda mapping.</summary>
public sealed class WorkerControlTests : IDisposable
{
    private readonly DirectoryInfo work = Directory.CreateTempSubdirectory("spillway-e2e-");

    [Fact]
    public async Task Disabled_worker_holds_the_backlog_and_enabling_it_drains_every_record_once()
    {
        var dataDirectory = Path.Combine(work.FullName, "data");
        await using var server = await SpillwayProcess.StartAsync(dataDirectory);
        var database = TestDatabase.Sqlite(Path.Combine(dataDirectory, "spillway.db"));
        await WaitForEnabledAsync(server, expected: true);

        using (var disabled = await server.Client.PostAsync(new Uri("/v1/workers/submit/disable", UriKind.Relative), null))
        {
            Assert.Equal(HttpStatusCode.OK, disabled.StatusCode);
            Assert.False(JsonDocument.Parse(await disabled.Content.ReadAsStringAsync()).RootElement.GetProperty("enabled").GetBoolean());
        }

        for (var i = 0; i < 20; i++)
        {
            var (status, _) = await SeedPipelineTests.CurlAsync(server.Port, $$"""{"name": "held{{i}}", "email": "held{{i}}@example.com"}""");
            Assert.Equal("202", status);
        }

        Assert.Empty(await database.ReadUsersAsync());
        using (var enabled = await server.Client.PostAsync(new Uri("/v1/workers/submit/enable", UriKind.Relative), null))
        {
            Assert.Equal(HttpStatusCode.OK, enabled.StatusCode);
        }

        var rows = await database.WaitForUsersAsync(r => r.Count >= 20, TimeSpan.FromSeconds(30));
        Assert.Equal(20, rows.Select(r => r.Name).Distinct().Count());
        Assert.Equal(20, rows.Count);
    }

    [Fact]
    public async Task Switching_an_unknown_worker_is_404()
    {
        await using var server = await SpillwayProcess.StartAsync(Path.Combine(work.FullName, "data"));

        using var response = await server.Client.PostAsync(new Uri("/v1/workers/nope/disable", UriKind.Relative), null);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    public void Dispose() => work.Delete(recursive: true);

    // The worker starts once its table exists, just after the server answers.
    private static async Task WaitForEnabledAsync(SpillwayProcess server, bool expected)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            using var document = JsonDocument.Parse(await server.Client.GetStringAsync(new Uri("/v1/workers", UriKind.Relative)));
            if (document.RootElement.GetProperty("workers")[0].GetProperty("enabled").GetBoolean() == expected)
            {
                return;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException("the worker never reached the expected state");
    }
}
