using Microsoft.AspNetCore.Routing;
using Spillway.Aws;
using Spillway.Kinesis.Internal;
using Spillway.Messaging;

namespace Spillway.Kinesis;

/// <summary>Maps the Kinesis Data Streams API onto an ASP.NET Core application.</summary>
public static class KinesisEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Adds the Kinesis API (JSON 1.1 and CBOR, <c>X-Amz-Target: Kinesis_20131202.*</c>) to the application's AWS router
    /// (<see cref="AwsEndpointRouteBuilderExtensions.MapAwsService"/>), over the streams of <paramref name="engine"/>;
    /// nothing when <see cref="KinesisOptions.Enabled"/> is false.
    /// </summary>
    public static IEndpointRouteBuilder MapKinesisApi(
        this IEndpointRouteBuilder endpoints, QueueEngine engine, KinesisOptions? options = null, KinesisApiSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(engine);
        return options?.Enabled == false ? endpoints : endpoints.MapAwsService(new KinesisApi(engine, settings ?? new KinesisApiSettings()));
    }
}
