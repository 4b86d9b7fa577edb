using System.Text.Json;
using System.Text.Json.Serialization;
using Spillway.Gateway;
using Spillway.Gateway.Admin;
using Spillway.Hosting;
using Spillway.Operations.Internal;

namespace Spillway.Operations.Dashboard;

/// <summary>
/// <c>GET /dashboard</c>: one self-contained page (no CDN, no build step) that polls <c>GET /v1/stats</c> and draws
/// the ingest and drain rates, the backlog and its estimated end, every route, queue, worker and sink, and the
/// dead-letter queues with a redrive button (through the existing queue API). The page holds no data, so it is served
/// without a key; the data endpoints take the API key like the rest of the admin API.
/// </summary>
internal static class DashboardEndpoints
{
    private static readonly Lazy<byte[]> Page = new(() =>
    {
        using var stream = typeof(DashboardEndpoints).Assembly.GetManifestResourceStream("Spillway.Operations.Dashboard.dashboard.html")
            ?? throw new InvalidOperationException("the dashboard page is not embedded");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    });

    public static void MapDashboard(
        this WebApplication app, SpillwayRuntime runtime, IReadOnlyList<ResolvedRoute> routes, GatewayOptions gateway)
    {
        app.MapGet("/dashboard", () => TypedResults.Bytes(Page.Value, "text/html; charset=utf-8"));
        var views = routes.Select(r => new RouteStats(r.Name, r.Options.Path, r.Options.QueueName)).ToList();
        app.MapGroup("/v1/stats").RequireApiKey(gateway)
            .MapGet("/", () => TypedResults.Json(Snapshot(runtime, views), DashboardJsonContext.Default.StatsSnapshot));
    }

    internal static StatsSnapshot Snapshot(SpillwayRuntime runtime, IReadOnlyList<RouteStats> routes)
    {
        var now = runtime.Time.GetUtcNow();
        var deadLetterQueues = runtime.Engine.ListQueues()
            .Select(q => q.Definition.RedrivePolicy?.DeadLetterQueue).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var queues = runtime.Engine.ListQueues().OrderBy(q => q.Name, StringComparer.Ordinal).Select(q =>
        {
            var reading = QueueReading.Of(q, now);
            return new QueueStats(
                q.Name,
                reading.Counts.Visible,
                reading.Counts.InFlight,
                reading.Counts.Delayed,
                reading.OldestAgeSeconds,
                reading.Activity.Sent,
                reading.Activity.Deleted,
                reading.Activity.DeadLettered,
                q.Definition.RedrivePolicy?.DeadLetterQueue,
                deadLetterQueues.Contains(q.Name));
        }).ToList();
        var workers = runtime.Workers.Values.OrderBy(w => w.Name, StringComparer.Ordinal).Select(w =>
        {
            var statistics = w.Statistics;
            return new WorkerStats(
                w.Name,
                w.QueueName,
                w.Sink,
                w.Enabled,
                statistics?.CurrentConcurrency ?? 0,
                w.ConcurrencyLimit,
                w.MaxConcurrency,
                w.Autoscaler?.Settings.Minimum,
                statistics?.Paused ?? false);
        }).ToList();
        var sinks = runtime.Sinks.Values.OrderBy(s => s.Name, StringComparer.Ordinal).Select(s =>
        {
            var pool = s.PoolStatistics;
            var instrumented = s as InstrumentedSqlSink;
            return new SinkStats(
                s.Name, s.Provider, instrumented?.RowsWritten ?? 0, pool.InUse, pool.MaxConnections, pool.Waits,
                instrumented?.ConsecutiveFailures ?? 0);
        }).ToList();
        var alarms = runtime.Alarms?.States.OrderBy(a => a.Key, StringComparer.Ordinal)
            .Select(a => new AlarmStats(a.Key, a.Value.ToString())).ToList() ?? [];
        return new StatsSnapshot(now, routes, queues, workers, sinks, alarms);
    }
}

internal sealed record StatsSnapshot(
    DateTimeOffset At,
    IReadOnlyList<RouteStats> Routes,
    IReadOnlyList<QueueStats> Queues,
    IReadOnlyList<WorkerStats> Workers,
    IReadOnlyList<SinkStats> Sinks,
    IReadOnlyList<AlarmStats> Alarms);

internal sealed record RouteStats(string Name, string Path, string Queue);

internal sealed record QueueStats(
    string Name,
    long Visible,
    long InFlight,
    long Delayed,
    double OldestMessageAgeSeconds,
    long Sent,
    long Deleted,
    long DeadLettered,
    string? DeadLetterQueue,
    bool IsDeadLetterQueue);

internal sealed record WorkerStats(
    string Name, string Queue, string? Sink, bool Enabled, int Concurrency, int ConcurrencyLimit, int MaxConcurrency,
    int? MinConcurrency, bool Paused);

internal sealed record SinkStats(
    string Name, string Provider, long RowsWritten, int ConnectionsInUse, int MaxConnections, long PoolWaits, long ConsecutiveFailures);

internal sealed record AlarmStats(string Name, string State);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(StatsSnapshot))]
internal sealed partial class DashboardJsonContext : JsonSerializerContext;
