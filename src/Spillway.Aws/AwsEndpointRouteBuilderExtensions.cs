using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Spillway.Aws.Internal;

namespace Spillway.Aws;

/// <summary>Registers AWS-compatible services on an ASP.NET Core application's main listener.</summary>
public static class AwsEndpointRouteBuilderExtensions
{
    private static readonly string[] Methods = ["GET", "POST"];

    // One router per application, shared by every service mapped on it.
    private static readonly ConditionalWeakTable<IEndpointRouteBuilder, AwsRouter> Routers = [];

    /// <summary>
    /// Adds <paramref name="service"/> to the application's AWS router, mapping <c>/</c> (GET and POST) the first time
    /// and each of the service's <see cref="AwsServiceDescription.RouteTemplates"/> not mapped yet. Throws
    /// <see cref="InvalidOperationException"/> when its signing name or target prefix overlaps a service already added.
    /// </summary>
    public static IEndpointRouteBuilder MapAwsService(this IEndpointRouteBuilder endpoints, AwsService service)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(service);
        var router = Routers.GetValue(endpoints, static e =>
        {
            var logger = e.ServiceProvider.GetService<ILoggerFactory>()?.CreateLogger("Spillway.Aws") ?? NullLogger.Instance;
            return new AwsRouter(logger);
        });
        router.Add(service);
        foreach (var template in (IEnumerable<string>)["/", .. service.Description.RouteTemplates])
        {
            if (router.Claim(template))
            {
                endpoints.MapMethods(template, Methods, router.HandleAsync);
            }
        }

        return endpoints;
    }
}
