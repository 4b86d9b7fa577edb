using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Spillway.Gateway.Internal;
using Spillway.Transport;

namespace Spillway.Gateway;

/// <summary>Maps Spillway's HTTP ingest onto an ASP.NET Core application.</summary>
public static class IngestEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps <c>POST</c> on each route's <see cref="IngestRouteOptions.Path"/>, storing records in the route's queue of
    /// <paramref name="transport"/> (found by <see cref="IngestRouteOptions.QueueName"/> on the first request, so the
    /// queues may be created after this call), and <c>GET</c> on <see cref="GatewayOptions.HealthPath"/>. While the
    /// transport does not accept writes (a full disk, a broker that is down) the routes answer 503 with Retry-After, and
    /// 202 only once every record is durable. Validates every option first and throws
    /// <see cref="GatewayConfigurationException"/> naming the bad key.
    /// </summary>
    /// <param name="endpoints">The application.</param>
    /// <param name="transport">Where the records are stored.</param>
    /// <param name="routes">The routes, in configuration order (<c>Spillway:Routes</c>).</param>
    /// <param name="options">Shared settings (<c>Spillway:Gateway</c>); null for the defaults (no API key).</param>
    /// <param name="metrics">Where the routes' requests are measured; null for nowhere.</param>
    public static IEndpointRouteBuilder MapIngestRoutes(
        this IEndpointRouteBuilder endpoints,
        IMessageTransport transport,
        IEnumerable<IngestRouteOptions> routes,
        GatewayOptions? options = null,
        IngestMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(routes);
        options ??= new GatewayOptions();
        var keys = options.ResolveApiKeys();
        var loggerFactory = endpoints.ServiceProvider.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance;
        var logger = loggerFactory.CreateLogger("Spillway.Gateway");
        var authenticator = new ApiKeyAuthenticator(keys);
        if (authenticator.IsEnabled)
        {
            logger.ApiKeysEnabled(keys.Count);
        }

        // Snapshot and validate everything before mapping anything, so a bad configuration maps nothing.
        var snapshots = new List<IngestRouteOptions>();
        var paths = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var index = 0;
        foreach (var route in routes)
        {
            var key = $"Spillway:Routes:{index++}";
            if (route is null)
            {
                throw new GatewayConfigurationException(key, "must not be null.");
            }

            route.Validate(key);
            if (!paths.Add(route.Path.TrimEnd('/')) || string.Equals(route.Path, options.HealthPath, StringComparison.OrdinalIgnoreCase))
            {
                throw new GatewayConfigurationException($"{key}:Path", $"'{route.Path}' is used twice.");
            }

            snapshots.Add(Snapshot(route));
        }

        foreach (var route in snapshots)
        {
            var endpoint = new IngestEndpoint(route, transport, authenticator, options.RetryAfterSeconds, logger);
            RequestDelegate handle = endpoint.HandleAsync;
            endpoints.MapPost(route.Path, metrics?.Measure(route.Name ?? route.Path, handle) ?? handle)
                .WithDisplayName($"Spillway ingest {route.Path}");
            logger.RouteMapped(route.Path, route.Stream ?? route.QueueName);
        }

        if (!string.IsNullOrEmpty(options.HealthPath))
        {
            endpoints.MapHealth(options.HealthPath);
        }

        return endpoints;
    }

    private static void MapHealth(this IEndpointRouteBuilder endpoints, string path)
    {
        var body = new HealthReport("ok");
        RequestDelegate handler = context => IngestEndpoint.WriteJsonAsync(
            context.Response, 200, body, GatewayJsonContext.Default.HealthReport, "application/json; charset=utf-8");
        endpoints.MapGet(path, handler).WithDisplayName("Spillway health");
    }

    // A copy down to each field's schema: what the caller changes later has no effect on the mapped route.
    private static IngestRouteOptions Snapshot(IngestRouteOptions route) =>
        route with { Fields = route.Fields.ToDictionary(f => f.Key, f => f.Value with { }, StringComparer.Ordinal) };
}
