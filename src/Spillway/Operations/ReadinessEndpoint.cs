using System.Text.Json;
using System.Text.Json.Serialization;
using Spillway.Hosting;
using Spillway.Operations.Internal;

namespace Spillway.Operations;

/// <summary>
/// <c>GET /readyz</c>: 200 when storage accepts writes and every sink answers, else 503; the body names each check,
/// so an operator (or a load balancer's log) sees which one failed. Open like <c>/healthz</c>: probes carry no key,
/// and the body names checks, never addresses or credentials.
/// </summary>
internal static class ReadinessEndpoint
{
    /// <summary>How long one sink may take to answer before it counts as unreachable.</summary>
    private static readonly TimeSpan SinkTimeout = TimeSpan.FromSeconds(2);

    public static void MapReadiness(this IEndpointRouteBuilder endpoints, SpillwayRuntime runtime, string path = "/readyz") =>
        endpoints.MapGet(path, async (CancellationToken cancellationToken) =>
        {
            var report = await CheckAsync(runtime, cancellationToken).ConfigureAwait(false);
            return TypedResults.Json(
                report,
                ReadinessJsonContext.Default.ReadinessReport,
                statusCode: report.Ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        });

    public static async Task<ReadinessReport> CheckAsync(SpillwayRuntime runtime, CancellationToken cancellationToken)
    {
        var checks = new List<ReadinessCheck>();
        var storage = runtime.Engine.Status;
        checks.Add(new ReadinessCheck("storage", storage.Writable, storage.Writable ? null : storage.Reason ?? "not writable"));
        var pings = runtime.Sinks.Values.OrderBy(s => s.Name, StringComparer.Ordinal).Select(async sink =>
        {
            var pool = sink.PoolStatistics;
            if (pool.InUse >= pool.MaxConnections && sink is InstrumentedSqlSink { ConsecutiveFailures: 0 })
            {
                // Every connection is busy writing, successfully: a ping would only queue behind the drain, and a
                // readiness probe must not take a server out of rotation in the middle of a burst.
                return new ReadinessCheck("sink:" + sink.Name, true, "pool busy");
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(SinkTimeout);
            try
            {
                var answered = await sink.PingAsync(timeout.Token).ConfigureAwait(false);
                return new ReadinessCheck("sink:" + sink.Name, answered, answered ? null : "database unreachable");
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return new ReadinessCheck("sink:" + sink.Name, false, $"no answer within {SinkTimeout.TotalSeconds:0} s");
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The exception's message may carry a host name; the type is enough to start looking.
                return new ReadinessCheck("sink:" + sink.Name, false, "database unreachable (" + e.GetType().Name + ")");
            }
        });
        checks.AddRange(await Task.WhenAll(pings).ConfigureAwait(false));
        var failing = checks.Where(c => !c.Healthy).Select(c => c.Name).ToList();
        return new ReadinessReport(failing.Count == 0, failing.Count == 0 ? "ready" : "not ready", failing, checks);
    }
}

internal sealed record ReadinessReport(bool Ready, string Status, IReadOnlyList<string> Failing, IReadOnlyList<ReadinessCheck> Checks);

internal sealed record ReadinessCheck(string Name, bool Healthy, string? Detail);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ReadinessReport))]
internal sealed partial class ReadinessJsonContext : JsonSerializerContext;
