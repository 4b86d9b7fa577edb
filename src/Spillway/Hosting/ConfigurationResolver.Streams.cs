using Spillway.Messaging.Streams;
using Spillway.Processing;

namespace Spillway.Hosting;

internal static partial class ConfigurationResolver
{
    private static List<StreamDefinition> ResolveStreams(SpillwayOptions options)
    {
        var result = new List<StreamDefinition>();
        foreach (var (name, config) in options.Streams)
        {
            var key = $"{Root}:Streams:{name}";
            var mode = config.Mode.Trim().ToLowerInvariant() switch
            {
                "provisioned" => StreamMode.Provisioned,
                "on-demand" or "ondemand" or "on_demand" => StreamMode.OnDemand,
                _ => throw new ConfigurationException(key + ":Mode", $"must be provisioned or on-demand (got '{config.Mode}')"),
            };
            var definition = new StreamDefinition
            {
                Name = name,
                ShardCount = config.ShardCount,
                Mode = mode,
                Retention = TimeSpan.FromHours(config.RetentionHours),
                EnforceShardQuotas = config.EnforceShardQuotas,
            };
            try
            {
                StreamLimits.ValidateName(name);
                definition.Validate();
            }
            catch (ArgumentException e)
            {
                var setting = e.ParamName switch
                {
                    nameof(StreamDefinition.ShardCount) => ":ShardCount",
                    nameof(StreamDefinition.Retention) => ":RetentionHours",
                    _ => "",
                };
                throw ConfigurationException.FromLibrary(key + setting, e);
            }

            result.Add(definition);
        }

        return result;
    }

    /// <summary>A stream worker: its stream, its on-failure queue and handler, and Lambda's Kinesis mapping settings as
    /// the consumer's own rules accept them (a refusal is reported under the key the value came from).</summary>
    private static ResolvedWorker ResolveStreamWorker(SpillwayOptions options, string name, string key, WorkerConfig config)
    {
        var stream = config.Stream!;
        if (!options.Streams.ContainsKey(stream))
        {
            throw new ConfigurationException(key + ":Stream", $"stream '{stream}' is not defined under {Root}:Streams");
        }

        if (config.Queue is not null)
        {
            throw new ConfigurationException(key + ":Queue", "a worker reads a queue or a stream, not both");
        }

        if (config.MinConcurrency is not null)
        {
            throw new ConfigurationException(key + ":MinConcurrency", "a stream worker's concurrency is its ParallelizationFactor per shard");
        }

        if (config.OnFailureQueue is { } onFailure && !options.Queues.ContainsKey(onFailure))
        {
            throw new ConfigurationException(key + ":OnFailureQueue", $"queue '{onFailure}' is not defined under {Root}:Queues");
        }

        var position = config.StartingPosition.Trim().ToUpperInvariant() switch
        {
            "TRIM_HORIZON" => StreamStartingPosition.TrimHorizon,
            "LATEST" => StreamStartingPosition.Latest,
            "AT_TIMESTAMP" => StreamStartingPosition.AtTimestamp,
            _ => throw new ConfigurationException(
                key + ":StartingPosition", $"must be TRIM_HORIZON, LATEST or AT_TIMESTAMP (got '{config.StartingPosition}')"),
        };
        if (config.MaximumRecordAgeSeconds is not -1 and (< 60 or > 604_800))
        {
            throw new ConfigurationException(
                key + ":MaximumRecordAgeSeconds", $"must be -1 or between 60 and 604800 (got {config.MaximumRecordAgeSeconds})");
        }

        ValidateHandler(options, key, config);
        StreamConsumerOptions consumer;
        try
        {
            consumer = new StreamConsumerOptions
            {
                BatchSize = config.BatchSize ?? 100,
                MaximumBatchingWindow = TimeSpan.FromMilliseconds(config.MaximumBatchingWindowMilliseconds),
                StartingPosition = position,
                StartingPositionTimestamp = config.StartingPositionTimestamp,
                ParallelizationFactor = config.ParallelizationFactor,
                BisectBatchOnFunctionError = config.BisectBatchOnFunctionError,
                MaximumRetryAttempts = config.MaximumRetryAttempts,
                MaximumRecordAge = config.MaximumRecordAgeSeconds == -1 ? null : TimeSpan.FromSeconds(config.MaximumRecordAgeSeconds),
                OnFailureQueue = config.OnFailureQueue,
                ReportBatchItemFailures = config.ReportBatchItemFailures,
                Enabled = config.Enabled,
            };
            consumer.Validate();
        }
        catch (ArgumentException e)
        {
            var setting = e.ParamName switch
            {
                nameof(StreamConsumerOptions.MaximumBatchingWindow) => nameof(WorkerConfig.MaximumBatchingWindowMilliseconds),
                nameof(StreamConsumerOptions.ParallelizationFactor) => nameof(WorkerConfig.ParallelizationFactor),
                nameof(StreamConsumerOptions.MaximumRetryAttempts) => nameof(WorkerConfig.MaximumRetryAttempts),
                nameof(StreamConsumerOptions.StartingPositionTimestamp) => nameof(WorkerConfig.StartingPositionTimestamp),
                _ => nameof(WorkerConfig.BatchSize),
            };
            throw ConfigurationException.FromLibrary($"{key}:{setting}", e);
        }

        var shared = new EventSourceMappingOptions
        {
            BatchSize = consumer.BatchSize,
            MaximumBatchingWindow = consumer.MaximumBatchingWindow,
            MaximumConcurrency = consumer.ParallelizationFactor,
            Enabled = consumer.Enabled,
        };
        return new ResolvedWorker(name, stream, config, shared) { Stream = consumer };
    }
}
