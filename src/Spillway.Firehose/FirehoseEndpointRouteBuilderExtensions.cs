using Microsoft.AspNetCore.Routing;
using Spillway.Aws;
using Spillway.DeliveryStreams;
using Spillway.Firehose.Internal;

namespace Spillway.Firehose;

/// <summary>Maps the Firehose API onto an ASP.NET Core application.</summary>
public static class FirehoseEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Adds the Firehose API (JSON 1.1, <c>X-Amz-Target: Firehose_20150804.*</c>) to the application's AWS router
    /// (<see cref="AwsEndpointRouteBuilderExtensions.MapAwsService"/>), over <paramref name="streams"/>; nothing when
    /// <see cref="FirehoseOptions.Enabled"/> is false.
    /// </summary>
    public static IEndpointRouteBuilder MapFirehoseApi(
        this IEndpointRouteBuilder endpoints, DeliveryStreamStore streams, FirehoseOptions? options = null, FirehoseApiSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(streams);
        return options?.Enabled == false ? endpoints : endpoints.MapAwsService(new FirehoseApi(
                streams,
                settings ?? new FirehoseApiSettings(),
                new Dictionary<string, string>(options?.Tables ?? [], StringComparer.OrdinalIgnoreCase)));
    }
}
