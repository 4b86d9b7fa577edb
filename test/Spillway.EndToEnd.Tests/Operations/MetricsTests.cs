using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Spillway.EndToEnd.Tests.Support;

namespace Spillway.EndToEnd.Tests.Operations;

/// <summary>/metrics, scraped from the real server during a burst, tells the burst's story in a format Prometheus reads.</summary>
public sealed class MetricsTests : IDisposable
{
    private const string ApiKey = "metrics-test-key-0123456789";
    private readonly DirectoryInfo work = Directory.CreateTempSubdirectory("spillway-e2e-");

    [Fact]
    public async Task Metrics_tell_the_story_of_a_burst_absorbed_then_drained()
    {
        const int requests = 40;
        const int perRequest = 50;
        const int records = requests * perRequest;
        var dataDirectory = Path.Combine(work.FullName, "data");
        await using var server = await SpillwayProcess.StartAsync(
            dataDirectory, environment: new Dictionary<string, string> { ["Spillway__Gateway__ApiKeys__0"] = ApiKey });
        server.Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey);
        await WaitForWorkerAsync(server, enabled: true);
        await MetricsTests.SwitchWorkerAsync(server, enable: false);

        var before = await ScrapeAsync(server);
        Assert.Equal(0, before.Value("spillway_queue_messages_sent_total", ("queue", "submit")));

        // The burst, with scrapes running through it: every scrape must parse, and sent only ever rises.
        var scraping = new CancellationTokenSource();
        var scrapes = Task.Run(async () =>
        {
            var seen = new List<double>();
            while (!scraping.IsCancellationRequested)
            {
                seen.Add((await ScrapeAsync(server)).Value("spillway_queue_messages_sent_total", ("queue", "submit")));
            }

            return seen;
        });
        await Parallel.ForAsync(0, requests, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (r, ct) =>
        {
            var body = "[" + string.Join(',', Enumerable.Range(0, perRequest).Select(i =>
                $$"""{"name": "burst{{r}}-{{i}}", "email": "b{{r}}x{{i}}@example.com"}""")) + "]";
            using var content = new StringContent(body, Encoding.UTF8, "application/json");
            using var response = await server.Client.PostAsync(new Uri("/submit", UriKind.Relative), content, ct);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        });
        await scraping.CancelAsync();
        var sentSeen = await scrapes;
        Assert.True(sentSeen.Count > 0);
        Assert.Equal(sentSeen.Order(), sentSeen);

        var held = await ScrapeAsync(server);
        Assert.Equal(records, held.Value("spillway_queue_messages_sent_total", ("queue", "submit")));
        Assert.Equal(records, held.Value("spillway_queue_messages_visible", ("queue", "submit")));
        Assert.True(held.Value("spillway_queue_oldest_message_age_seconds", ("queue", "submit")) > 0);
        Assert.Equal(requests, held.Value("spillway_ingest_requests_total", ("route", "submit"), ("status", "202")));
        Assert.Equal(requests, held.Value("spillway_ingest_accept_duration_seconds_count", ("route", "submit")));
        Assert.Equal(requests, held.Value("spillway_ingest_accept_duration_seconds_bucket", ("le", "+Inf"), ("route", "submit")));
        Assert.True(held.Value("spillway_storage_fsyncs_total", ("queue", "submit")) > 0);
        Assert.True(held.Value("spillway_storage_written_bytes_total", ("queue", "submit")) > records * 40);
        Assert.True(held.Value("spillway_storage_segments", ("queue", "submit")) >= 1);
        Assert.True(held.Value("spillway_storage_disk_free_bytes") > 0);
        Assert.Equal(0, held.TryValue("spillway_sink_rows_written_total", ("sink", "users")) ?? 0);

        await MetricsTests.SwitchWorkerAsync(server, enable: true);

