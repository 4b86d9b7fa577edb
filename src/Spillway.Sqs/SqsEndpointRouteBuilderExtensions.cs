using Microsoft.AspNetCore.Routing;
using Spillway.Aws;
using Spillway.Messaging;
using Spillway.Sqs.Internal;

namespace Spillway.Sqs;

/// <summary>Maps the SQS-compatible API onto an ASP.NET Core application.</summary>
public static class SqsEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Adds the SQS API, both wire protocols, to the application's AWS router (<see cref="AwsEndpointRouteBuilderExtensions.MapAwsService"/>):
    /// on <c>/</c> and on queue URL paths <c>/&lt;account&gt;/&lt;name&gt;</c> (GET and POST), over the queues of
    /// <paramref name="engine"/>. Throws <see cref="SqsConfigurationException"/> for invalid options.
    /// </summary>
    public static IEndpointRouteBuilder MapSqsApi(
        this IEndpointRouteBuilder endpoints, QueueEngine engine, SqsOptions options, SqsApiSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return options.Enabled ? endpoints.MapAwsService(new SqsApi(engine, options, settings ?? new SqsApiSettings())) : endpoints;
    }
}
