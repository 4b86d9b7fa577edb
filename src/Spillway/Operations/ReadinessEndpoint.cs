using System.Text.Json;
using System.Text.Json.Serialization;
using Spillway.Messaging;
using Spillway.Operations.Internal;
using Spillway.Sinks;
using Spillway.Transport;

namespace Spillway.Operations;

/// <summary>
/// <c>GET /readyz</c>: 200 when storage accepts writes and every sink answers, else 503; the body names each check,
/// so an operator (or a load balancer's log) sees which one failed. Open like <c>/healthz</c>: probes carry no key,
/// and the body names checks, never addresses or credentials.
/// </summary>
internal static class ReadinessEndpoint
{
    public static void MapReadiness(this IEndpointRouteBuilder endpoints, ReadinessSources sources, string path = "/readyz") =>
        endpoints.MapGet(path, async (CancellationToken cancellationToken) =>
        {
            var report = await CheckAsync(sources, cancellationToken).ConfigureAwait(false);
            return TypedResults.Json(
                report,
                ReadinessJsonContext.Default.ReadinessReport,
                statusCode: report.Ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        });

    public static async Task<ReadinessReport> CheckAsync(ReadinessSources sources, CancellationToken cancellationToken)
    {
        var checks = new List<ReadinessCheck>();
        var storage = sources.Storage();
        checks.Add(new ReadinessCheck("storage", storage.Writable, storage.Writable ? null : storage.Reason ?? "not writable"));
        if (sources.Broker is { } transport)
        {
            var status = transport.Status;
            checks.Add(new ReadinessCheck("transport:" + transport.Kind, status.Available, status.Reason));
        }

        var pings = sources.Sinks.OrderBy(s => s.Name, StringComparer.Ordinal).Select(async sink =>
        {
            var (healthy, detail) = await sources.Probe.CheckAsync(sink, cancellationToken).ConfigureAwait(false);
            return new ReadinessCheck("sink:" + sink.Name, healthy, detail);
        });
        checks.AddRange(await Task.WhenAll(pings).ConfigureAwait(false));
        var failing = checks.Where(c => !c.Healthy).Select(c => c.Name).ToList();
        return new ReadinessReport(failing.Count == 0, failing.Count == 0 ? "ready" : "not ready", failing, checks);
    }
}

/// <summary>What readiness checks.</summary>
/// <param name="Storage">The node's own storage.</param>
/// <param name="Broker">The transport when it is not that storage (a broker), checked apart; null otherwise.</param>
/// <param name="Sinks">Every sink, pinged.</param>
/// <param name="Probe">How a sink is asked.</param>
internal sealed record ReadinessSources(Func<StorageStatus> Storage, IMessageTransport? Broker, IEnumerable<ISqlSink> Sinks, SinkProbe Probe);

internal sealed record ReadinessReport(bool Ready, string Status, IReadOnlyList<string> Failing, IReadOnlyList<ReadinessCheck> Checks);

internal sealed record ReadinessCheck(string Name, bool Healthy, string? Detail);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ReadinessReport))]
internal sealed partial class ReadinessJsonContext : JsonSerializerContext;
