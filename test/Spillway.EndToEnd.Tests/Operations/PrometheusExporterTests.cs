using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Spillway.EndToEnd.Tests.Support;
using Spillway.Operations.Internal;

namespace Spillway.EndToEnd.Tests.Operations;

/// <summary>The exporter's text survives a strict parser, escapes and all.</summary>
public sealed class PrometheusExporterTests
{
    [Fact]
    public void Label_values_are_escaped_and_read_back_unchanged()
    {
        using var host = new MeterHost();
        var meter = host.Meter;
        using var exporter = new PrometheusExporter(host.Factory);
        var counter = meter.CreateCounter<long>("spillway.test.requests", "{request}", "Line one\nback\\slash");
        counter.Add(3, new KeyValuePair<string, object?>("route", "a \"quoted\" \\ path\nnext"));
        counter.Add(2, new KeyValuePair<string, object?>("route", "a \"quoted\" \\ path\nnext"));

        var text = exporter.Scrape();

        Assert.Contains("# HELP spillway_test_requests_total Line one\\nback\\\\slash\n", text, StringComparison.Ordinal);
        Assert.Contains("route=\"a \\\"quoted\\\" \\\\ path\\nnext\"", text, StringComparison.Ordinal);
        Assert.Equal(5, PrometheusText.Parse(text).Value("spillway_test_requests_total", ("route", "a \"quoted\" \\ path\nnext")));
    }

    [Fact]
    public void Histogram_buckets_are_cumulative_and_a_value_on_a_bound_counts_in_that_bucket()
    {
        using var host = new MeterHost();
        var meter = host.Meter;
        using var exporter = new PrometheusExporter(host.Factory);
        var histogram = meter.CreateHistogram(
            "spillway.test.duration", "s", "Durations.", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.1, 1] });
        foreach (var value in new[] { 0.05, 0.1, 0.5, 1, 7 })
        {
            histogram.Record(value);
        }

        var parsed = PrometheusText.Parse(exporter.Scrape());

        Assert.Equal("histogram", parsed.Types["spillway_test_duration_seconds"]);
        Assert.Equal(2, parsed.Value("spillway_test_duration_seconds_bucket", ("le", "0.1")));
        Assert.Equal(4, parsed.Value("spillway_test_duration_seconds_bucket", ("le", "1")));
        Assert.Equal(5, parsed.Value("spillway_test_duration_seconds_bucket", ("le", "+Inf")));
        Assert.Equal(8.65, parsed.Value("spillway_test_duration_seconds_sum"), 6);
        Assert.Equal(5, parsed.Value("spillway_test_duration_seconds_count"));
    }

    [Fact]
    public void Observable_series_that_disappear_are_not_reported_again()
    {
        using var host = new MeterHost();
        var meter = host.Meter;
        using var exporter = new PrometheusExporter(host.Factory);
        var queues = new List<string> { "a", "b" };
        meter.CreateObservableGauge(
            "spillway.test.visible", () => queues.Select(q => new Measurement<long>(1, new KeyValuePair<string, object?>("queue", q))));

        Assert.NotNull(PrometheusText.Parse(exporter.Scrape()).TryValue("spillway_test_visible", ("queue", "b")));
        queues.Remove("b");
        var parsed = PrometheusText.Parse(exporter.Scrape());

        Assert.Null(parsed.TryValue("spillway_test_visible", ("queue", "b")));
        Assert.Equal(1, parsed.Value("spillway_test_visible", ("queue", "a")));
    }

    [Fact]
    public void The_strict_parser_rejects_what_prometheus_would()
    {
        Assert.Throws<FormatException>(() => PrometheusText.Parse("spillway_x 1\n"));
        Assert.Throws<FormatException>(() => PrometheusText.Parse("# TYPE spillway_x counter\nspillway_x 1\n"));
        Assert.Throws<FormatException>(() => PrometheusText.Parse("# TYPE spillway_x gauge\nspillway_x{a=\"\\t\"} 1\n"));
        Assert.Throws<FormatException>(() => PrometheusText.Parse(
            "# TYPE spillway_h histogram\nspillway_h_bucket{le=\"1\"} 3\nspillway_h_bucket{le=\"+Inf\"} 2\nspillway_h_sum 1\nspillway_h_count 2\n"));
    }

    [Fact]
    public void Only_the_spillway_meters_of_its_own_host_are_exported()
    {
        using var host = new MeterHost();
        using var other = new MeterHost();
        using var exporter = new PrometheusExporter(host.Factory);
        host.Meter.CreateCounter<long>("spillway.test.mine").Add(1);
        other.Meter.CreateCounter<long>("spillway.test.theirs").Add(1);
        host.Factory.Create("System.Net.Http").CreateCounter<long>("spillway.test.foreign").Add(1);

        var parsed = PrometheusText.Parse(exporter.Scrape());

        Assert.Equal(1, parsed.Value("spillway_test_mine_total"));
        Assert.Null(parsed.TryValue("spillway_test_theirs_total"));
        Assert.Null(parsed.TryValue("spillway_test_foreign_total"));
    }

    /// <summary>A host's meter factory, as ASP.NET gives one, and a Spillway meter made by it.</summary>
    private sealed class MeterHost : IDisposable
    {
        private readonly ServiceProvider services = new ServiceCollection().AddMetrics().BuildServiceProvider();

        public MeterHost()
        {
            Factory = services.GetRequiredService<IMeterFactory>();
            Meter = Factory.Create("Spillway.Test");
        }

        public IMeterFactory Factory { get; }

        public Meter Meter { get; }

        public void Dispose() => services.Dispose();
    }
}
