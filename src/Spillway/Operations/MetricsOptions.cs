namespace Spillway.Operations;

/// <summary>The <c>Spillway:Metrics</c> section: the Prometheus endpoint and the optional OTLP export.</summary>
internal sealed class MetricsOptions
{
    /// <summary>Whether <c>GET /metrics</c> is served. Defaults to true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Path of the Prometheus endpoint. Defaults to <c>/metrics</c>.</summary>
    public string Path { get; set; } = "/metrics";

    /// <summary>
    /// Serve the metrics without an API key even when keys are configured, for a scraper on a trusted network.
    /// Defaults to false: the metrics name queues and sinks, so they get the admin endpoints' protection.
    /// </summary>
    public bool AllowAnonymous { get; set; }

    /// <summary>
    /// OTLP endpoint (e.g. <c>http://collector:4318</c>) to push metrics to. Defaults to the standard
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> environment variable; with neither, nothing is exported.
    /// </summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary>"grpc" or "http/protobuf". Defaults to <c>OTEL_EXPORTER_OTLP_PROTOCOL</c>, else http/protobuf.</summary>
    public string? OtlpProtocol { get; set; }

    /// <summary>How often metrics are pushed over OTLP. Defaults to 15 s (1–3,600).</summary>
    public int OtlpExportIntervalSeconds { get; set; } = 15;
}
