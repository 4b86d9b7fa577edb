using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Spillway.DeliveryStreams;
using Spillway.DeliveryStreams.Conversion;
using Spillway.Gateway.Internal;
using static Spillway.Gateway.Admin.QueueAdminEndpoints;

namespace Spillway.Gateway.Admin;

/// <summary>
/// The operator's view of the delivery streams, behind the same API keys as the queue admin:
/// <list type="bullet">
/// <item><c>GET /v1/delivery-streams</c> → <c>{"deliveryStreams":[…]}</c>, each with its settings and counters</item>
/// <item><c>GET /v1/delivery-streams/{name}</c> → one of them; 404 when there is none</item>
/// <item><c>POST /v1/delivery-streams/{name}/flush</c> → delivers what is buffered now, whatever the hints, and answers
/// <c>{"name","bucket","files":[keys]}</c> once the files are stored</item>
/// </list>
/// </summary>
public static class DeliveryStreamAdminEndpoints
{
    /// <summary>Maps the endpoints under <c>/v1/delivery-streams</c> over <paramref name="streams"/>.</summary>
    public static IEndpointRouteBuilder MapDeliveryStreamAdmin(this IEndpointRouteBuilder endpoints, DeliveryStreamStore streams, GatewayOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(streams);
        var group = endpoints.MapGroup("/v1/delivery-streams").RequireApiKey(options).WithParameterProblems();

        group.MapGet("/", () => TypedResults.Json(
            new DeliveryStreamList([.. streams.List().Select(Describe)]), DeliveryStreamAdminJsonContext.Default.DeliveryStreamList));

        group.MapGet("/{name}", (string name) => streams.TryGet(name, out var stream)
            ? TypedResults.Json(Describe(stream), DeliveryStreamAdminJsonContext.Default.DeliveryStreamView)
            : Unknown(name));

        group.MapPost("/{name}/flush", async (string name, HttpContext context) =>
        {
            if (!streams.TryGet(name, out var stream))
            {
                return Unknown(name);
            }

            var files = await stream.FlushAsync(context.RequestAborted).ConfigureAwait(false);
            return TypedResults.Json(new FlushResult(name, stream.Definition.Bucket, files), DeliveryStreamAdminJsonContext.Default.FlushResult);
        });
        return endpoints;
    }

    private static IResult Unknown(string name) =>
        Problem(StatusCodes.Status404NotFound, "Unknown delivery stream", $"There is no delivery stream named '{name}'.");

    private static DeliveryStreamView Describe(DeliveryStream stream)
    {
        var d = stream.Definition;
        var s = stream.Statistics;
        return new DeliveryStreamView(
            d.Name,
            d.Bucket,
            d.Prefix,
            d.ErrorOutputPrefix,
            d.BufferSizeBytes,
            (long)d.BufferInterval.TotalSeconds,
            d.Compression == DeliveryCompression.Gzip ? "GZIP" : "UNCOMPRESSED",
            d.AppendNewline,
            d.PartitionQueries,
            d.Version,
            d.Transform?.Function,
            d.Conversion is { } c ? string.Join(", ", c.Columns.Select(k => k.Name + " " + ParquetColumn.TypeName(k.Type))) : null,
            d.HttpEndpoint?.Url.ToString(),
            d.SqlTable is { } t ? t.Database + "." + t.Table : null,
            s.IncomingRecords,
            s.IncomingBytes,
            s.BufferedRecords,
            s.BufferedBytes,
            s.ActivePartitions,
            s.FilesWritten,
            s.BytesWritten,
            s.RecordsDelivered,
            s.RecordsFailed,
            s.DeliveryFailures,
            s.LastDeliveryLatency?.TotalSeconds);
    }
}
