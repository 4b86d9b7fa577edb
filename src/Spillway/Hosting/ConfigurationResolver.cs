using System.Text.RegularExpressions;
using Spillway.Gateway;
using Spillway.Messaging;
using Spillway.Processing;
using Spillway.Sinks;

namespace Spillway.Hosting;

/// <summary>Applies defaults, resolves secrets and validates, naming the key of the first problem found.</summary>
internal static partial class ConfigurationResolver
{
    private const string Root = SpillwayOptions.SectionName;

    /// <param name="options">The bound section.</param>
    /// <param name="databaseUrl">
    /// From <c>--database</c>, <c>DATABASE_URL</c> or <c>DATABASE_URL_FILE</c>: points the default route's sink elsewhere.
    /// </param>
    public static ResolvedConfiguration Resolve(SpillwayOptions options, string? databaseUrl)
    {
        DefaultConfiguration.Complete(options);
        if (string.IsNullOrWhiteSpace(options.DataDirectory))
        {
            throw new ConfigurationException($"{Root}:DataDirectory", "must not be empty");
        }

        var dataDirectory = Path.GetFullPath(options.DataDirectory);
        ValidateMetrics(options.Metrics);
        ValidateEngine(options.Engine);
        var queues = ResolveQueues(options);
        var streams = ResolveStreams(options);
        var topics = ResolveTopics(options, queues);
        var routes = ResolveRoutes(options);
        var workers = ResolveWorkers(options);
        var defaultSink = DefaultSinkName(options, routes, workers);
        var sinks = ResolveSinks(options, dataDirectory, defaultSink, databaseUrl, routes, workers);
        return new ResolvedConfiguration(dataDirectory, queues, sinks, routes, workers)
        {
            DefaultDatabase = sinks.FirstOrDefault(s => s.Name == defaultSink)?.DatabaseUrl
                ?? (string.IsNullOrWhiteSpace(databaseUrl) ? null : databaseUrl)
                ?? "sqlite:///" + Path.Combine(dataDirectory, "spillway.db").TrimStart('/'),
            Engine = options.Engine,
            Streams = streams,
            Topics = topics,
            BodyRules = ResolveBodyRules(routes, workers, sinks),
        };
    }

    private static List<QueueDefinition> ResolveQueues(SpillwayOptions options)
    {
        var result = new List<QueueDefinition>();
        var names = new HashSet<string>(options.Queues.Keys, StringComparer.Ordinal);
        foreach (var (name, config) in options.Queues)
        {
            result.Add(Checked($"{Root}:Queues:{name}", new QueueDefinition
            {
                Name = name,
                FifoQueue = QueueLimits.IsFifoName(name),
                ContentBasedDeduplication = config.ContentBasedDeduplication,
                VisibilityTimeout = TimeSpan.FromSeconds(config.VisibilityTimeoutSeconds),
                DeliveryDelay = TimeSpan.FromSeconds(config.DelaySeconds),
                MessageRetentionPeriod = TimeSpan.FromSeconds(config.MessageRetentionPeriodSeconds),
                MaximumMessageSize = config.MaximumMessageSize,
                RedrivePolicy = string.IsNullOrEmpty(config.DeadLetterQueue) ? null : new RedrivePolicy(config.DeadLetterQueue, config.MaxReceiveCount),
            }));
        }

        // Dead-letter queues that are not configured themselves exist with SQS defaults (and a 14-day retention,
        // the longest, because a dead-letter queue is where an operator looks later).
        foreach (var (name, config) in options.Queues)
        {
            if (!string.IsNullOrEmpty(config.DeadLetterQueue) && names.Add(config.DeadLetterQueue))
            {
                result.Add(Checked($"{Root}:Queues:{name}:DeadLetterQueue", new QueueDefinition
                {
                    Name = config.DeadLetterQueue,
                    FifoQueue = QueueLimits.IsFifoName(config.DeadLetterQueue),
                    MessageRetentionPeriod = QueueLimits.MaxRetention,
                }));
            }
        }

        return result;
    }

    /// <summary>
    /// The queue's definition once the engine's own rules (<see cref="QueueLimits"/>) accept it; a refusal is reported
    /// under the configuration key of the setting at fault, so the host states no limit of its own.
    /// </summary>
    private static QueueDefinition Checked(string key, QueueDefinition definition)
    {
        try
        {
            definition.Validate();
            return definition;
        }
        catch (ArgumentException e)
        {
            var setting = e.ParamName switch
            {
                nameof(QueueDefinition.VisibilityTimeout) => ":VisibilityTimeoutSeconds",
                nameof(QueueDefinition.DeliveryDelay) => ":DelaySeconds",
                nameof(QueueDefinition.MessageRetentionPeriod) => ":MessageRetentionPeriodSeconds",
                nameof(QueueDefinition.MaximumMessageSize) => ":MaximumMessageSize",
                nameof(QueueDefinition.ContentBasedDeduplication) => ":ContentBasedDeduplication",
                "RedrivePolicy.DeadLetterQueue" => ":DeadLetterQueue",
                "RedrivePolicy.MaxReceiveCount" => ":MaxReceiveCount",
                _ => "",
            };
            throw ConfigurationException.FromLibrary(key + setting, e);
        }
    }

