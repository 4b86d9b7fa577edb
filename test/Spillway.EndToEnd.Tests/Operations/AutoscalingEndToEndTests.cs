using System.Net;
using System.Text;
using System.Text.Json;
using Spillway.EndToEnd.Tests.Support;

namespace Spillway.EndToEnd.Tests.Operations;

/// <summary>An autoscaled worker of the real server: capped by its sink's pool, visible in /v1/workers and /metrics.</summary>
public sealed class AutoscalingEndToEndTests : IDisposable
{
    private readonly DirectoryInfo work = Directory.CreateTempSubdirectory("spillway-e2e-");

    [Fact]
    public async Task Worker_scales_up_to_its_sinks_pool_cap_under_a_backlog_and_back_down_once_drained()
    {
        var environment = new Dictionary<string, string>
        {
            ["Spillway__Workers__submit__MinConcurrency"] = "1",
            ["Spillway__Workers__submit__MaxConcurrency"] = "8",
            ["Spillway__Workers__submit__TargetOldestMessageAgeSeconds"] = "1",
            ["Spillway__Workers__submit__ScaleIntervalSeconds"] = "1",
            ["Spillway__Sinks__users__MaxConnections"] = "3",
        };
        await using var server = await SpillwayProcess.StartAsync(Path.Combine(work.FullName, "data"), environment: environment);
        await MetricsTests.WaitForWorkerAsync(server, enabled: true);
        var worker = await WorkerAsync(server);
        Assert.Equal(1, worker.GetProperty("concurrencyLimit").GetInt32());
        Assert.Equal(1, worker.GetProperty("autoscaling").GetProperty("minConcurrency").GetInt32());
        Assert.Equal(3, worker.GetProperty("autoscaling").GetProperty("maxConcurrency").GetInt32());

        await MetricsTests.SwitchWorkerAsync(server, enable: false);

        var body = "[" + string.Join(',', Enumerable.Range(0, 300).Select(i => $$"""{"name": "s{{i}}", "email": "s{{i}}@example.com"}""")) + "]";
        using (var sent = await server.Client.PostAsync(
            new Uri("/submit", UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.Accepted, sent.StatusCode);
        }

        var scaledUp = await MetricsTests.WaitForAsync(
            server, m => m.Value("spillway_worker_concurrency_limit", ("queue", "submit"), ("worker", "submit")) == 3, seconds: 30);
        Assert.Equal(300, scaledUp.Value("spillway_queue_messages_visible", ("queue", "submit")));
        Assert.Equal(3, (await WorkerAsync(server)).GetProperty("concurrencyLimit").GetInt32());

        await MetricsTests.SwitchWorkerAsync(server, enable: true);

        var settled = await MetricsTests.WaitForAsync(
            server,
            m => m.Value("spillway_worker_concurrency_limit", ("queue", "submit"), ("worker", "submit")) == 1
                && m.Value("spillway_queue_messages_deleted_total", ("queue", "submit")) == 300,
            seconds: 30);
        Assert.Equal(300, settled.Value("spillway_sink_rows_written_total", ("sink", "users")));
        Assert.True(settled.Value("spillway_worker_concurrency", ("queue", "submit"), ("worker", "submit")) <= 3);
    }

    public void Dispose() => work.Delete(recursive: true);

    private static async Task<JsonElement> WorkerAsync(SpillwayProcess server)
    {
        using var document = JsonDocument.Parse(await server.Client.GetStringAsync(new Uri("/v1/workers", UriKind.Relative)));
        return document.RootElement.GetProperty("workers")[0].Clone();
    }
}
