using System.Diagnostics.Metrics;
using Spillway.Aggregations;
using Spillway.DataAccess;
using Spillway.Gateway;
using Spillway.Hosting.Aggregations;
using Spillway.Messaging;
using Spillway.Operations.Alarms;
using Spillway.Operations.Internal;
using Spillway.Processing;
using Spillway.Sinks;
using Spillway.Transport;

namespace Spillway.Hosting;

/// <summary>
/// Opens what a server runs from its validated configuration: storage, the pipeline's transport, sinks, workers (with
/// their autoscalers), data access and alarms, each measured on its own library's meter from the host's factory.
/// Nothing runs until <see cref="ServerParts.Start"/>.
/// </summary>
internal static class ServerBuilder
{
    private const string Root = SpillwayOptions.SectionName;

    public static async Task<ServerParts> OpenAsync(
        SpillwayOptions options,
        ResolvedConfiguration configuration,
        ResolvedAlarms alarms,
        HandlerRegistry? registry,
        ILoggerFactory loggerFactory,
        IMeterFactory meterFactory,
        TimeProvider time,
        Messaging.Topics.NotificationRenderer? notificationRenderer,
        CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(configuration.DataDirectory);
        var owned = new List<object>();
        try
        {
            var engine = Own(owned, await QueueEngine.OpenAsync(
                new QueueEngineOptions
                {
                    DataDirectory = Path.Combine(configuration.DataDirectory, "queues"),
                    CompactionThreshold = configuration.Engine.CompactionThreshold,
                    FifoSendRateLimit = configuration.Engine.FifoSendRateLimit,
                    MinimumFreeDiskBytes = configuration.Engine.MinimumFreeDiskMegabytes * 1024L * 1024,
                    MeterFactory = meterFactory,
                    NotificationRenderer = notificationRenderer,
                },
                cancellationToken).ConfigureAwait(false));
            var pipeline = await TransportSetup.OpenAsync(configuration, engine, notificationRenderer, loggerFactory, cancellationToken).ConfigureAwait(false);
            Own(owned, pipeline.Transport);

            // A gateway writes into no database: it needs neither sinks nor workers.
            var runsWorkers = configuration.Role != ServerRole.Gateway;
            var sinkMetrics = Own(owned, new SinkMetrics(meterFactory));
            var sinks = new Dictionary<string, ISqlSink>(StringComparer.OrdinalIgnoreCase);
            foreach (var sink in runsWorkers ? configuration.Sinks : [])
            {
                sinks[sink.Name] = Own(owned, sinkMetrics.Measure(CreateSink(sink)));
            }

            var workers = new Dictionary<string, Worker>(StringComparer.OrdinalIgnoreCase);
            var workerMetrics = Own(owned, new WorkerMetrics(meterFactory, () => workers.Values));
            foreach (var worker in runsWorkers ? configuration.Workers : [])
            {
                workers[worker.Name] = Own(owned, CreateWorker(worker, configuration, pipeline.Transport, sinks, workerMetrics, registry, loggerFactory, time));
            }

            // Bucket notifications reach workers through the embedded engine only, which holds each event until taken.
            var objectFunctions = pipeline.EngineQueues is { } queues
                ? Own(owned, new ObjectEventFunctions(
                    queues, new WorkerFunctions(configuration.Workers, registry ?? HandlerRegistry.Default, time), loggerFactory.CreateLogger("Spillway.ObjectEvents")))
                : null;
            var objects = await ObjectsHosting.OpenAsync(
                options,
                configuration.DataDirectory,
                new ObjectEventPublisher(pipeline.Transport, objectFunctions, loggerFactory.CreateLogger("Spillway.ObjectEvents")),
                time,
                cancellationToken).ConfigureAwait(false);
            var deliveryStreams = Own(owned, DeliveryStreamsHosting.Open(
                objects,
                configuration.DataDirectory,
                time,
                meterFactory,
                DeliveryStreamsHosting.Functions(options, configuration),
                DeliveryStreamsHosting.Databases(configuration)));
            var aggregationMetrics = Own(owned, new AggregationMetrics(meterFactory, time));
            var aggregations = new AggregationService(
                configuration, pipeline.Transport, pipeline.EngineQueues, deliveryStreams, aggregationMetrics, time, loggerFactory);
            owned.Add(aggregations);
            await aggregations.StartAsync(cancellationToken).ConfigureAwait(false);
            var deliverySources = new DeliveryStreamSources(deliveryStreams, pipeline.Transport.Streams, time, loggerFactory.CreateLogger("Spillway.DeliveryStreams"));
            var dataAccess = Own(owned, await DataAccessRuntime.OpenAsync(
                options, configuration, engine, objects, time, loggerFactory, cancellationToken).ConfigureAwait(false));
            var monitor = alarms.CreateMonitor(pipeline.Transport, workers, sinks, sinkMetrics, time, meterFactory, loggerFactory.CreateLogger("Spillway"));
            if (monitor is not null)
            {
                owned.Add(monitor);
            }

            var snsDelivery = SnsDeliveryHosting.Create(
                pipeline.EngineQueues, options.Sns.Enabled && notificationRenderer is not null, configuration, alarms, registry, deliveryStreams,
                pipeline.Transport.Streams, time, loggerFactory, meterFactory);
            if (snsDelivery is not null)
            {
                owned.Add(snsDelivery);
            }

            return new ServerParts
            {
                Time = time,
                Role = configuration.Role,
                Engine = engine,
                Pipeline = pipeline,
                Sinks = sinks,
                Workers = new WorkerSupervisor(workers, sinks, time, loggerFactory.CreateLogger("Spillway")),
                DataAccess = dataAccess,
                Objects = objects,
                DeliveryStreams = deliveryStreams,
                DeliveryStreamSources = deliverySources,
                Aggregations = aggregations,
                AggregationMetrics = aggregationMetrics,
                Alarms = monitor,
                SnsDelivery = snsDelivery,
                ObjectEventFunctions = objectFunctions,
                IngestMetrics = new IngestMetrics(meterFactory),
                SinkMetrics = sinkMetrics,
                WorkerMetrics = workerMetrics,
                Exporter = new PrometheusExporter(meterFactory),
                Otlp = OtlpExport.Start(options.Metrics),
            };
        }
        catch
        {
            // What was opened is closed again, last first, so a refused configuration leaves no file locked.
            for (var i = owned.Count - 1; i >= 0; i--)
            {
                switch (owned[i])
                {
                    case IAsyncDisposable asynchronous:
                        await asynchronous.DisposeAsync().ConfigureAwait(false);
                        break;
                    case IDisposable disposable:
                        disposable.Dispose();
                        break;
                }
            }

            throw;
        }
    }

