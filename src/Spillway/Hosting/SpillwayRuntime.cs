using Spillway.Gateway;
using Spillway.Gateway.Admin;
using OpenTelemetry.Metrics;
using Spillway.Messaging;
using Spillway.Operations;
using Spillway.Operations.Alarms;
using Spillway.Operations.Internal;
using Spillway.Processing;
using Spillway.Sinks;
using Spillway.Amqp;
using Spillway.Transport;
using Spillway.Sqs;

namespace Spillway.Hosting;

/// <summary>What a running server owns: the queue engine, the sinks, the handlers and the workers feeding them.</summary>
internal sealed class SpillwayRuntime : IAsyncDisposable
{
    private readonly Dictionary<string, Worker> workers = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, SqlSinkOptions> sinkOptions = new(StringComparer.OrdinalIgnoreCase);
    private readonly ILogger logger;
    private readonly HashSet<string> transportQueues = new(StringComparer.Ordinal);
    private PrometheusExporter? exporter;
    private MeterProvider? otlp;

    private SpillwayRuntime(QueueEngine engine, Dictionary<string, ISqlSink> sinks, ILogger logger, TimeProvider time)
    {
        Engine = engine;
        Sinks = sinks;
        this.logger = logger;
        Time = time;
    }

    /// <summary>The clock of autoscaling and alarms.</summary>
    public TimeProvider Time { get; }

    public SpillwayMetrics Metrics { get; } = new();

    /// <summary>The alarm monitor; null when no rule is configured.</summary>
    public AlarmMonitor? Alarms { get; private set; }

    public QueueEngine Engine { get; }

    /// <summary>Where the routes' queues live: the engine (the default) or a broker.</summary>
    public IMessageTransport Transport { get; private set; } = null!;

    public ServerRole Role { get; private set; }

    public IReadOnlyDictionary<string, ISqlSink> Sinks { get; }

    public IReadOnlyDictionary<string, Worker> Workers => workers;

