using System.Diagnostics;
using Spillway.Gateway;
using Spillway.Gateway.Admin;
using Spillway.Operations.Internal;

namespace Spillway.Operations;

/// <summary><c>GET /metrics</c> in the Prometheus text format, and the ingest measurements taken around each route.</summary>
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

    /// <summary>Counts every request to an ingest route by status and times the accepted ones.</summary>
    public static void UseIngestMetrics(this WebApplication app, IReadOnlyDictionary<string, string> routesByPath, SpillwayMetrics metrics)
    {
        var paths = new Dictionary<string, string>(routesByPath, StringComparer.OrdinalIgnoreCase);
        app.Use(async (context, next) =>
        {
            if (!paths.TryGetValue(context.Request.Path.Value ?? string.Empty, out var route))
            {
                await next(context).ConfigureAwait(false);
                return;
            }

            var started = Stopwatch.GetTimestamp();
            var status = StatusCodes.Status500InternalServerError;
            try
            {
                await next(context).ConfigureAwait(false);
                status = context.Response.StatusCode;
            }
            finally
            {
                var routeTag = new KeyValuePair<string, object?>("route", route);
                metrics.IngestRequests.Add(1, routeTag, new("status", StatusText(status)));
                if (status is >= 200 and < 300)
                {
                    metrics.AcceptDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, routeTag);
                }
            }
        });
    }

    private static string StatusText(int status) => status switch
    {
        200 => "200",
        202 => "202",
        400 => "400",
        401 => "401",
        413 => "413",
        415 => "415",
        503 => "503",
        _ => status.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
