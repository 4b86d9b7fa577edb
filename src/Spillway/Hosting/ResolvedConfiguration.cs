using Spillway.Gateway;
using Spillway.Messaging;
using Spillway.Sinks;

namespace Spillway.Hosting;

/// <summary>The configuration after defaults and validation, as the libraries take it.</summary>
internal sealed record ResolvedConfiguration(
    string DataDirectory,
    IReadOnlyList<QueueDefinition> Queues,
    IReadOnlyList<SqlSinkOptions> Sinks,
    IReadOnlyList<ResolvedRoute> Routes,
    IReadOnlyList<ResolvedWorker> Workers)
{
    /// <summary>The RabbitMQ broker the queues live on; null for the embedded engine (the default).</summary>
    public Uri? Transport { get; init; }

    public ServerRole Role { get; init; } = ServerRole.All;

    /// <summary>Each queue's body rule, by queue: what any path into it (the SQS API too) must refuse.</summary>
    public IReadOnlyDictionary<string, IMessageBodyRule> BodyRules { get; init; } = new Dictionary<string, IMessageBodyRule>();

    /// <summary>The configured streams, created at start when missing.</summary>
    public IReadOnlyList<Messaging.Streams.StreamDefinition> Streams { get; init; } = [];

    /// <summary>The configured topics with their queue subscriptions, created at start when missing.</summary>
    public IReadOnlyList<Transport.ConfiguredTopic> Topics { get; init; } = [];

    /// <summary>The database of the default sink (the seed's, or <c>--database</c>): where an aggregation's results go
    /// unless it names a sink.</summary>
    public string DefaultDatabase { get; init; } = string.Empty;

    /// <summary>The aggregations of the configuration (<c>Spillway:Aggregations:&lt;name&gt;</c>), read and validated.</summary>
    public IReadOnlyList<Aggregations.AggregationDeclaration> Aggregations { get; init; } = [];

    /// <summary>The embedded engine's storage settings, validated.</summary>
    public EngineConfig Engine { get; init; } = new();
}

internal sealed record ResolvedRoute(string Name, IngestRouteOptions Options);

/// <param name="Queue">The queue it drains, or the stream it reads.</param>
/// <param name="Mapping">The event-source mapping's settings, validated by the mapping itself.</param>
internal sealed record ResolvedWorker(string Name, string Queue, WorkerConfig Config, Processing.EventSourceMappingOptions Mapping)
{
    /// <summary>A stream worker's settings, validated by the consumer itself; null for a queue worker.</summary>
    public Processing.StreamConsumerOptions? Stream { get; init; }
}