    /// <summary>Opens storage, creates every configured queue and builds the sinks and workers (not started yet).</summary>
    public static async Task<SpillwayRuntime> OpenAsync(
        ResolvedConfiguration configuration,
        ILoggerFactory loggerFactory,
        HandlerRegistry? registry,
        CancellationToken cancellationToken,
        TimeProvider? time = null)
    {
        Directory.CreateDirectory(configuration.DataDirectory);
        var engine = await QueueEngine.OpenAsync(
            new QueueEngineOptions
            {
                DataDirectory = Path.Combine(configuration.DataDirectory, "queues"),
                CompactionThreshold = configuration.Engine.CompactionThreshold,
                FifoSendRateLimit = configuration.Engine.FifoSendRateLimit,
                MinimumFreeDiskBytes = configuration.Engine.MinimumFreeDiskMegabytes * 1024L * 1024,
            },
            cancellationToken)
            .ConfigureAwait(false);
        var sinks = new Dictionary<string, ISqlSink>(StringComparer.OrdinalIgnoreCase);
        var runtime = new SpillwayRuntime(engine, sinks, loggerFactory.CreateLogger("Spillway"), time ?? TimeProvider.System)
        {
            Role = configuration.Role,
        };
        try
        {
            if (configuration.Transport is { } broker)
            {
                // The engine stays open (empty) for the endpoints that read it; every route and worker queue is the broker's.
                runtime.transportQueues.UnionWith(configuration.Queues.Select(q => q.Name));
                runtime.Transport = await OpenAmqpAsync(broker, configuration, loggerFactory, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                // Dead-letter queues first, so a redrive policy never names a queue that does not exist yet.
                var deadLetterQueues = configuration.Queues.Select(q => q.RedrivePolicy?.DeadLetterQueue).OfType<string>().ToHashSet();
                foreach (var definition in configuration.Queues.OrderBy(q => deadLetterQueues.Contains(q.Name) ? 0 : 1))
                {
                    await engine.CreateQueueAsync(definition, cancellationToken).ConfigureAwait(false);
                }

                runtime.Transport = new EmbeddedTransport(engine);
            }

            // A gateway writes into no database: it needs neither sinks nor workers.
            var runsWorkers = configuration.Role != ServerRole.Gateway;
            foreach (var options in runsWorkers ? configuration.Sinks : [])
            {
                sinks[options.Name] = new InstrumentedSqlSink(CreateSink(options), runtime.Metrics);
                runtime.sinkOptions[options.Name] = options;
            }

            foreach (var worker in runsWorkers ? configuration.Workers : [])
            {
                runtime.AddWorker(worker, loggerFactory, registry);
            }

            // The engine keeps each queue's log under <engine directory>/queues/<name>.
            runtime.Metrics.Observe(runtime, Path.Combine(configuration.DataDirectory, "queues", "queues"));
        }
        catch
        {
            await runtime.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return runtime;
    }

    /// <summary>Maps the HTTP endpoints and ties the workers to the application's lifetime.</summary>
    public void Attach(
        WebApplication app,
        ResolvedConfiguration configuration,
        GatewayOptions gateway,
        SqsOptions sqs,
        string? sqsRefusal,
        MetricsOptions metrics,
        ResolvedAlarms? alarms = null)
    {
        var routes = configuration.Routes;
        Alarms = alarms?.CreateMonitor(this, logger);
        if (Alarms is { } monitor)
        {
            Metrics.ObserveAlarms(monitor);
        }

        exporter = new PrometheusExporter(Metrics.Meter, Metrics.Invalidate);
        otlp = OtlpExport.Start(metrics);
        app.UseIngestMetrics(routes.ToDictionary(r => r.Options.Path, r => r.Name, StringComparer.OrdinalIgnoreCase), Metrics);
        // A worker maps no route, but MapIngestRoutes with none still maps the health endpoint.
        var ingest = Role == ServerRole.Worker ? [] : routes.Select(r => r.Options);
        if (Transport is EmbeddedTransport)
        {
            app.MapIngestRoutes(Engine, ingest, gateway);
            app.MapQueueAdmin(Engine, gateway);
            app.MapSqsApi(Engine, sqs, new SqsApiSettings
            {
                ConfiguredQueues = ConfiguredQueues(configuration),
                StateDirectory = Path.Combine(configuration.DataDirectory, "sqs"),
                RefusalReason = sqsRefusal,
            });
        }
        else
        {
            // The SQS-compatible API and the queue operations serve the embedded engine's queues; on a broker node
            // there are none to serve.
            app.MapIngestRoutes(Transport, ingest, gateway);
            app.MapQueueAdmin(Transport, gateway);
        }

        app.MapWorkerAdmin(this, gateway);
        app.MapMetrics(exporter, metrics, gateway);
        app.MapReadiness(this);
        Dashboard.DashboardEndpoints.MapDashboard(app, this, routes, gateway);
        var lifetime = app.Lifetime;
        lifetime.ApplicationStarted.Register(() =>
        {
            foreach (var worker in workers.Values)
            {
                worker.Autoscaler?.Start();
            }

            Alarms?.Start();
            _ = StartWorkersAsync(lifetime.ApplicationStopping);
        });
        lifetime.ApplicationStopping.Register(() => StopWorkersAsync().GetAwaiter().GetResult());
    }

    /// <summary>The queues the configuration owns, each with the key that defines it (a route or worker before the queue entry).</summary>
    private static Dictionary<string, string> ConfiguredQueues(ResolvedConfiguration configuration)
    {
        var owners = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [Spillway.DataAccess.DataAccessRuntime.QueueName] = $"{SpillwayOptions.SectionName}:Exports",
        };
        foreach (var queue in configuration.Queues)
        {
            owners[queue.Name] = $"{SpillwayOptions.SectionName}:Queues:{queue.Name}";
        }

        foreach (var worker in configuration.Workers)
        {
            owners[worker.Queue] = $"{SpillwayOptions.SectionName}:Workers:{worker.Name}";
        }

        foreach (var route in configuration.Routes)
        {
            owners[route.Options.QueueName] = $"{SpillwayOptions.SectionName}:Routes:{route.Name}";
        }

        return owners;
    }

    /// <summary>The read API, exports and retention; null until attached.</summary>
    public DataAccess.DataAccessRuntime? DataAccess { get; set; }

    public async ValueTask DisposeAsync()
    {
        if (DataAccess is not null)
        {
            await DataAccess.DisposeAsync().ConfigureAwait(false);
        }

        foreach (var worker in workers.Values)
        {
            worker.Autoscaler?.Dispose();
            await worker.DisposeAsync().ConfigureAwait(false);
        }

        Alarms?.Dispose();
        otlp?.Dispose();
        exporter?.Dispose();
        Metrics.Dispose();

        foreach (var sink in Sinks.Values)
        {
            await sink.DisposeAsync().ConfigureAwait(false);
        }

        if (Transport is not null)
        {
            await Transport.DisposeAsync().ConfigureAwait(false);
        }

        await Engine.DisposeAsync().ConfigureAwait(false);
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
            throw new ConfigurationException($"{SpillwayOptions.SectionName}:Sinks:{options.Name}:DatabaseUrl", e.Message);
        }
    }

