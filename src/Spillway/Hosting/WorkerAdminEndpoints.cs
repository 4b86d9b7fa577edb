using System.Text.Json;
using System.Text.Json.Serialization;
using Spillway.Gateway;
using Spillway.Gateway.Admin;
using Spillway.Processing;

namespace Spillway.Hosting;

/// <summary>
/// Workers seen and switched by an operator, as a Lambda event-source mapping is enabled or disabled:
/// <c>GET /v1/workers</c>, <c>POST /v1/workers/{name}/enable</c>, <c>POST /v1/workers/{name}/disable</c>.
/// Disabling lets the batches in flight finish; messages keep arriving in the queue meanwhile.
/// </summary>
internal static class WorkerAdminEndpoints
{
    public static IEndpointRouteBuilder MapWorkerAdmin(
        this IEndpointRouteBuilder endpoints, IReadOnlyDictionary<string, Worker> workers, GatewayOptions gateway)
    {
        var group = endpoints.MapGroup("/v1/workers").RequireApiKey(gateway);
        group.MapGet("/", () => TypedResults.Json(
            new WorkerList([.. workers.Values.OrderBy(w => w.Name, StringComparer.Ordinal).Select(Describe)]),
            WorkerJsonContext.Default.WorkerList));
        group.MapPost("/{name}/enable", (string name, CancellationToken cancellationToken) =>
            SwitchAsync(workers, name, (w, ct) => w.EnableAsync(ct), cancellationToken));
        group.MapPost("/{name}/disable", (string name, CancellationToken cancellationToken) =>
            SwitchAsync(workers, name, (w, ct) => w.DisableAsync(ct), cancellationToken));
        return endpoints;
    }

    private static async Task<IResult> SwitchAsync(
        IReadOnlyDictionary<string, Worker> workers, string name, Func<Worker, CancellationToken, Task<bool>> change, CancellationToken cancellationToken)
    {
        if (!workers.TryGetValue(name, out var worker))
        {
            return TypedResults.Problem(
                detail: $"There is no worker named '{name}'.", statusCode: StatusCodes.Status404NotFound, title: "Unknown worker");
        }

        await change(worker, cancellationToken).ConfigureAwait(false);
        return TypedResults.Json(Describe(worker), WorkerJsonContext.Default.WorkerView);
    }

    internal static WorkerView Describe(Worker worker)
    {
        var statistics = worker.Statistics;
        return new WorkerView(
            worker.Name,
            worker.QueueName,
            worker.Enabled,
            worker.Options.BatchSize,
            worker.Options.MaximumConcurrency,
            statistics?.CurrentConcurrency ?? 0,
            statistics?.Batches ?? 0,
            statistics?.SucceededMessages ?? 0,
            statistics?.FailedMessages ?? 0,
            statistics?.Paused ?? false,
            worker.ConcurrencyLimit,
            worker.Autoscaler is { } autoscaler
                ? new AutoscalingView(autoscaler.Settings.Minimum, autoscaler.Settings.Maximum, autoscaler.LastReason)
                : null);
    }
}

internal sealed record WorkerList(IReadOnlyList<WorkerView> Workers);

/// <summary>A worker as the API shows it; the counters are those of its current run since it was last enabled.</summary>
internal sealed record WorkerView(
    string Name,
    string Queue,
    bool Enabled,
    int BatchSize,
    int MaxConcurrency,
    int CurrentConcurrency,
    long Batches,
    long SucceededMessages,
    long FailedMessages,
    bool PausedBySinkOutage,
    int ConcurrencyLimit,
    AutoscalingView? Autoscaling);

/// <summary>An autoscaled worker's range (the maximum already capped by its sink's pool) and its last decision.</summary>
internal sealed record AutoscalingView(int MinConcurrency, int MaxConcurrency, string? LastDecision);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(WorkerList))]
[JsonSerializable(typeof(WorkerView))]
internal sealed partial class WorkerJsonContext : JsonSerializerContext;
