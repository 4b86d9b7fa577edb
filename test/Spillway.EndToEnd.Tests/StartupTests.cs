using System.Net;
using Spillway.EndToEnd.Tests.Support;

namespace Spillway.EndToEnd.Tests;

/// <summary>Configuration errors and security defaults, seen from the command line.</summary>
public sealed class StartupTests : IDisposable
{
    private readonly DirectoryInfo work = Directory.CreateTempSubdirectory("spillway-e2e-");

    [Fact]
    public async Task Bad_configuration_stops_start_up_naming_the_key()
    {
        var (exitCode, output) = await SpillwayProcess.RunToExitAsync(
        [
            "serve", "--urls", $"http://127.0.0.1:{SpillwayProcess.FreePort()}", "--data-dir", work.FullName,
            "--Spillway:Workers:submit:MaxConcurrency=0", "--Spillway:Workers:submit:Handler:Sink=users",
        ]);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("Spillway:Workers:submit:MaxConcurrency", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--Spillway:Engine:CompactionThreshold=0.95", "Spillway:Engine:CompactionThreshold")]
    [InlineData("--Spillway:Engine:FifoSendRateLimit=0", "Spillway:Engine:FifoSendRateLimit")]
    [InlineData("--Spillway:Engine:MinimumFreeDiskMegabytes=8", "Spillway:Engine:MinimumFreeDiskMegabytes")]
    [InlineData("--Spillway:Exports:MaxRowsPerSecond=-1", "Spillway:Exports:MaxRowsPerSecond")]
    [InlineData("--Spillway:Exports:BusyMaxRowsPerSecond=100000001", "Spillway:Exports:BusyMaxRowsPerSecond")]
    [InlineData("--Spillway:Exports:IngestBusyMessagesPerSecond=0", "Spillway:Exports:IngestBusyMessagesPerSecond")]
    [InlineData("--Spillway:Exports:Niceness=20", "Spillway:Exports:Niceness")]
    public async Task A_bad_engine_or_export_setting_stops_start_up_naming_the_key(string setting, string key)
    {
        var (exitCode, output) = await SpillwayProcess.RunToExitAsync(
            ["serve", "--urls", $"http://127.0.0.1:{SpillwayProcess.FreePort()}", "--data-dir", work.FullName, setting]);

        Assert.Equal(2, exitCode);
        Assert.Contains(key, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_value_in_the_configuration_file_names_the_key()
    {
        var file = Path.Combine(work.FullName, "spillway.json");
        await File.WriteAllTextAsync(file, """{"Spillway": {"Queues": {"submit": {"VisibilityTimeoutSeconds": 99999}}}}""");

        var (exitCode, output) = await SpillwayProcess.RunToExitAsync(
            ["serve", "--urls", $"http://127.0.0.1:{SpillwayProcess.FreePort()}", "--data-dir", work.FullName, "--config", file]);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("Spillway:Queues:submit:VisibilityTimeoutSeconds", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Listening_beyond_loopback_without_a_key_is_refused()
    {
        var (exitCode, output) = await SpillwayProcess.RunToExitAsync(
            ["serve", "--urls", $"http://0.0.0.0:{SpillwayProcess.FreePort()}", "--data-dir", work.FullName]);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("loopback", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Api_key_from_a_secret_file_is_required_and_never_logged()
    {
        const string key = "k3y-from-a-mounted-secret-file";
        var keyFile = Path.Combine(work.FullName, "api-keys");
        await File.WriteAllTextAsync(keyFile, key + "\n");
        await using var server = await SpillwayProcess.StartAsync(
            Path.Combine(work.FullName, "data"), [$"--Spillway:Gateway:ApiKeysFile={keyFile}"]);

        var (withoutKey, _) = await SeedPipelineTests.CurlAsync(server.Port, """{"name": "a", "email": "a@example.com"}""");
        var (withKey, _) = await SeedPipelineTests.CurlAsync(
            server.Port, """{"name": "a", "email": "a@example.com"}""", "-H", $"Authorization: Bearer {key}");

        Assert.Equal("401", withoutKey);
        Assert.Equal("202", withKey);
        Assert.DoesNotContain(key, server.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fifo_queues_come_from_configuration_and_a_route_into_one_is_refused_naming_the_key()
    {
        await using (var server = await SpillwayProcess.StartAsync(
            Path.Combine(work.FullName, "data"),
            ["--Spillway:Queues:orders.fifo:ContentBasedDeduplication=true", "--Spillway:Queues:orders.fifo:DeadLetterQueue=orders-dlq.fifo"]))
        {
            var queues = await server.Client.GetStringAsync(new Uri("/v1/queues", UriKind.Relative));
            Assert.Contains("\"orders.fifo\"", queues, StringComparison.Ordinal);
            Assert.Contains("\"orders-dlq.fifo\"", queues, StringComparison.Ordinal);
        }

        var (exitCode, output) = await SpillwayProcess.RunToExitAsync(
        [
            "serve", "--urls", $"http://127.0.0.1:{SpillwayProcess.FreePort()}", "--data-dir", Path.Combine(work.FullName, "other"),
            "--Spillway:Routes:submit:QueueName=orders.fifo",
        ]);
        Assert.NotEqual(0, exitCode);
        Assert.Contains("Spillway:Routes:submit:QueueName", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_configured_free_disk_reserve_decides_when_ingest_is_refused()
    {
        // The largest reserve allowed, 1 TiB, is more than this disk has free: every record is refused, and said why.
        const long reserveMegabytes = 1024 * 1024;
        const long reserveBytes = reserveMegabytes * 1024 * 1024;
        Assert.True(new DriveInfo(work.FullName).AvailableFreeSpace < reserveBytes, "this test needs a disk with less than 1 TiB free");
        await using var server = await SpillwayProcess.StartAsync(
            Path.Combine(work.FullName, "data"), [$"--Spillway:Engine:MinimumFreeDiskMegabytes={reserveMegabytes}"]);

        using var content = new StringContent("""{"name": "a", "email": "a@example.com"}""", System.Text.Encoding.UTF8, "application/json");
        using var refused = await server.Client.PostAsync(new Uri("/submit", UriKind.Relative), content);
        using var readiness = await server.Client.GetAsync(new Uri("/readyz", UriKind.Relative));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.NotNull(refused.Headers.RetryAfter);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, readiness.StatusCode);
        Assert.Contains($"{reserveBytes} required", await readiness.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Healthz_answers_while_serving()
    {
        await using var server = await SpillwayProcess.StartAsync(Path.Combine(work.FullName, "data"));

        using var response = await server.Client.GetAsync(new Uri("/healthz", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    public void Dispose() => work.Delete(recursive: true);
}
