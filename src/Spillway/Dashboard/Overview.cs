using System.Text.Json;
using System.Text.Json.Serialization;
using Spillway.Hosting;

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
    IReadOnlyList<SinkView> Sinks);

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

internal sealed record SinkView(string Name, string Provider, int MaxConnections, int InUse, int PeakInUse, long Waits);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(Overview))]
internal sealed partial class OverviewJsonContext : JsonSerializerContext;
