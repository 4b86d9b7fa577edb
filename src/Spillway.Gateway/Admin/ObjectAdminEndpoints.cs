using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Spillway.Gateway.Internal;
using Spillway.Objects;
using static Spillway.Gateway.Admin.QueueAdminEndpoints;

namespace Spillway.Gateway.Admin;

/// <summary>
/// The operator's view of the object store, behind the same API keys as the queue admin (what <c>spillway objects</c>
/// calls; S3 clients use the S3 API instead):
/// <list type="bullet">
/// <item><c>GET /v1/objects</c> → <c>{"buckets":[{"name","created"}]}</c></item>
/// <item><c>GET /v1/objects/{bucket}?prefix=&amp;delimiter=&amp;startAfter=&amp;maxKeys=</c> → <c>{"objects":[{"key","size",
/// "etag","lastModified","storageClass","contentType"}],"commonPrefixes":[…],"nextStartAfter"}</c>, one page in key order</item>
/// <item><c>GET /v1/objects/{bucket}/{key}</c> → the object's bytes, with its content type and ETag</item>
/// </list>
/// </summary>
public static class ObjectAdminEndpoints
{
    /// <summary>Maps the endpoints under <c>/v1/objects</c> over <paramref name="store"/>.</summary>
    public static IEndpointRouteBuilder MapObjectAdmin(this IEndpointRouteBuilder endpoints, IObjectStore store, GatewayOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(store);
        var group = endpoints.MapGroup("/v1/objects").RequireApiKey(options).WithParameterProblems();

        group.MapGet("/", async (CancellationToken cancellationToken) =>
        {
            var buckets = await store.ListBucketsAsync(cancellationToken).ConfigureAwait(false);
            return TypedResults.Json(
                new BucketList([.. buckets.Select(b => new BucketView(b.Name, b.CreationDate))]), ObjectAdminJsonContext.Default.BucketList);
        });

        group.MapGet("/{bucket}", (string bucket, string? prefix, string? delimiter, string? startAfter, int? maxKeys, CancellationToken cancellationToken) =>
            AnswerAsync(async () =>
            {
                var page = await store.ListAsync(
                    bucket,
                    new ListRequest { Prefix = prefix ?? string.Empty, Delimiter = delimiter, StartAfter = startAfter, MaxKeys = maxKeys ?? 1000 },
                    cancellationToken).ConfigureAwait(false);
                return TypedResults.Json(
                    new ObjectPage(
                        [.. page.Objects.Select(o => new ObjectView(o.Key, o.Size, o.ETag, o.LastModified, o.StorageClass, o.ContentType))],
                        page.CommonPrefixes,
                        page.NextStartAfter),
                    ObjectAdminJsonContext.Default.ObjectPage);
            }));

        group.MapGet("/{bucket}/{**key}", (string bucket, string key, CancellationToken cancellationToken) => AnswerAsync(async () =>
        {
            var found = await store.OpenReadAsync(bucket, key, cancellationToken).ConfigureAwait(false);
            if (found is null)
            {
                return Problem(StatusCodes.Status404NotFound, "No such object", $"The bucket '{bucket}' holds no object '{key}'.");
            }

            return Results.Stream(
                found.Content,
                found.Info.ContentType,
                lastModified: found.Info.LastModified,
                entityTag: new Microsoft.Net.Http.Headers.EntityTagHeaderValue("\"" + found.Info.ETag + "\""),
                enableRangeProcessing: found.Content.CanSeek);
        }));
        return endpoints;
    }

    private static async Task<IResult> AnswerAsync(Func<Task<IResult>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (ObjectStoreException e) when (e.Error is ObjectError.NoSuchBucket)
        {
            return Problem(StatusCodes.Status404NotFound, "No such bucket", e.Message);
        }
        catch (ObjectStoreException e)
        {
            return Problem(StatusCodes.Status400BadRequest, "Invalid request", e.Message);
        }
    }
}

internal sealed record BucketList(IReadOnlyList<BucketView> Buckets);

internal sealed record BucketView(string Name, DateTimeOffset Created);

internal sealed record ObjectPage(IReadOnlyList<ObjectView> Objects, IReadOnlyList<string> CommonPrefixes, string? NextStartAfter);

internal sealed record ObjectView(string Key, long Size, string ETag, DateTimeOffset LastModified, string StorageClass, string ContentType);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(BucketList))]
[JsonSerializable(typeof(ObjectPage))]
internal sealed partial class ObjectAdminJsonContext : JsonSerializerContext;