    private static async Task<AmqpTransport> OpenAmqpAsync(
        Uri broker, ResolvedConfiguration configuration, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        AmqpTransport transport;
        try
        {
            transport = new AmqpTransport(
                new AmqpTransportOptions
                {
                    Uri = broker,
                    Queues = configuration.Queues,
                    ConnectionName = $"spillway {configuration.Role.ToString().ToLowerInvariant()} on {Environment.MachineName}",
                },
                loggerFactory);
        }
        catch (ArgumentException e)
        {
            throw new ConfigurationException(TransportSetup.TransportKey, e.Message);
        }

        // Connect before serving, so the first requests do not meet a connection still opening; a broker that is down
        // does not stop the node: it answers 503 and keeps reconnecting.
        var publishes = configuration.Role != ServerRole.Worker;
        if (!await transport.ConnectAsync(publishes, TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false))
        {
            Spillway.LogMessages.TransportNotConnected(loggerFactory.CreateLogger("Spillway"), transport.Endpoint);
        }

        return transport;
    }

    private void AddWorker(ResolvedWorker worker, ILoggerFactory loggerFactory, HandlerRegistry? registry)
    {
        var key = $"{SpillwayOptions.SectionName}:Workers:{worker.Name}";
        MessageQueue? queue = null;
        var embedded = Transport is EmbeddedTransport;
        if (embedded ? !Engine.TryGetQueue(worker.Queue, out queue) : !transportQueues.Contains(worker.Queue))
        {
            throw new ConfigurationException(key + ":Queue", $"queue '{worker.Queue}' does not exist");
        }

        if (!embedded && worker.Config.MinConcurrency is not null)
        {
            throw new ConfigurationException(
                key + ":MinConcurrency",
                "autoscaling reads the embedded engine's queue age; with a broker transport set MaxConcurrency only");
        }

        var config = worker.Config;
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
                    Timeout = TimeSpan.FromSeconds(config.Handler.TimeoutSeconds),
                },
                Sinks,
                registry,
                loggerFactory: loggerFactory,
                section: key + ":Handler");
        }
        catch (ArgumentException e)
        {
            throw new ConfigurationException(key + ":Handler", e.Message);
        }

        var options = new EventSourceMappingOptions
        {
            BatchSize = config.BatchSize,
            MaximumBatchingWindow = TimeSpan.FromMilliseconds(config.MaximumBatchingWindowMilliseconds),
            MaximumConcurrency = config.MaxConcurrency,
            VisibilityTimeout = config.VisibilityTimeoutSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : null,
            Enabled = config.Enabled,
        };
        var sink = config.Handler.Kind == MessageHandlerOptions.SqlKind ? config.Handler.Sink : null;
        var instrumented = new InstrumentedHandler(
            handler, worker.Name, sink, Metrics, loggerFactory.CreateLogger(InstrumentedHandler.TraceCategory));
        var added = queue is not null
            ? new Worker(worker.Name, queue, instrumented, options, sink, loggerFactory)
            : new Worker(
                worker.Name, worker.Queue, prefetch => Transport.OpenReceiver(worker.Queue, prefetch), instrumented, options, sink, loggerFactory);
        workers[worker.Name] = added;
        if (config.MinConcurrency is { } minimum && queue is not null)
        {
            // Never more invocations than the sink has connections: the extra ones would only wait on the pool.
            var maximum = sink is not null && sinkOptions.TryGetValue(sink, out var pool)
                ? Math.Min(config.MaxConcurrency, pool.MaxConnections)
                : config.MaxConcurrency;
            var settings = new AutoscalingSettings(
                Math.Min(minimum, maximum),
                maximum,
                TimeSpan.FromSeconds(config.TargetOldestMessageAgeSeconds),
                TimeSpan.FromSeconds(config.ScaleIntervalSeconds),
                TimeSpan.FromSeconds(config.MaxBatchLatencySeconds));
            _ = new WorkerAutoscaler(added, settings, () => WorkerAutoscaler.Observe(added, queue, Time), Time);
        }
    }

    private async Task StartWorkersAsync(CancellationToken stopping)
    {
        // A worker that writes into a sink starts once the sink's table exists: a batch written before that would
        // fail and burn receive counts. The database may be down at start-up; ingest goes on meanwhile.
        var schemas = Sinks.Values.ToDictionary(s => s.Name, s => EnsureSchemaAsync(s, stopping), StringComparer.OrdinalIgnoreCase);
        var starts = workers.Values.Where(w => w.Options.Enabled).Select(async worker =>
        {
            if (worker.Sink is { } sink && schemas.TryGetValue(sink, out var schema) && !await schema.ConfigureAwait(false))
            {
                return;
            }

            await worker.EnableAsync(stopping).ConfigureAwait(false);
        });
        await Task.WhenAll(starts).ConfigureAwait(false);
    }

    /// <summary>Creates the sink's table, retrying with backoff until it succeeds (true) or the server stops (false).</summary>
    private async Task<bool> EnsureSchemaAsync(ISqlSink sink, CancellationToken stopping)
    {
        var delay = TimeSpan.FromMilliseconds(200);
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await sink.EnsureSchemaAsync(stopping).ConfigureAwait(false);
                return true;
            }
            catch (SinkUnavailableException e)
            {
                Spillway.LogMessages.SinkUnavailableAtStart(logger, sink.Name, e.Message, delay);
            }
            catch (InvalidOperationException e)
            {
                // The table exists but does not fit the mapping: an operator has to act; keep checking.
                Spillway.LogMessages.SinkTableMismatch(logger, sink.Name, e.Message, delay);
            }
            catch (System.Data.Common.DbException e)
            {
                // Several nodes creating the same table at once: PostgreSQL may refuse one CREATE TABLE IF NOT EXISTS
                // with a unique violation on its catalog; the next attempt finds the table.
                Spillway.LogMessages.SinkUnavailableAtStart(logger, sink.Name, e.Message, delay);
            }
            catch (OperationCanceledException)
            {
                return false;
            }

            try
            {
                await Task.Delay(delay, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return false;
            }

            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(10).Ticks));
        }

        return false;
    }

    private async Task StopWorkersAsync()
    {
        await Task.WhenAll(workers.Values.Select(w => w.DisableAsync(CancellationToken.None))).ConfigureAwait(false);
    }
}
