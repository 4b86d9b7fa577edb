using System.Text.Json;
using Spillway.EndToEnd.Tests.Support;

namespace Spillway.EndToEnd.Tests.Operations;

/// <summary>The dashboard, rendered by a real headless browser against the real server, with no internet needed.</summary>
public sealed class DashboardTests : IDisposable
{
    private readonly DirectoryInfo work = Directory.CreateTempSubdirectory("spillway-e2e-");

    [Fact]
    public async Task Dashboard_shows_every_queue_worker_and_sink_and_the_dead_letters_with_a_redrive_button()
    {
        // A worker whose function is unreachable: each message fails once and lands in the dead-letter queue.
        var environment = new Dictionary<string, string>
        {
            ["Spillway__Workers__submit__Handler__Kind"] = "http",
            ["Spillway__Workers__submit__Handler__Url"] = $"http://127.0.0.1:{SpillwayProcess.FreePort()}/fn",
            ["Spillway__Queues__submit__VisibilityTimeoutSeconds"] = "1",
            ["Spillway__Queues__submit__MaxReceiveCount"] = "1",
        };
        await using var server = await SpillwayProcess.StartAsync(Path.Combine(work.FullName, "data"), environment: environment);
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var (status, body) = await SeedPipelineTests.CurlAsync(server.Port, $$"""{"name": "dead{{i}}", "email": "dead{{i}}@example.com"}""");
            Assert.Equal("202", status);
            ids.Add(JsonDocument.Parse(body).RootElement.GetProperty("messageId").GetString()!);
        }

        await MetricsTests.WaitForAsync(server, m => m.Value("spillway_queue_messages_visible", ("queue", "submit-dlq")) == 3);
        var page = new Uri(server.BaseAddress, "/dashboard");

        var dom = await HeadlessChromium.DumpDomAsync(page, TimeSpan.FromSeconds(6));

        Assert.Contains("<td>submit-dlq</td>", dom, StringComparison.Ordinal);
        Assert.Contains("<td>/submit</td>", dom, StringComparison.Ordinal);
        Assert.Contains("<td>users</td><td>sqlite</td>", dom, StringComparison.Ordinal);
        Assert.Contains("fixed 2", dom, StringComparison.Ordinal); // the worker row
        Assert.Contains("class=\"redrive\" data-queue=\"submit-dlq\"", dom, StringComparison.Ordinal);
        Assert.All(ids, id => Assert.Contains("<td>" + id + "</td>", dom, StringComparison.Ordinal));
        Assert.Contains("id=\"backlog\">0<", dom, StringComparison.Ordinal);
        Assert.Contains("id=\"eta\">drained<", dom, StringComparison.Ordinal);
        Assert.Contains("data-series=\"ingest\"", dom, StringComparison.Ordinal);
        Assert.Contains("data-series=\"backlog\"", dom, StringComparison.Ordinal);
        Assert.DoesNotContain("http://", dom.Replace(server.BaseAddress.ToString(), string.Empty, StringComparison.Ordinal)
            .Replace("http://www.w3.org", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);

        var screenshot = Path.Combine(AppContext.BaseDirectory, "dashboard.png");
        await HeadlessChromium.ScreenshotAsync(page, TimeSpan.FromSeconds(6), screenshot);
        var png = await File.ReadAllBytesAsync(screenshot);
        Assert.True(png.Length > 10_000, $"a {png.Length}-byte screenshot is too small to show the dashboard");
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
    }

    [Fact]
    public async Task Dashboard_page_is_served_without_a_key_but_its_data_needs_one()
    {
        var environment = new Dictionary<string, string> { ["Spillway__Gateway__ApiKeys__0"] = "dashboard-test-key-0123456789" };
        await using var server = await SpillwayProcess.StartAsync(Path.Combine(work.FullName, "data"), environment: environment);

        using var page = await server.Client.GetAsync(new Uri("/dashboard", UriKind.Relative));
        using var stats = await server.Client.GetAsync(new Uri("/v1/stats", UriKind.Relative));
        var dom = await HeadlessChromium.DumpDomAsync(new Uri(server.BaseAddress, "/dashboard"), TimeSpan.FromSeconds(4));

        Assert.Equal(System.Net.HttpStatusCode.OK, page.StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, stats.StatusCode);
        Assert.Contains("id=\"login\" class=\"shown\"", dom, StringComparison.Ordinal);
    }

    public void Dispose() => work.Delete(recursive: true);
}
