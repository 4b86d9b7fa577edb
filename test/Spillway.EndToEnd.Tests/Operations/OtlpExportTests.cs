using System.Text;
using Spillway.EndToEnd.Tests.Support;

namespace Spillway.EndToEnd.Tests.Operations;

/// <summary>With the standard OTLP variable set, the same instruments are pushed to a collector over http/protobuf.</summary>
public sealed class OtlpExportTests : IDisposable
{
    private readonly DirectoryInfo work = Directory.CreateTempSubdirectory("spillway-e2e-");

    [Fact]
    public async Task Metrics_are_pushed_to_the_endpoint_named_by_OTEL_EXPORTER_OTLP_ENDPOINT()
    {
        await using var collector = await WebhookReceiver.StartAsync();
        var environment = new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.BaseUrl,
            ["Spillway__Metrics__OtlpExportIntervalSeconds"] = "1",
        };
        await using var server = await SpillwayProcess.StartAsync(Path.Combine(work.FullName, "data"), environment: environment);

        var (path, contentType, body) = await collector.NextOtherAsync(TimeSpan.FromSeconds(30));

        Assert.Equal("/v1/metrics", path);
        Assert.Equal("application/x-protobuf", contentType);
        // Protobuf keeps strings as UTF-8: the meter and an instrument's name are in the export as written.
        var text = Encoding.UTF8.GetString(body);
        Assert.Contains("Spillway", text, StringComparison.Ordinal);
        Assert.Contains("spillway.queue.messages.visible", text, StringComparison.Ordinal);
    }

    public void Dispose() => work.Delete(recursive: true);
}
