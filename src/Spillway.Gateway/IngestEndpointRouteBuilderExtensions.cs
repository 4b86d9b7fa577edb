using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Spillway.Gateway.Internal;
using Spillway.Messaging;
using Spillway.Transport;

namespace Spillway.Gateway;

/// <summary>Maps Spillway's HTTP ingest onto an ASP.NET Core application.</summary>
public static class IngestEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps <c>POST</c> on each route's <see cref="IngestRouteOptions.Path"/>, storing records in the route's queue of
    /// <paramref name="engine"/> (looked up by <see cref="IngestRouteOptions.QueueName"/> on the first request, so the
    /// queues may be created after this call), and <c>GET</c> on <see cref="GatewayOptions.HealthPath"/>.
    /// Validates every option first and throws <see cref="GatewayConfigurationException"/> naming the bad key.
    /// </summary>
    /// <param name="endpoints">The application.</param>
    /// <param name="engine">The queue engine the records are stored in.</param>
    /// <param name="routes">The routes, in configuration order (<c>Spillway:Routes</c>).</param>
    /// <param name="options">Shared settings (<c>Spillway:Gateway</c>); null for the defaults (no API key).</param>
    public static IEndpointRouteBuilder MapIngestRoutes(
        this IEndpointRouteBuilder endpoints, QueueEngine engine, IEnumerable<IngestRouteOptions> routes, GatewayOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(engine);
        return endpoints.MapIngestRoutes(
            routes,
            route => engine.TryGetQueue(route.QueueName, out var queue) ? queue : null,
            () => engine.Status,
            options);
    }

    /// <summary>
    /// Like <see cref="MapIngestRoutes(IEndpointRouteBuilder, QueueEngine, IEnumerable{IngestRouteOptions}, GatewayOptions?)"/>,
    /// with the queue of a route found by <paramref name="resolveQueue"/> (null while it does not exist: 503) and the
    /// storage state by <paramref name="storageStatus"/>.
    /// </summary>
    public static IEndpointRouteBuilder MapIngestRoutes(
        this IEndpointRouteBuilder endpoints,
        IEnumerable<IngestRouteOptions> routes,
        Func<IngestRouteOptions, MessageQueue?> resolveQueue,
        Func<StorageStatus> storageStatus,
        GatewayOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(resolveQueue);
        ArgumentNullException.ThrowIfNull(storageStatus);
        return endpoints.MapIngestRoutes(routes, route => new QueueIngestTarget(() => resolveQueue(route), storageStatus), options);
    }

    /// <summary>
    /// Like <see cref="MapIngestRoutes(IEndpointRouteBuilder, QueueEngine, IEnumerable{IngestRouteOptions}, GatewayOptions?)"/>,
    /// storing records through <paramref name="transport"/> (a broker): while it is unavailable the routes answer 503
    /// with Retry-After, and 202 only once the broker confirmed every record.
    /// </summary>
    public static IEndpointRouteBuilder MapIngestRoutes(
        this IEndpointRouteBuilder endpoints,
        IMessageTransport transport,
        IEnumerable<IngestRouteOptions> routes,
        GatewayOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(transport);
        return endpoints.MapIngestRoutes(routes, route => new TransportIngestTarget(transport, route.QueueName), options);
    }

    /// <summary>The seam tests use to inject storage faults.</summary>
    internal static IEndpointRouteBuilder MapIngestRoutes(
        this IEndpointRouteBuilder endpoints,
        IEnumerable<IngestRouteOptions> routes,
        Func<IngestRouteOptions, IIngestTarget> createTarget,
        GatewayOptions? options)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
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
            var endpoint = new IngestEndpoint(route, createTarget(route), authenticator, options.RetryAfterSeconds, logger);
            endpoints.MapPost(route.Path, endpoint.HandleAsync).WithDisplayName($"Spillway ingest {route.Path}");
            logger.RouteMapped(route.Path, route.QueueName);
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

    private static IngestRouteOptions Snapshot(IngestRouteOptions route)
    {
        var fields = new Dictionary<string, FieldSchema>(StringComparer.Ordinal);
        foreach (var (name, field) in route.Fields)
        {
            fields[name] = new FieldSchema
            {
                Type = field.Type,
                Required = field.Required,
                MaxLength = field.MaxLength,
                Format = field.Format,
            };
        }

        return new IngestRouteOptions
        {
            Path = route.Path,
            QueueName = route.QueueName,
            MaxBodyBytes = route.MaxBodyBytes,
            MaxRecordsPerRequest = route.MaxRecordsPerRequest,
            MaxBacklog = route.MaxBacklog,
            AllowUnknownFields = route.AllowUnknownFields,
            Fields = fields,
            SinkRule = route.SinkRule,
        };
    }
}
