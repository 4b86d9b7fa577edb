using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;

namespace Spillway.Operations.Internal;

/// <summary>Pushes the Spillway meters over OTLP when an endpoint is configured; otherwise nothing is created.</summary>
internal static class OtlpExport
{
    public static MeterProvider? Start(MetricsOptions options)
    {
        var endpoint = string.IsNullOrWhiteSpace(options.OtlpEndpoint)
            ? Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT")
            : options.OtlpEndpoint;
        if (string.IsNullOrWhiteSpace(endpoint) || !Uri.TryCreate(endpoint, UriKind.Absolute, out var baseUri))
        {
            return null;
        }

        var protocol = options.OtlpProtocol ?? Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_PROTOCOL") ?? "http/protobuf";
        var grpc = protocol == "grpc";
        return Sdk.CreateMeterProviderBuilder()
            .AddMeter("Spillway.*")
            .AddOtlpExporter((exporter, reader) =>
            {
                exporter.Protocol = grpc ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;
                // With http/protobuf the signal path is appended, as OTEL_EXPORTER_OTLP_ENDPOINT specifies.
                exporter.Endpoint = grpc ? baseUri : new Uri(baseUri, baseUri.AbsolutePath.TrimEnd('/') + "/v1/metrics");
                reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = options.OtlpExportIntervalSeconds * 1000;
                reader.TemporalityPreference = MetricReaderTemporalityPreference.Cumulative;
            })
            .Build();
    }
}
