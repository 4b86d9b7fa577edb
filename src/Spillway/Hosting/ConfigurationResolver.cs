using System.Text.RegularExpressions;
using Spillway.Gateway;
using Spillway.Messaging;
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
        var routes = ResolveRoutes(options);
        var workers = ResolveWorkers(options);
        var defaultSink = DefaultSinkName(options, routes, workers);
        var sinks = ResolveSinks(options, dataDirectory, defaultSink, databaseUrl, routes, workers);
        return new ResolvedConfiguration(dataDirectory, queues, sinks, routes, workers) { Engine = options.Engine };
    }

    private static List<QueueDefinition> ResolveQueues(SpillwayOptions options)
    {
        var result = new List<QueueDefinition>();
        var names = new HashSet<string>(options.Queues.Keys, StringComparer.Ordinal);
        foreach (var (name, config) in options.Queues)
        {
            var key = $"{Root}:Queues:{name}";
            ValidateQueueName(key, name);
            Range(key + ":VisibilityTimeoutSeconds", config.VisibilityTimeoutSeconds, 0, 43_200);
            Range(key + ":DelaySeconds", config.DelaySeconds, 0, 900);
            Range(key + ":MessageRetentionPeriodSeconds", config.MessageRetentionPeriodSeconds, 60, 1_209_600);
            Range(key + ":MaximumMessageSize", config.MaximumMessageSize, 1024, 1024 * 1024);
            RedrivePolicy? redrive = null;
            if (!string.IsNullOrEmpty(config.DeadLetterQueue))
            {
                ValidateQueueName(key + ":DeadLetterQueue", config.DeadLetterQueue);
                Range(key + ":MaxReceiveCount", config.MaxReceiveCount, 1, 1000);
                redrive = new RedrivePolicy(config.DeadLetterQueue, config.MaxReceiveCount);
            }

            var fifo = name.EndsWith(".fifo", StringComparison.Ordinal);
            if (config.ContentBasedDeduplication && !fifo)
            {
                throw new ConfigurationException(key + ":ContentBasedDeduplication", "applies to FIFO queues only (names ending in .fifo)");
            }

            result.Add(new QueueDefinition
            {
                Name = name,
                FifoQueue = fifo,
                ContentBasedDeduplication = config.ContentBasedDeduplication,
                VisibilityTimeout = TimeSpan.FromSeconds(config.VisibilityTimeoutSeconds),
                DeliveryDelay = TimeSpan.FromSeconds(config.DelaySeconds),
                MessageRetentionPeriod = TimeSpan.FromSeconds(config.MessageRetentionPeriodSeconds),
                MaximumMessageSize = config.MaximumMessageSize,
                RedrivePolicy = redrive,
            });
        }

        // Dead-letter queues that are not configured themselves exist with SQS defaults (and a 14-day retention,
        // the longest, because a dead-letter queue is where an operator looks later).
        foreach (var config in options.Queues.Values)
        {
            if (!string.IsNullOrEmpty(config.DeadLetterQueue) && names.Add(config.DeadLetterQueue))
            {
                result.Add(new QueueDefinition
                {
                    Name = config.DeadLetterQueue,
                    FifoQueue = config.DeadLetterQueue.EndsWith(".fifo", StringComparison.Ordinal),
                    MessageRetentionPeriod = TimeSpan.FromDays(14),
                });
            }
        }

        return result;
    }

    private static List<ResolvedRoute> ResolveRoutes(SpillwayOptions options)
    {
        var result = new List<ResolvedRoute>();
        var paths = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, route) in options.Routes)
        {
            var key = $"{Root}:Routes:{name}";
            route.QueueName = DefaultConfiguration.QueueOf(name, route);
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

            if (!options.Queues.ContainsKey(route.QueueName))
            {
                throw new ConfigurationException(key + ":QueueName", $"queue '{route.QueueName}' is not defined under {Root}:Queues");
            }

            if (route.QueueName.EndsWith(".fifo", StringComparison.Ordinal))
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
            var queue = config.Queue ?? name;
            if (!options.Queues.ContainsKey(queue))
            {
                throw new ConfigurationException(key + ":Queue", $"queue '{queue}' is not defined under {Root}:Queues");
            }

            Range(key + ":BatchSize", config.BatchSize, 1, 10_000);
            Range(key + ":MaximumBatchingWindowMilliseconds", config.MaximumBatchingWindowMilliseconds, 0, 300_000);
            Range(key + ":MaxConcurrency", config.MaxConcurrency, 1, 1000);
            if (config.MinConcurrency is { } minimum)
            {
                Range(key + ":MinConcurrency", minimum, 1, config.MaxConcurrency);
                Range(key + ":TargetOldestMessageAgeSeconds", config.TargetOldestMessageAgeSeconds, 1, 86_400);
                Range(key + ":MaxBatchLatencySeconds", config.MaxBatchLatencySeconds, 1, 3600);
                Range(key + ":ScaleIntervalSeconds", config.ScaleIntervalSeconds, 1, 3600);
            }

            if (config.VisibilityTimeoutSeconds is { } visibility)
            {
                Range(key + ":VisibilityTimeoutSeconds", visibility, 0, 43_200);
            }

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
                default:
                    throw new ConfigurationException(handlerKey + ":Kind", $"must be sql, http or csharp (got '{config.Handler.Kind}')");
            }

            Range(handlerKey + ":TimeoutSeconds", config.Handler.TimeoutSeconds, 1, 900);
            result.Add(new ResolvedWorker(name, queue, config));
        }

        return result;
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

            result.Add(new SqlSinkOptions
            {
                Name = name,
                DatabaseUrl = url,
                Table = table,
                Columns = ResolveColumns(key, name, config, routes, workers),
                MaxConnections = config.MaxConnections,
                BorrowTimeout = TimeSpan.FromSeconds(config.BorrowTimeoutSeconds),
            });
        }

        return result;
    }

    private static List<ColumnMapping> ResolveColumns(
        string key, string sinkName, SinkConfig config, List<ResolvedRoute> routes, List<ResolvedWorker> workers)
    {
        var columns = new List<ColumnMapping>();
        if (config.Columns.Count > 0)
        {
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
        var route = routes.FirstOrDefault(r => r.Options.QueueName == queue);
        if (route is null)
        {
            // Nothing feeds this sink through a route: it keeps the seed's columns.
            return [.. new SqlSinkOptions { Name = sinkName, DatabaseUrl = "unused" }.Columns];
        }

        foreach (var (field, schema) in route.Options.Fields)
        {
            if (!IdentifierPattern().IsMatch(field))
            {
                throw new ConfigurationException(
                    $"{key}:Columns", $"field '{field}' of route '{route.Name}' is not a plain identifier; map it under Columns");
            }

            var type = schema.Type.ToLowerInvariant() switch
            {
                "integer" => ColumnType.Integer,
                "number" => ColumnType.Real,
                "boolean" => ColumnType.Boolean,
                _ => ColumnType.Text,
            };
            columns.Add(new ColumnMapping(field, field, type, schema.MaxLength, schema.Required));
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

    private static void ValidateQueueName(string key, string name)
    {
        if (!QueueNamePattern().IsMatch(name))
        {
            throw new ConfigurationException(key, $"queue names are 1-80 letters, digits, '-' or '_' (got '{name}')");
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

    [GeneratedRegex("^[A-Za-z0-9_-]{1,80}(\\.fifo)?$")]
    private static partial Regex QueueNamePattern();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,62}$")]
    private static partial Regex IdentifierPattern();
}
