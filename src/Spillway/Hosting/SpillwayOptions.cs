using Spillway.Gateway;
using Spillway.Sqs;

namespace Spillway.Hosting;

/// <summary>
/// The <c>Spillway</c> configuration section, bound from spillway.json, environment variables
/// (<c>Spillway__DataDirectory</c>) and the command line, in the usual .NET order (later wins).
/// Every collection is keyed by name, so layers can add or override one entry.
/// </summary>
internal sealed class SpillwayOptions
{
    public const string SectionName = "Spillway";

    /// <summary>Where queues and the default SQLite database live. Defaults to "data" under the working directory.</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>
    /// Where the queues live: empty for the embedded engine (the default), or <c>amqp://user:pass@host:port/vhost</c>
    /// for RabbitMQ quorum queues. <c>--transport</c> overrides it; <c>SPILLWAY_TRANSPORT_FILE</c> names a file holding
    /// it (a secret). The password is never logged.
    /// </summary>
    public string? Transport { get; set; }

    /// <summary>What this node runs: <c>all</c>, <c>gateway</c> or <c>worker</c>. Defaults to <c>all</c>;
    /// <c>gateway</c> and <c>worker</c> need a shared transport.</summary>
    public string? Role { get; set; }

    /// <summary>HTTP ingest routes by name. The default is the seed's <c>POST /submit</c>.</summary>
    public Dictionary<string, IngestRouteOptions> Routes { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>API keys and the listener policy shared by every route.</summary>
    public GatewayOptions Gateway { get; set; } = new();

    /// <summary>The embedded queue engine's storage settings (<c>Spillway:Engine</c>).</summary>
    public EngineConfig Engine { get; set; } = new();

    /// <summary>Queues by name. A route's or a worker's queue that is not listed is created with SQS defaults.</summary>
    public Dictionary<string, QueueConfig> Queues { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Streams by name (<c>Spillway:Streams:&lt;name&gt;</c>), created at start when missing.</summary>
    public Dictionary<string, StreamConfig> Streams { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Topics by name (<c>Spillway:Topics:&lt;name&gt;</c>) with their queue subscriptions, created at start when missing.</summary>
    public Dictionary<string, TopicConfig> Topics { get; set; } = new(StringComparer.Ordinal);

    /// <summary>SQL sinks by name. The default is the seed's <c>users</c> table in SQLite.</summary>
    public Dictionary<string, SinkConfig> Sinks { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Workers (event-source mappings) by name.</summary>
    public Dictionary<string, WorkerConfig> Workers { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The SQS-compatible API on the main listener (<c>Spillway:Sqs</c>).</summary>
    public SqsOptions Sqs { get; set; } = new();

    /// <summary>The Kinesis-compatible API on the main listener (<c>Spillway:Kinesis</c>); it shares Sqs's account and credentials.</summary>
    public Kinesis.KinesisOptions Kinesis { get; set; } = new();

    /// <summary>The Firehose-compatible API on the main listener (<c>Spillway:Firehose</c>); it shares Sqs's account and credentials.</summary>
    public Firehose.FirehoseOptions Firehose { get; set; } = new();

    /// <summary>The SNS-compatible API on the main listener (<c>Spillway:Sns</c>); it shares Sqs's account and credentials.</summary>
    public Sns.SnsOptions Sns { get; set; } = new();

    /// <summary>Sink tables exposed to the read API and exports, and their retention, by public name.</summary>
    public Dictionary<string, DataAccess.TableConfig> Tables { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The object store, the S3 API over it, and configured buckets with lifecycle rules.</summary>
    public ObjectsConfig Objects { get; set; } = new();

    /// <summary>Export jobs: concurrency, retries, expiry, notices.</summary>
    public DataAccess.ExportsConfig Exports { get; set; } = new();

    /// <summary>The Prometheus endpoint and the OTLP export.</summary>
    public Operations.MetricsOptions Metrics { get; set; } = new();

    /// <summary>The console log's format and message tracing.</summary>
    public Operations.LoggingOptions Logging { get; set; } = new();

    /// <summary>Alarm rules over the metrics and where their notices go.</summary>
    public Operations.Alarms.AlarmOptions Alarms { get; set; } = new();
}

internal sealed class QueueConfig
{
    /// <summary>Defaults to 30 s (SQS).</summary>
    public int VisibilityTimeoutSeconds { get; set; } = 30;

    /// <summary>Defaults to 0 (SQS).</summary>
    public int DelaySeconds { get; set; }

    /// <summary>Defaults to 4 days (SQS).</summary>
    public int MessageRetentionPeriodSeconds { get; set; } = 4 * 24 * 3600;

    /// <summary>Defaults to 1 MiB.</summary>
    public int MaximumMessageSize { get; set; } = 1024 * 1024;

    /// <summary>
    /// FIFO queues only (names ending in ".fifo"): deduplicate by a SHA-256 of the body when a message carries no
    /// deduplication id. Defaults to false (SQS).
    /// </summary>
    public bool ContentBasedDeduplication { get; set; }

    /// <summary>Dead-letter queue name; null for none. Created when missing.</summary>
    public string? DeadLetterQueue { get; set; }

    /// <summary>Receives before a message is dead-lettered. Defaults to 5 (AWS's advice for Lambda consumers).</summary>
    public int MaxReceiveCount { get; set; } = 5;
}

internal sealed class StreamConfig
{
    /// <summary>Shards of a provisioned stream. Defaults to 1.</summary>
    public int ShardCount { get; set; } = 1;

    /// <summary>"provisioned" or "on-demand" (which starts with 4 shards). Defaults to "provisioned".</summary>
    public string Mode { get; set; } = "provisioned";

    /// <summary>How long records are kept. 24–8,760 h; defaults to 24, as Kinesis.</summary>
    public int RetentionHours { get; set; } = 24;

    /// <summary>Refuse puts and reads over Kinesis's per-shard quotas, so producers can test their back-off. Defaults to false.</summary>
    public bool EnforceShardQuotas { get; set; }
}

internal sealed class TopicConfig
{
    /// <summary>FIFO topics (a name ending in .fifo): deduplicate messages without an id by their body. Defaults to false.</summary>
    public bool ContentBasedDeduplication { get; set; }

    /// <summary>Queue subscriptions by a name of the operator's choosing.</summary>
    public Dictionary<string, TopicSubscriptionConfig> Subscriptions { get; set; } = new(StringComparer.Ordinal);
}

internal sealed class TopicSubscriptionConfig
{
    /// <summary>The queue that receives the topic's messages (defined under Spillway:Queues, or by a route or worker). Required.</summary>
    public string? Queue { get; set; }

    /// <summary>An SNS filter policy, as JSON text; none passes every message.</summary>
    public string? FilterPolicy { get; set; }

    /// <summary>MessageAttributes (the default) or MessageBody.</summary>
    public string FilterPolicyScope { get; set; } = "MessageAttributes";

    /// <summary>Deliver the body as published instead of the SNS envelope. Defaults to false.</summary>
    public bool RawMessageDelivery { get; set; }
}

internal sealed class SinkConfig
{
    /// <summary>
    /// postgresql://…, mysql://… or sqlite:///path. Defaults to <c>sqlite:///&lt;data-dir&gt;/spillway.db</c>.
    /// </summary>
    public string? DatabaseUrl { get; set; }

    /// <summary>A file whose first line is the database URL (a mounted secret). Used when DatabaseUrl is empty.</summary>
    public string? DatabaseUrlFile { get; set; }

    /// <summary>Defaults to the sink's name.</summary>
    public string? Table { get; set; }

    /// <summary>Columns by name. Defaults to the fields of the route whose worker writes here.</summary>
    public Dictionary<string, ColumnConfig> Columns { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// JSON fields whose values are a row's key: a record with a key already in the table replaces that row (an upsert,
    /// the later record winning). Each must map to a required column (a text one with a MaxLength). Defaults to none:
    /// a row per message (or stream record).
    /// </summary>
    public List<string>? Key { get; set; }

    /// <summary>Defaults to 10.</summary>
    public int MaxConnections { get; set; } = 10;

    /// <summary>
    /// How long a write waits for a free pooled connection. Defaults to 10 s: well under the queue's 30 s visibility
    /// timeout, so a batch that gives up on the pool is retried by its worker before the message reappears.
    /// </summary>
    public int BorrowTimeoutSeconds { get; set; } = 10;
}

internal sealed class ColumnConfig
{
    /// <summary>JSON field of the record. Defaults to the column's name.</summary>
    public string? Field { get; set; }

    /// <summary>"text", "integer", "real", "boolean", "timestamp" or "json". Defaults to "text".</summary>
    public string Type { get; set; } = "text";

    public int? MaxLength { get; set; }

    public bool Required { get; set; }
}

internal sealed class WorkerConfig
{
    /// <summary>Queue to consume. Defaults to the worker's name, unless <see cref="Stream"/> is set.</summary>
    public string? Queue { get; set; }

    /// <summary>A stream to read instead of a queue (a stream consumer, with Lambda's Kinesis mapping settings below).</summary>
    public string? Stream { get; set; }

    /// <summary>Handler: Kind "sql" (with Sink), "http" (with Url), "csharp" (with Name) or "stream" (with Stream).</summary>
    public HandlerConfig Handler { get; set; } = new();

    /// <summary>Defaults to 500 for a queue (large batches are what lets the sink approach COPY speed during a drain), and
    /// to 100 for a stream, as Lambda.</summary>
    public int? BatchSize { get; set; }

    /// <summary>Defaults to 0.</summary>
    public int MaximumBatchingWindowMilliseconds { get; set; }

    /// <summary>Defaults to 2, the seed's cap.</summary>
    public int MaxConcurrency { get; set; } = 2;

    /// <summary>Overrides the queue's visibility timeout for this worker's receives; null keeps the queue's.</summary>
    public int? VisibilityTimeoutSeconds { get; set; }

    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Fewest invocations at once when autoscaling; null (the default) keeps the concurrency fixed at MaxConcurrency.
    /// Set below MaxConcurrency, the worker starts here and scales up to MaxConcurrency (never above its sink's pool).
    /// </summary>
    public int? MinConcurrency { get; set; }

    /// <summary>Autoscaling adds invocations while the oldest message is older than this. Defaults to 10 s.</summary>
    public int TargetOldestMessageAgeSeconds { get; set; } = 10;

    /// <summary>Autoscaling steps down while a batch takes longer than this. Defaults to 10 s.</summary>
    public int MaxBatchLatencySeconds { get; set; } = 10;

    /// <summary>How often autoscaling decides. Defaults to 5 s.</summary>
    public int ScaleIntervalSeconds { get; set; } = 5;

    /// <summary>Stream: TRIM_HORIZON (the default), LATEST or AT_TIMESTAMP (with StartingPositionTimestamp).</summary>
    public string StartingPosition { get; set; } = "TRIM_HORIZON";

    /// <summary>Stream: the time AT_TIMESTAMP starts at (ISO 8601).</summary>
    public DateTimeOffset? StartingPositionTimestamp { get; set; }

    /// <summary>Stream: batches of one shard at once, order kept per partition key. 1–10; defaults to 1.</summary>
    public int ParallelizationFactor { get; set; } = 1;

    /// <summary>Stream: split a failed batch in two and retry each half. Defaults to false.</summary>
    public bool BisectBatchOnFunctionError { get; set; }

    /// <summary>Stream: retries before a failed batch is discarded; -1 (the default) retries until the records expire.</summary>
    public int MaximumRetryAttempts { get; set; } = -1;

    /// <summary>Stream: records older than this are discarded; -1 (the default) or 60–604,800.</summary>
    public int MaximumRecordAgeSeconds { get; set; } = -1;

    /// <summary>Stream: the queue that receives the on-failure record of each discarded batch; null for none.</summary>
    public string? OnFailureQueue { get; set; }

    /// <summary>Stream: honour the handler's batchItemFailures (sequence numbers). Defaults to false.</summary>
    public bool ReportBatchItemFailures { get; set; }
}

internal sealed class HandlerConfig
{
    public string Kind { get; set; } = "sql";

    public string? Sink { get; set; }

    public string? Url { get; set; }

    public string? Name { get; set; }

    /// <summary>For Kind "stream": the stream each message is put into.</summary>
    public string? Stream { get; set; }

    /// <summary>For Kind "stream": the body's JSON field that is the partition key (else the message group, else the id).</summary>
    public string? PartitionKeyField { get; set; }

    /// <summary>Timeout of one HTTP function call. Defaults to 30 s.</summary>
    public int TimeoutSeconds { get; set; } = 30;
}

internal sealed class EngineConfig
{
    /// <summary>
    /// Closed segments live below this fraction of their bytes are compacted (live messages copied forward, the
    /// segments deleted). 0 turns compaction off. 0–0.9; defaults to 0.25.
    /// </summary>
    public double CompactionThreshold { get; set; } = 0.25;

    /// <summary>
    /// Free space the data directory's disk keeps: below it, sends are refused (503 with Retry-After, SQS
    /// ServiceUnavailable) until space returns. 16–1,048,576 MiB; defaults to 256, room for the operating system and the
    /// process beside the queues. Lower it on a small volume; it must still cover what arrives between two free-space
    /// checks (a quarter of a second), since a write that finds the disk full stops storage until a restart.
    /// </summary>
    public int MinimumFreeDiskMegabytes { get; set; } = 256;

    /// <summary>
    /// FIFO send quota in messages per second, per queue or per message group as each queue's FifoThroughputLimit says;
    /// a send over it is refused (SQS's RequestThrottled). 1–10,000,000; defaults to none.
    /// </summary>
    public double? FifoSendRateLimit { get; set; }
}
