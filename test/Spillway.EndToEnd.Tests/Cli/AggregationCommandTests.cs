using System.Net;
using System.Text.Json;
using Spillway.EndToEnd.Tests.Support;

namespace Spillway.EndToEnd.Tests.Cli;

/// <summary><c>spillway aggregations …</c> against a real server whose aggregation is declared in its configuration.</summary>
public sealed class AggregationCommandTests : IDisposable
{
    private readonly DirectoryInfo work = Directory.CreateTempSubdirectory("spillway-e2e-aggregation-cli-");

    [Fact]
    public async Task A_configured_aggregation_is_listed_described_and_its_results_printed()
    {
        await using var server = await SpillwayProcess.StartAsync(
            Path.Combine(work.FullName, "data"),
            [
                "--Spillway:Streams:readings:ShardCount=1",
                "--Spillway:Aggregations:per-device:Sql=SELECT device, COUNT(*) AS n, AVG(temp) AS mean FROM readings GROUP BY device, TUMBLE(ts, INTERVAL '1' MINUTE)",
                "--Spillway:Aggregations:per-device:IdleTimeout=1s",
                "--Spillway:Aggregations:per-device:MaxOutOfOrderness=0s",
            ]);
        var records = new[] { ("d1", 10.0), ("d1", 20.0), ("d2", 5.0) }.Select((r, i) => new
        {
            partitionKey = r.Item1,
            text = JsonSerializer.Serialize(new { device = r.Item1, ts = 1767261657000L + i, temp = r.Item2 }),
        });
        using (var content = new StringContent(JsonSerializer.Serialize(new { records }), System.Text.Encoding.UTF8, "application/json"))
        using (var put = await server.Client.PostAsync("/v1/streams/readings/records", content))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        string printed;
        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            while (!(printed = (await RunAsync(["aggregations", "results", "per-device", "--json", .. Server(server)])).Output).Contains("d2", StringComparison.Ordinal))
            {
                await Task.Delay(100, deadline.Token);
            }
        }

        var (_, list, _) = await RunAsync(["aggregations", "list", .. Server(server)]);
        var (_, describe, _) = await RunAsync(["aggregations", "describe", "per-device", .. Server(server)]);
        var (_, table, _) = await RunAsync(["aggregations", "results", "per-device", .. Server(server)]);
        var (missing, _, missingErrors) = await CliProcess.RunAsync(["aggregations", "describe", "nothing", .. Server(server)]);

        Assert.Matches(@"per-device +readings +running +3 ", list);
        Assert.Matches(@"declaredIn +configuration", describe);
        Assert.Matches(@"table +per_device", describe);
        var rows = printed.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["d1:2:15", "d2:1:5"], rows.Select(r => $"{r.GetProperty("device").GetString()}:{r.GetProperty("n").GetInt64()}:{r.GetProperty("mean").GetDouble()}"));
        Assert.All(rows, r => Assert.Equal("2026-01-01T10:00:00.000Z", r.GetProperty("window_start").GetString()));
        Assert.Matches(@"DEVICE +WINDOW_START +WINDOW_END +N +MEAN", table);
        Assert.NotEqual(0, missing);
        Assert.Contains("404", missingErrors, StringComparison.Ordinal);

        // A configured aggregation is removed in the configuration, not through the API.
        using var deleted = await server.Client.DeleteAsync("/v1/aggregations/per-device");
        Assert.Equal(HttpStatusCode.Conflict, deleted.StatusCode);
    }

    public void Dispose() => work.Delete(recursive: true);

    private static string[] Server(SpillwayProcess server) => ["--server", server.BaseAddress.ToString()];

    private static async Task<(int Exit, string Output, string Errors)> RunAsync(string[] arguments)
    {
        var result = await CliProcess.RunAsync(arguments);
        Assert.True(result.ExitCode == 0, $"spillway {string.Join(' ', arguments)} failed: {result.Errors}");
        return result;
    }
}
