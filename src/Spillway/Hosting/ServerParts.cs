using OpenTelemetry.Metrics;
using Spillway.DataAccess;
using Spillway.Gateway;
using Spillway.Messaging;
using Spillway.Operations.Alarms;
using Spillway.Operations.Internal;
using Spillway.Processing;
using Spillway.Sinks;

namespace Spillway.Hosting;

/// <summary>
/// What a running server owns, as <see cref="ServerBuilder"/> opened it: immutable from then on. Endpoints and
/// background services take the pieces they need from it, never the whole.
/// </summary>
internal sealed class ServerParts : IAsyncDisposable
{
    public required TimeProvider Time { get; init; }

    public required ServerRole Role { get; init; }

    /// <summary>The node's own engine: the pipeline's queues unless a broker holds them, and the export jobs' queue.</summary>
    public required QueueEngine Engine { get; init; }

    public required PipelineTransport Pipeline { get; init; }

    public required IReadOnlyDictionary<string, ISqlSink> Sinks { get; init; }

    public required WorkerSupervisor Workers { get; init; }

    public required DataAccessRuntime DataAccess { get; init; }

    /// <summary>The object store: export files, and what the S3 API serves.</summary>
    public required Objects.IObjectStore Objects { get; init; }

    /// <summary>The delivery streams, writing files into <see cref="Objects"/>.</summary>
    public required DeliveryStreams.DeliveryStreamStore DeliveryStreams { get; init; }

    /// <summary>The aggregations, configured and declared at run time.</summary>
    public required Aggregations.AggregationService Aggregations { get; init; }

    public required Spillway.Aggregations.AggregationMetrics AggregationMetrics { get; init; }

    /// <summary>The readers of delivery streams whose source is a stream.</summary>
    public required DeliveryStreamSources DeliveryStreamSources { get; init; }

    /// <summary>The alarm monitor; null when no rule is configured.</summary>
    public required AlarmMonitor? Alarms { get; init; }

    /// <summary>The delivery worker of http, https, email, email-json and lambda subscriptions; null without the embedded
    /// engine's topics or the SNS API.</summary>
    public required Sns.Delivery.SnsDeliveryService? SnsDelivery { get; init; }

    /// <summary>The invoker of the workers bucket notifications name; null without the embedded engine.</summary>
    public required ObjectEventFunctions? ObjectEventFunctions { get; init; }

    public required IngestMetrics IngestMetrics { get; init; }

    public required SinkMetrics SinkMetrics { get; init; }

    public required WorkerMetrics WorkerMetrics { get; init; }

    public required PrometheusExporter Exporter { get; init; }

    /// <summary>The OTLP push; null when no endpoint is configured.</summary>
    public required MeterProvider? Otlp { get; init; }

    /// <summary>Starts what runs in the background: workers (each once its sink's table exists), autoscalers, topic deliveries, alarms,
    /// the export worker and the lifecycle timer. All stop when <paramref name="stopping"/> fires.</summary>
    public void Start(CancellationToken stopping)
    {
        Workers.Start(stopping);
        SnsDelivery?.Start();
        ObjectEventFunctions?.Start();
        DeliveryStreamSources.Start();
        Alarms?.Start();
        DataAccess.Start(stopping);
    }

    public async ValueTask DisposeAsync()
    {
        await DataAccess.DisposeAsync().ConfigureAwait(false);
        if (SnsDelivery is not null)
        {
            await SnsDelivery.DisposeAsync().ConfigureAwait(false);
        }

        if (ObjectEventFunctions is not null)
        {
            await ObjectEventFunctions.DisposeAsync().ConfigureAwait(false);
        }

        await Workers.DisposeAsync().ConfigureAwait(false);
        Alarms?.Dispose();
        Otlp?.Dispose();
        Exporter.Dispose();
        foreach (var sink in Sinks.Values)
        {
            await sink.DisposeAsync().ConfigureAwait(false);
        }

        await Aggregations.DisposeAsync().ConfigureAwait(false);
        AggregationMetrics.Dispose();
        await DeliveryStreamSources.DisposeAsync().ConfigureAwait(false);
        await DeliveryStreams.DisposeAsync().ConfigureAwait(false);
        await Pipeline.Transport.DisposeAsync().ConfigureAwait(false);
        WorkerMetrics.Dispose();
        SinkMetrics.Dispose();
        IngestMetrics.Dispose();
        await Engine.DisposeAsync().ConfigureAwait(false);
    }
}
