using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Spillway.Messaging;
using Spillway.Sqs.Internal;

namespace Spillway.Sqs;

/// <summary>Maps the SQS-compatible API onto an ASP.NET Core application.</summary>
public static class SqsEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the SQS API, both wire protocols, on <c>/</c> and on queue URL paths <c>/&lt;account&gt;/&lt;name&gt;</c>
    /// (GET and POST), over the queues of <paramref name="engine"/>. Throws <see cref="ArgumentException"/> for invalid
    /// options.
    /// </summary>
    public static IEndpointRouteBuilder MapSqsApi(
        this IEndpointRouteBuilder endpoints, QueueEngine engine, SqsOptions options, SqsApiSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (!options.Enabled)
        {
            return endpoints;
        }

        settings ??= new SqsApiSettings();
        var authenticator = settings.RefusalReason is { } reason
            ? new RefusingAuthenticator(reason)
            : SqsAuthentication.Create(options, settings.TimeProvider);
        var logger = endpoints.ServiceProvider.GetService<ILoggerFactory>()?.CreateLogger("Spillway.Sqs") ?? NullLogger.Instance;
        var api = new SqsApi(engine, options, settings, authenticator, logger);
        string[] methods = ["GET", "POST"];
        endpoints.MapMethods("/", methods, api.HandleAsync);
        endpoints.MapMethods("/{account}/{queue}", methods, api.HandleAsync);
        return endpoints;
    }
}
