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
        if (runtime.Transport is { Kind: not "embedded" } transport)
        {
            var status = transport.Status;
            checks.Add(new ReadinessCheck("transport:" + transport.Kind, status.Available, status.Reason));
        }

        var pings = runtime.Sinks.Values.OrderBy(s => s.Name, StringComparer.Ordinal).Select(async sink =>
        {
            var (healthy, detail) = await SinkProbe.CheckAsync(sink, cancellationToken).ConfigureAwait(false);
            return new ReadinessCheck("sink:" + sink.Name, healthy, detail);
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
