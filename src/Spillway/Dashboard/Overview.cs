using System.Text.Json;
using System.Text.Json.Serialization;
using Spillway.Hosting;
using Spillway.Messaging;
using Spillway.Processing;
using Spillway.Sinks;

namespace Spillway.Dashboard;

/// <summary>
/// Everything the dashboard and <c>spillway status</c> show, read in one request. The queue totals are running
/// counters: a client computes ingest and drain rates from two readings and <see cref="ServerTime"/>.
/// </summary>
internal sealed record Overview(
    DateTimeOffset ServerTime,
    IReadOnlyList<RouteView> Routes,
    IReadOnlyList<QueueView> Queues,
    IReadOnlyList<WorkerView> Workers,
    IReadOnlyList<SinkView> Sinks,
    IReadOnlyList<StreamSummaryView> Streams,
    IReadOnlyList<TopicSubscriptionView> Topics,
    IReadOnlyList<DeliveryStreamSummaryView> DeliveryStreams,
    IReadOnlyList<BucketView> Buckets,
    IReadOnlyList<AggregationSummaryView> Aggregations);

/// <summary>What the overview reads: the node's queues, workers, sinks, delivery streams and object store, and the routes
/// as configured.</summary>
internal sealed record OverviewSource(
    TimeProvider Time,
    QueueEngine Engine,
    IReadOnlyDictionary<string, Worker> Workers,
    IReadOnlyDictionary<string, ISqlSink> Sinks,
    IReadOnlyList<RouteView> Routes,
    DeliveryStreams.DeliveryStreamStore DeliveryStreams,
    Objects.IObjectStore Objects,
    Hosting.Aggregations.AggregationService Aggregations)
{
    public static IReadOnlyList<RouteView> Describe(IEnumerable<ResolvedRoute> routes) =>
    [
        .. routes
            .Select(r => new RouteView(
                r.Name, r.Options.Path, r.Options.QueueName, r.Options.MaxRecordsPerRequest, r.Options.MaxBodyBytes, r.Options.MaxBacklog))
            .OrderBy(r => r.Name, StringComparer.Ordinal),
    ];
}

internal sealed record RouteView(string Name, string Path, string Queue, int MaxRecordsPerRequest, int MaxBodyBytes, long MaxBacklog);

/// <param name="Sent">Messages stored in the queue since it was created (see <c>QueueActivity.Sent</c>).</param>
/// <param name="Deleted">Messages deleted after handling since the server started.</param>
internal sealed record QueueView(
    string Name,
    bool Fifo,
    long Visible,
    long InFlight,
    long Delayed,
    double? OldestMessageAgeSeconds,
    string? DeadLetterQueue,
    int? MaxReceiveCount,
    IReadOnlyList<string> DeadLetterSources,
    long Sent,
    long Received,
    long Deleted,
    long DeadLettered);

/// <param name="IncomingRecords">Records put since the server started; a client computes the rate from two readings.</param>
/// <param name="IncomingBytes">Data bytes put since the server started.</param>
internal sealed record StreamSummaryView(
    string Name,
    string Status,
    int OpenShards,
    int KeptShards,
    int RetentionHours,
    long RecordsKept,
    double? OldestRecordAgeSeconds,
    long IncomingRecords,
    long IncomingBytes);

/// <summary>One subscription of a topic (a topic without any shows once with no subscription), with what it got since the
/// server started.</summary>
internal sealed record TopicSubscriptionView(
    string Topic,
    bool Fifo,
    string? Protocol,
    string? Endpoint,
    bool Confirmed,
    string? FilterPolicy,
    long Delivered,
    long FilteredOut,
    long Failed);

/// <summary>A delivery stream, with its buffer now and what it delivered since the server started.</summary>
internal sealed record DeliveryStreamSummaryView(
    string Name,
    string Bucket,
    long BufferedRecords,
    long BufferedBytes,
    long IncomingRecords,
    long FilesWritten,
    long BytesWritten,
    long RecordsFailed,
    long DeliveryFailures,
    double? LastDeliveryLatencySeconds);

/// <summary>An aggregation with its figures and the last rows it wrote (JSON, newest last).</summary>
internal sealed record AggregationSummaryView(
    string Name,
    string Source,
    string State,
    long RecordsIn,
    long LateRecords,
    long OpenWindows,
    DateTimeOffset? Watermark,
    IReadOnlyList<string> LatestResults);

/// <summary>A bucket of the object store.</summary>
internal sealed record BucketView(string Name, DateTimeOffset Created);

internal sealed record SinkView(string Name, string Provider, int MaxConnections, int InUse, int PeakInUse, long Waits);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(Overview))]
internal sealed partial class OverviewJsonContext : JsonSerializerContext;
