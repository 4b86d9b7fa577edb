using Spillway.Gateway;
using Spillway.Gateway.Admin;
using OpenTelemetry.Metrics;
using Spillway.Messaging;
using Spillway.Operations;
using Spillway.Operations.Alarms;
using Spillway.Operations.Internal;
using Spillway.Processing;
using Spillway.Sinks;
using Spillway.Sqs;

namespace Spillway.Hosting;

/// <summary>What a running server owns: the queue engine, the sinks, the handlers and the workers feeding them.</summary>
internal sealed class SpillwayRuntime : IAsyncDisposable
{
    private readonly Dictionary<string, Worker> workers = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, SqlSinkOptions> sinkOptions = new(StringComparer.OrdinalIgnoreCase);
    private readonly ILogger logger;
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
            new QueueEngineOptions { DataDirectory = Path.Combine(configuration.DataDirectory, "queues") }, cancellationToken)
            .ConfigureAwait(false);
        var sinks = new Dictionary<string, ISqlSink>(StringComparer.OrdinalIgnoreCase);
        var runtime = new SpillwayRuntime(engine, sinks, loggerFactory.CreateLogger("Spillway"), time ?? TimeProvider.System);
        try
        {
            // Dead-letter queues first, so a redrive policy never names a queue that does not exist yet.
            var deadLetterQueues = configuration.Queues.Select(q => q.RedrivePolicy?.DeadLetterQueue).OfType<string>().ToHashSet();
            foreach (var definition in configuration.Queues.OrderBy(q => deadLetterQueues.Contains(q.Name) ? 0 : 1))
            {
                await engine.CreateQueueAsync(definition, cancellationToken).ConfigureAwait(false);
            }

            foreach (var options in configuration.Sinks)
            {
                sinks[options.Name] = new InstrumentedSqlSink(CreateSink(options), runtime.Metrics);
                runtime.sinkOptions[options.Name] = options;
            }

            foreach (var worker in configuration.Workers)
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
        app.MapIngestRoutes(Engine, routes.Select(r => r.Options), gateway);
        app.MapQueueAdmin(Engine, gateway);
        app.MapWorkerAdmin(this, gateway);
        app.MapMetrics(exporter, metrics, gateway);
        app.MapReadiness(this);
        Dashboard.DashboardEndpoints.MapDashboard(app, this, routes, gateway);
        app.MapSqsApi(Engine, sqs, new SqsApiSettings
        {
            ConfiguredQueues = ConfiguredQueues(configuration),
            StateDirectory = Path.Combine(configuration.DataDirectory, "sqs"),
            RefusalReason = sqsRefusal,
        });
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

    private void AddWorker(ResolvedWorker worker, ILoggerFactory loggerFactory, HandlerRegistry? registry)
    {
        var key = $"{SpillwayOptions.SectionName}:Workers:{worker.Name}";
        if (!Engine.TryGetQueue(worker.Queue, out var queue))
        {
            throw new ConfigurationException(key + ":Queue", $"queue '{worker.Queue}' does not exist");
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
        var added = new Worker(worker.Name, queue, instrumented, options, sink, loggerFactory);
        workers[worker.Name] = added;
        if (config.MinConcurrency is { } minimum)
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