        // A deletion is counted once durable, just after the message leaves the in-flight count: wait for the count.
        var drained = await WaitForAsync(server, m => m.Value("spillway_queue_messages_deleted_total", ("queue", "submit")) >= records);
        Assert.Equal(0, drained.Value("spillway_queue_messages_visible", ("queue", "submit")));
        Assert.Equal(0, drained.Value("spillway_queue_messages_in_flight", ("queue", "submit")));
        Assert.Equal(records, drained.Value("spillway_sink_rows_written_total", ("sink", "users")));
        Assert.Equal(records, drained.Value("spillway_queue_messages_deleted_total", ("queue", "submit")));
        Assert.Equal(records, drained.Value("spillway_queue_messages_received_total", ("queue", "submit")));
        Assert.Equal(records, drained.Value("spillway_worker_batch_size_sum", ("worker", "submit")));
        Assert.Equal(0, drained.Value("spillway_queue_oldest_message_age_seconds", ("queue", "submit")));
        Assert.Equal(0, drained.Value("spillway_queue_messages_dead_lettered_total", ("queue", "submit")));
        Assert.Equal(0, drained.Sum("spillway_sink_failures_total", ("sink", "users")));
        Assert.True(drained.Value("spillway_sink_batch_duration_seconds_count", ("sink", "users")) >= 1);
        Assert.Equal(10, drained.Value("spillway_sink_pool_connections_max", ("sink", "users")));
        Assert.Equal(2, drained.Value("spillway_worker_concurrency_max", ("queue", "submit"), ("worker", "submit")));
        Assert.Equal("histogram", drained.Types["spillway_worker_batch_duration_seconds"]);
        Assert.Equal("counter", drained.Types["spillway_storage_fsyncs_total"]);
        Assert.Equal(records, (await TestDatabase.Sqlite(Path.Combine(dataDirectory, "spillway.db")).ReadUsersAsync()).Count);
    }

    [Fact]
    public async Task Metrics_need_the_api_key_unless_the_operator_opens_them()
    {
        var keyed = new Dictionary<string, string> { ["Spillway__Gateway__ApiKeys__0"] = ApiKey };
        await using (var server = await SpillwayProcess.StartAsync(Path.Combine(work.FullName, "a"), environment: keyed))
        {
            using var refused = await server.Client.GetAsync(new Uri("/metrics", UriKind.Relative));
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            server.Client.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
            using var allowed = await server.Client.GetAsync(new Uri("/metrics", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
            Assert.Equal("text/plain; version=0.0.4; charset=utf-8", allowed.Content.Headers.ContentType?.ToString());
        }

        keyed["Spillway__Metrics__AllowAnonymous"] = "true";
        await using (var server = await SpillwayProcess.StartAsync(Path.Combine(work.FullName, "b"), environment: keyed))
        {
            using var open = await server.Client.GetAsync(new Uri("/metrics", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, open.StatusCode);
            PrometheusText.Parse(await open.Content.ReadAsStringAsync());
            using var admin = await server.Client.GetAsync(new Uri("/v1/queues", UriKind.Relative));
            Assert.Equal(HttpStatusCode.Unauthorized, admin.StatusCode);
        }
    }

    public void Dispose() => work.Delete(recursive: true);

    internal static async Task<PrometheusText> ScrapeAsync(SpillwayProcess server)
    {
        using var response = await server.Client.GetAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return PrometheusText.Parse(await response.Content.ReadAsStringAsync());
    }

    internal static async Task<PrometheusText> WaitForAsync(SpillwayProcess server, Func<PrometheusText, bool> condition, int seconds = 60)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(seconds);
        while (true)
        {
            var scraped = await ScrapeAsync(server);
            if (condition(scraped))
            {
                return scraped;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("the metrics never reached the expected state");
            }

            await Task.Delay(50);
        }
    }

    internal static async Task SwitchWorkerAsync(SpillwayProcess server, bool enable)
    {
        using var response = await server.Client.PostAsync(new Uri($"/v1/workers/submit/{(enable ? "enable" : "disable")}", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    internal static async Task WaitForWorkerAsync(SpillwayProcess server, bool enabled)
    {
        await WaitForAsync(server, m => m.TryValue("spillway_worker_enabled", ("queue", "submit"), ("worker", "submit")) == (enabled ? 1 : 0));
    }
}