    private static T Own<T>(List<object> owned, T value)
        where T : notnull
    {
        owned.Add(value);
        return value;
    }

    private static ISqlSink CreateSink(SqlSinkOptions options)
    {
        try
        {
            return SqlSinkFactory.Create(options);
        }
        catch (ArgumentException e)
        {
            // The factory's message never carries the password.
            throw new ConfigurationException($"{Root}:Sinks:{options.Name}:DatabaseUrl", e.Message);
        }
    }

    private static Worker CreateWorker(
        ResolvedWorker worker,
        ResolvedConfiguration configuration,
        IMessageTransport transport,
        IReadOnlyDictionary<string, ISqlSink> sinks,
        WorkerMetrics metrics,
        HandlerRegistry? registry,
        ILoggerFactory loggerFactory,
        TimeProvider time)
    {
        var key = $"{Root}:Workers:{worker.Name}";
        var config = worker.Config;
        if (config.MinConcurrency is not null && !transport.ReportsMessageAge)
        {
            throw new ConfigurationException(
                key + ":MinConcurrency",
                $"autoscaling reads the queue's oldest message age, which the {transport.Kind} transport does not report; set MaxConcurrency only");
        }

        IMessageHandler handler;
        try
        {
            handler = MessageHandlerFactory.Create(
                new MessageHandlerOptions
                {
                    Kind = config.Handler.Kind,
                    Sink = config.Handler.Sink,
                    Url = config.Handler.Url,
                    Name = config.Handler.Name,
                    Stream = config.Handler.Stream,
                    PartitionKeyField = config.Handler.PartitionKeyField,
                    Timeout = TimeSpan.FromSeconds(config.Handler.TimeoutSeconds),
                },
                sinks,
                registry,
                loggerFactory: loggerFactory,
                streams: transport.Streams is { } streams ? streams.FindProducer : null,
                section: key + ":Handler");
        }
        catch (ArgumentException e)
        {
            throw new ConfigurationException(key + ":Handler", e.Message);
        }

        var sink = config.Handler.Kind == MessageHandlerOptions.SqlKind ? config.Handler.Sink : null;
        if (worker.Stream is { } stream)
        {
            if (transport.Streams is null)
            {
                throw new ConfigurationException(key + ":Stream", $"the {transport.Kind} transport has no streams");
            }

            return new Worker(worker.Name, transport, worker.Queue, handler, stream with { TimeProvider = time }, sink, metrics, loggerFactory);
        }

        var created = new Worker(worker.Name, transport, worker.Queue, handler, worker.Mapping, sink, metrics, loggerFactory);
        if (config.MinConcurrency is { } minimum)
        {
            // Never more invocations than the sink has connections: the extra ones would only wait on the pool.
            var pool = configuration.Sinks.FirstOrDefault(s => string.Equals(s.Name, sink, StringComparison.OrdinalIgnoreCase));
            var maximum = pool is null ? config.MaxConcurrency : Math.Min(config.MaxConcurrency, pool.MaxConnections);
            var settings = new AutoscalingSettings(
                Math.Min(minimum, maximum),
                maximum,
                TimeSpan.FromSeconds(config.TargetOldestMessageAgeSeconds),
                TimeSpan.FromSeconds(config.ScaleIntervalSeconds),
                TimeSpan.FromSeconds(config.MaxBatchLatencySeconds));
            _ = new WorkerAutoscaler(created, settings, transport.Admin, time);
        }

        return created;
    }
}