    private static List<ResolvedRoute> ResolveRoutes(SpillwayOptions options)
    {
        var result = new List<ResolvedRoute>();
        var paths = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, route) in options.Routes)
        {
            var key = $"{Root}:Routes:{name}";
            route.QueueName = DefaultConfiguration.QueueOf(name, route);
            route.Name = name;
            try
            {
                route.Validate(key);
            }
            catch (GatewayConfigurationException e)
            {
                throw ConfigurationException.From(e);
            }

            if (!paths.Add(route.Path))
            {
                throw new ConfigurationException(key + ":Path", $"'{route.Path}' is used by another route");
            }

            if (route.Stream is { } stream)
            {
                if (!options.Streams.ContainsKey(stream))
                {
                    throw new ConfigurationException(key + ":Stream", $"stream '{stream}' is not defined under {Root}:Streams");
                }

                result.Add(new ResolvedRoute(name, route));
                continue;
            }

            if (route.Topic is { } topic)
            {
                if (!options.Topics.ContainsKey(topic))
                {
                    throw new ConfigurationException(key + ":Topic", $"topic '{topic}' is not defined under {Root}:Topics");
                }

                result.Add(new ResolvedRoute(name, route));
                continue;
            }

            if (!options.Queues.ContainsKey(route.QueueName))
            {
                throw new ConfigurationException(key + ":QueueName", $"queue '{route.QueueName}' is not defined under {Root}:Queues");
            }

            if (QueueLimits.IsFifoName(route.QueueName))
            {
                // A FIFO send needs a message group id, and routes do not yet say which field carries it.
                throw new ConfigurationException(key + ":QueueName", "HTTP routes into FIFO queues are not supported yet");
            }

            result.Add(new ResolvedRoute(name, route));
        }

        return result;
    }

    private static List<ResolvedWorker> ResolveWorkers(SpillwayOptions options)
    {
        var result = new List<ResolvedWorker>();
        foreach (var (name, config) in options.Workers)
        {
            var key = $"{Root}:Workers:{name}";
            if (config.Stream is not null)
            {
                result.Add(ResolveStreamWorker(options, name, key, config));
                continue;
            }

            var queue = config.Queue ?? name;
            if (!options.Queues.ContainsKey(queue))
            {
                throw new ConfigurationException(key + ":Queue", $"queue '{queue}' is not defined under {Root}:Queues");
            }

            var mapping = MappingOptions(key, config);
            if (config.MinConcurrency is { } minimum)
            {
                Range(key + ":MinConcurrency", minimum, 1, config.MaxConcurrency);
                Range(key + ":TargetOldestMessageAgeSeconds", config.TargetOldestMessageAgeSeconds, 1, 86_400);
                Range(key + ":MaxBatchLatencySeconds", config.MaxBatchLatencySeconds, 1, 3600);
                Range(key + ":ScaleIntervalSeconds", config.ScaleIntervalSeconds, 1, 3600);
            }

            ValidateHandler(options, key, config);
            result.Add(new ResolvedWorker(name, queue, config, mapping));
        }

        return result;
    }

    private static void ValidateHandler(SpillwayOptions options, string key, WorkerConfig config)
    {
        var handlerKey = key + ":Handler";
        switch (config.Handler.Kind)
        {
            case "sql":
                if (string.IsNullOrEmpty(config.Handler.Sink) || !options.Sinks.ContainsKey(config.Handler.Sink))
                {
                    throw new ConfigurationException(
                        handlerKey + ":Sink", $"sink '{config.Handler.Sink}' is not defined under {Root}:Sinks");
                }

                break;
            case "http":
                if (!Uri.TryCreate(config.Handler.Url, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
                {
                    throw new ConfigurationException(
                        handlerKey + ":Url", $"must be an absolute http(s) URL (got '{config.Handler.Url}')");
                }

                break;
            case "csharp":
                if (string.IsNullOrEmpty(config.Handler.Name))
                {
                    throw new ConfigurationException(handlerKey + ":Name", "must name a registered C# handler");
                }

                break;
            case "stream":
                if (string.IsNullOrEmpty(config.Handler.Stream))
                {
                    throw new ConfigurationException(handlerKey + ":Stream", "must name the stream the messages are put into");
                }

                break;
            default:
                throw new ConfigurationException(handlerKey + ":Kind", $"must be sql, http, csharp or stream (got '{config.Handler.Kind}')");
        }

        Range(handlerKey + ":TimeoutSeconds", config.Handler.TimeoutSeconds, 1, 900);
    }

    /// <summary>The worker's mapping settings. The mapping's own rules (Lambda's ranges) decide; a refusal is reported
    /// under the configuration key the value came from.</summary>
    private static EventSourceMappingOptions MappingOptions(string key, WorkerConfig config)
    {
        try
        {
            return new EventSourceMappingOptions
            {
                BatchSize = config.BatchSize ?? 500,
                MaximumBatchingWindow = TimeSpan.FromMilliseconds(config.MaximumBatchingWindowMilliseconds),
                MaximumConcurrency = config.MaxConcurrency,
                VisibilityTimeout = config.VisibilityTimeoutSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : null,
                Enabled = config.Enabled,

                // A SQL sink takes what is waiting in one write while a backlog lasts; other handlers see the batch size.
                CoalescedBatchSize = config.Handler.Kind == MessageHandlerOptions.SqlKind ? SqlSinkHandler.CoalescedBatchSize : null,
            };
        }
        catch (ArgumentException e)
        {
            var setting = e.ParamName switch
            {
                nameof(EventSourceMappingOptions.MaximumBatchingWindow) => nameof(WorkerConfig.MaximumBatchingWindowMilliseconds),
                nameof(EventSourceMappingOptions.MaximumConcurrency) => nameof(WorkerConfig.MaxConcurrency),
                nameof(EventSourceMappingOptions.VisibilityTimeout) => nameof(WorkerConfig.VisibilityTimeoutSeconds),
                _ => nameof(WorkerConfig.BatchSize),
            };
            throw ConfigurationException.FromLibrary($"{key}:{setting}", e);
        }
    }

    private static string? DefaultSinkName(SpillwayOptions options, List<ResolvedRoute> routes, List<ResolvedWorker> workers)
    {
        var route = routes.FirstOrDefault(r => r.Name == DefaultConfiguration.RouteName) ?? routes.FirstOrDefault();
        var worker = route is null
            ? null
            : workers.FirstOrDefault(w => w.Queue == route.Options.QueueName && w.Config.Handler.Kind == "sql");
        return worker?.Config.Handler.Sink ?? (options.Sinks.Count == 1 ? options.Sinks.Keys.Single() : null);
    }

    private static List<SqlSinkOptions> ResolveSinks(
        SpillwayOptions options,
        string dataDirectory,
        string? defaultSink,
        string? databaseUrl,
        List<ResolvedRoute> routes,
        List<ResolvedWorker> workers)
    {
        var result = new List<SqlSinkOptions>();
        foreach (var (name, config) in options.Sinks)
        {
            var key = $"{Root}:Sinks:{name}";
            var url = name == defaultSink && !string.IsNullOrWhiteSpace(databaseUrl) ? databaseUrl : config.DatabaseUrl;
            if (string.IsNullOrWhiteSpace(url) && !string.IsNullOrWhiteSpace(config.DatabaseUrlFile))
            {
                url = ReadSecretFile(key + ":DatabaseUrlFile", config.DatabaseUrlFile).FirstOrDefault();
            }

            url ??= "sqlite:///" + Path.Combine(dataDirectory, "spillway.db").TrimStart('/');
            Range(key + ":MaxConnections", config.MaxConnections, 1, 1000);
            Range(key + ":BorrowTimeoutSeconds", config.BorrowTimeoutSeconds, 1, 3600);
            var table = config.Table ?? name;
            if (!IdentifierPattern().IsMatch(table))
            {
                throw new ConfigurationException(key + ":Table", $"must be a plain identifier (got '{table}')");
            }

            var columns = ResolveColumns(key, name, config, routes, workers);
            var sink = new SqlSinkOptions
            {
                Name = name,
                DatabaseUrl = url,
                Table = table,
                Columns = columns,
                KeyColumns = config.Key?.Select(field => columns.FirstOrDefault(c => c.Field == field)?.Column
                    ?? throw new ConfigurationException(key + ":Key", $"'{field}' is not a field of the sink's columns")).ToList(),
                MaxConnections = config.MaxConnections,
                BorrowTimeout = TimeSpan.FromSeconds(config.BorrowTimeoutSeconds),
            };
            try
            {
                SqlSinkFactory.CreateRecordRule(sink);
            }
            catch (ArgumentException e) when (e.ParamName == nameof(SqlSinkOptions.KeyColumns))
            {
                throw new ConfigurationException(key + ":Key", e.Message);
            }

            result.Add(sink);
        }

        return result;
    }

    private static List<ColumnMapping> ResolveColumns(
        string key, string sinkName, SinkConfig config, List<ResolvedRoute> routes, List<ResolvedWorker> workers)
    {
        if (config.Columns.Count > 0)
        {
            var columns = new List<ColumnMapping>();
            foreach (var (column, mapping) in config.Columns)
            {
                var columnKey = $"{key}:Columns:{column}";
                if (!IdentifierPattern().IsMatch(column))
                {
                    throw new ConfigurationException(columnKey, "a column name must be a plain identifier");
                }

                var type = mapping.Type switch
                {
                    "text" => ColumnType.Text,
                    "integer" => ColumnType.Integer,
                    "real" => ColumnType.Real,
                    "boolean" => ColumnType.Boolean,
                    "timestamp" => ColumnType.Timestamp,
                    "json" => ColumnType.Json,
                    _ => throw new ConfigurationException(
                        columnKey + ":Type", $"must be text, integer, real, boolean, timestamp or json (got '{mapping.Type}')"),
                };
                columns.Add(new ColumnMapping(column, mapping.Field ?? column, type, mapping.MaxLength, mapping.Required));
            }

            return columns;
        }

        // No columns declared: take the fields of the route whose worker writes into this sink.
        var queue = workers.FirstOrDefault(w => w.Config.Handler.Kind == "sql" && w.Config.Handler.Sink == sinkName)?.Queue;
        var route = routes.FirstOrDefault(r => (r.Options.Stream ?? r.Options.QueueName) == queue);
        if (route is null)
        {
            // Nothing feeds this sink through a route: it keeps the seed's columns.
            return [.. new SqlSinkOptions { Name = sinkName, DatabaseUrl = "unused" }.Columns];
        }

        return ColumnsOf(route)
            ?? throw new ConfigurationException(
                $"{key}:Columns",
                $"field '{route.Options.Fields.Keys.First(f => !IdentifierPattern().IsMatch(f))}' of route '{route.Name}' is not a plain identifier; map it under Columns");
    }

    /// <summary>A table's columns taken from a route's fields, one each, of the field's value type; null when a field's
    /// name is no plain identifier.</summary>
    private static List<ColumnMapping>? ColumnsOf(ResolvedRoute route)
    {
        var columns = new List<ColumnMapping>();
        foreach (var (field, schema) in route.Options.Fields)
        {
            if (!IdentifierPattern().IsMatch(field))
            {
                return null;
            }

            columns.Add(new ColumnMapping(field, field, schema.ColumnType, schema.MaxLength, schema.Required));
        }

        return columns;
    }

    internal static List<string> ReadSecretFile(string key, string path)
    {
        try
        {
            return File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        }
        catch (IOException e)
        {
            throw new ConfigurationException(key, $"cannot read '{path}': {e.Message}");
        }
        catch (UnauthorizedAccessException)
        {
            throw new ConfigurationException(key, $"cannot read '{path}': permission denied");
        }
    }

    private static void ValidateMetrics(Operations.MetricsOptions metrics)
    {
        var key = $"{Root}:Metrics";
        if (!metrics.Path.StartsWith('/') || metrics.Path.Length < 2)
        {
            throw new ConfigurationException(key + ":Path", $"must be a path starting with '/' (got '{metrics.Path}')");
        }

        Range(key + ":OtlpExportIntervalSeconds", metrics.OtlpExportIntervalSeconds, 1, 3600);
        if (!string.IsNullOrWhiteSpace(metrics.OtlpEndpoint)
            && (!Uri.TryCreate(metrics.OtlpEndpoint, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https")))
        {
            throw new ConfigurationException(key + ":OtlpEndpoint", $"must be an absolute http(s) URL (got '{metrics.OtlpEndpoint}')");
        }

        if (metrics.OtlpProtocol is { } protocol && protocol is not ("grpc" or "http/protobuf"))
        {
            throw new ConfigurationException(key + ":OtlpProtocol", $"must be grpc or http/protobuf (got '{protocol}')");
        }
    }

    private static void ValidateEngine(EngineConfig engine)
    {
        if (!(engine.CompactionThreshold is >= 0 and <= 0.9))
        {
            throw new ConfigurationException($"{Root}:Engine:CompactionThreshold", $"must be between 0 and 0.9 (got {engine.CompactionThreshold})");
        }

        if (engine.FifoSendRateLimit is { } rate && !(rate is >= 1 and <= 10_000_000))
        {
            throw new ConfigurationException($"{Root}:Engine:FifoSendRateLimit", $"must be between 1 and 10000000 (got {rate})");
        }

        Range($"{Root}:Engine:MinimumFreeDiskMegabytes", engine.MinimumFreeDiskMegabytes, 16, 1024 * 1024);
    }

    internal static void Range(string key, long value, long min, long max)
    {
        if (value < min || value > max)
        {
            throw new ConfigurationException(key, $"must be between {min} and {max} (got {value})");
        }
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,62}$")]
    private static partial Regex IdentifierPattern();
}
