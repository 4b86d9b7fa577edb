using Spillway.Gateway;
using Spillway.Gateway.Admin;
using Spillway.Operations.Internal;

namespace Spillway.Operations;

/// <summary><c>GET /metrics</c> in the Prometheus text format.</summary>
internal static class MetricsEndpoints
{
    public static void MapMetrics(
        this WebApplication app, PrometheusExporter exporter, MetricsOptions options, GatewayOptions gateway)
    {
        if (!options.Enabled)
        {
            return;
        }

        var group = app.MapGroup(string.Empty);
        if (!options.AllowAnonymous)
        {
            group.RequireApiKey(gateway);
        }

        group.MapGet(options.Path, () => TypedResults.Text(exporter.Scrape(), PrometheusExporter.ContentType));
    }
}
