using System.Globalization;
using System.Xml.Linq;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Spillway.Aws.Signing;
using Spillway.Objects;
using Spillway.Objects.Lifecycle;

namespace Spillway.S3.Internal;

/// <summary>
/// The S3 REST API over an <see cref="IObjectStore"/>: authenticates a request before its body is read, picks the
/// operation by method, address and sub-resource, and answers with S3's XML and headers, or its XML error. Nothing
/// escapes as a 500: a store refusal is its S3 error, a fault of the server is logged and answered ServiceUnavailable.
/// </summary>
internal sealed partial class S3Api(IObjectStore store, S3ApiSettings settings, ILogger logger)
{
    // Sub-resources S3 has that this API does not serve: answered NotImplemented rather than mistaken for another call.
    private static readonly HashSet<string> Unsupported = new(StringComparer.Ordinal)
    {
        "acl", "policy", "tagging", "versioning", "cors", "website", "encryption", "logging", "replication",
        "versions", "object-lock", "ownershipControls", "publicAccessBlock", "accelerate", "requestPayment", "analytics",
        "inventory", "metrics", "intelligent-tiering", "retention", "legal-hold", "torrent", "restore", "select", "attributes",
    };

    private readonly RestRequestVerifier? verifier = settings.Credentials.IsEmpty
        ? null
        : new RestRequestVerifier(settings.Credentials, settings.TimeProvider, "s3");

    public async Task HandleAsync(HttpContext context, S3Address address)
    {
        var requestId = Guid.NewGuid().ToString("N")[..16].ToUpperInvariant();
        context.Response.Headers["x-amz-request-id"] = requestId;
        try
        {
            ChunkSigning? chunks = null;
            if (verifier is not null)
            {
                var verification = verifier.Verify(context.Request);
                if (!verification.Succeeded)
                {
                    throw S3Exception.Signature(verification.ErrorCode!, verification.Message!);
                }

                chunks = verification.Chunks;
            }

            if (settings.RefusalReason is { } reason)
            {
                throw new S3Exception("AccessDenied", 403, reason);
            }

            // S3 bounds an upload itself (MaxUploadBytes), far above the listener's default request limit.
            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            {
                limit.MaxRequestBodySize = null;
            }

            await DispatchAsync(context, address, chunks).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away: nobody to answer.
        }
        catch (Exception e)
        {
            var error = e switch
            {
                S3Exception s3 => s3,
                ObjectStoreException refused => S3Exception.From(refused),
                BadHttpRequestException bad => new S3Exception("IncompleteBody", 400, "The request body could not be read: " + bad.Message),
                _ => null,
            };
            if (error is null)
            {
                LogMessages.UnexpectedFailure(logger, context.Request.Method, e);
                error = new S3Exception("ServiceUnavailable", 503, "The request could not be completed; see the server log.");
            }

            if (!context.Response.HasStarted)
            {
                await WriteErrorAsync(context, error, address, requestId).ConfigureAwait(false);
            }
        }
    }

    private Task DispatchAsync(HttpContext context, S3Address address, ChunkSigning? chunks)
    {
        var request = context.Request;
        var query = request.Query;
        if (query.Keys.FirstOrDefault(Unsupported.Contains) is { } subresource)
        {
            throw S3Exception.NotImplemented($"The '{subresource}' sub-resource");
        }

        var method = request.Method;
        if (address.Bucket is null)
        {
            return method == HttpMethods.Get ? ListBucketsAsync(context) : throw MethodNotAllowed();
        }

        var bucket = address.Bucket;
        if (address.Key is null)
        {
            return method switch
            {
                _ when method == HttpMethods.Get && query.ContainsKey("location") => WriteXmlAsync(context, S3Xml.Element("LocationConstraint")),
                _ when method == HttpMethods.Get && query.ContainsKey("lifecycle") => GetLifecycleAsync(context, bucket),
                _ when method == HttpMethods.Put && query.ContainsKey("lifecycle") => PutLifecycleAsync(context, bucket),
                _ when method == HttpMethods.Delete && query.ContainsKey("lifecycle") => DeleteLifecycleAsync(context, bucket),
                _ when method == HttpMethods.Get && query.ContainsKey("notification") => GetNotificationsAsync(context, bucket),
                _ when method == HttpMethods.Put && query.ContainsKey("notification") => PutNotificationsAsync(context, bucket),
                _ when query.ContainsKey("uploads") => throw S3Exception.NotImplemented("ListMultipartUploads"),
                _ when method == HttpMethods.Get => ListObjectsAsync(context, bucket),
                _ when method == HttpMethods.Head => HeadBucketAsync(context, bucket),
                _ when method == HttpMethods.Put => CreateBucketAsync(context, bucket),
                _ when method == HttpMethods.Delete => DeleteBucketAsync(context, bucket),
                _ when method == HttpMethods.Post && query.ContainsKey("delete") => DeleteObjectsAsync(context, bucket),
                _ => throw MethodNotAllowed(),
            };
        }

        var key = address.Key;
        return method switch
        {
            _ when method == HttpMethods.Put && query.ContainsKey("uploadId") => UploadPartAsync(context, bucket, key, chunks),
            _ when method == HttpMethods.Put && request.Headers.ContainsKey("x-amz-copy-source") => throw S3Exception.NotImplemented("CopyObject"),
            _ when method == HttpMethods.Put => PutObjectAsync(context, bucket, key, chunks),
            _ when method == HttpMethods.Post && query.ContainsKey("uploads") => CreateUploadAsync(context, bucket, key),
            _ when method == HttpMethods.Post && query.ContainsKey("uploadId") => CompleteUploadAsync(context, bucket, key),
            _ when method == HttpMethods.Delete && query.ContainsKey("uploadId") => AbortUploadAsync(context, bucket, key),
            _ when method == HttpMethods.Get && query.ContainsKey("uploadId") => throw S3Exception.NotImplemented("ListParts"),
            _ when method == HttpMethods.Get => GetObjectAsync(context, bucket, key, head: false),
            _ when method == HttpMethods.Head => GetObjectAsync(context, bucket, key, head: true),
            _ when method == HttpMethods.Delete => DeleteObjectAsync(context, bucket, key),
            _ => throw MethodNotAllowed(),
        };
    }

    private async Task ListBucketsAsync(HttpContext context)
    {
        var buckets = await store.ListBucketsAsync(context.RequestAborted).ConfigureAwait(false);
        await WriteXmlAsync(context, S3Xml.Element(
            "ListAllMyBucketsResult",
            S3Xml.Element("Owner", S3Xml.Element("ID", Owner), S3Xml.Element("DisplayName", "spillway")),
            S3Xml.Element("Buckets", buckets.Select(b => S3Xml.Element(
                "Bucket", S3Xml.Element("Name", b.Name), S3Xml.Element("CreationDate", S3Xml.Time(b.CreationDate))))))).ConfigureAwait(false);
    }

    private async Task CreateBucketAsync(HttpContext context, string bucket)
    {
        await store.CreateBucketAsync(bucket, context.RequestAborted).ConfigureAwait(false);
        context.Response.Headers.Location = "/" + bucket;
    }

    private async Task DeleteBucketAsync(HttpContext context, string bucket)
    {
        await store.DeleteBucketAsync(bucket, context.RequestAborted).ConfigureAwait(false);
        context.Response.StatusCode = 204;
    }

    private async Task HeadBucketAsync(HttpContext context, string bucket)
    {
        if (!await store.BucketExistsAsync(bucket, context.RequestAborted).ConfigureAwait(false))
        {
            throw S3Exception.From(new ObjectStoreException(ObjectError.NoSuchBucket, "The specified bucket does not exist."));
        }

        context.Response.Headers["x-amz-bucket-region"] = "us-east-1";
    }

    /// <summary>ListObjectsV2 (<c>list-type=2</c>) and the original ListObjects, over one page of the store's listing.</summary>
    private async Task ListObjectsAsync(HttpContext context, string bucket)
    {
        var query = context.Request.Query;
        var v2 = query["list-type"] == "2";
        var maxKeys = 1000;
        if (query["max-keys"] is { Count: > 0 } max && (!int.TryParse(max, NumberStyles.None, CultureInfo.InvariantCulture, out maxKeys) || maxKeys < 0))
        {
            throw S3Exception.InvalidArgument("Provided max-keys not an integer or within integer range");
        }

        maxKeys = Math.Min(maxKeys, 1000);
        var encodingType = query["encoding-type"].ToString();
        if (encodingType.Length > 0 && encodingType != "url")
        {
            throw S3Exception.InvalidArgument("Invalid Encoding Method specified in Request");
        }

        var prefix = query["prefix"].ToString();
        var delimiter = query["delimiter"].ToString();
        var token = query["continuation-token"].ToString();
        var startAfter = v2 ? query["start-after"].ToString() : query["marker"].ToString();
        string? from = startAfter.Length > 0 ? startAfter : null;
        if (v2 && token.Length > 0)
        {
            from = ContinuationToken.Read(token);
        }

        var listing = await store.ListAsync(
            bucket,
            new ListRequest { Prefix = prefix, Delimiter = delimiter.Length > 0 ? delimiter : null, StartAfter = from, MaxKeys = maxKeys },
            context.RequestAborted).ConfigureAwait(false);
        var url = encodingType == "url";
        string Encode(string value) => url ? Uri.EscapeDataString(value).Replace("%2F", "/", StringComparison.Ordinal) : value;
        var result = S3Xml.Element(
            "ListBucketResult",
            S3Xml.Element("Name", bucket),
            S3Xml.Element("Prefix", Encode(prefix)),
            delimiter.Length > 0 ? S3Xml.Element("Delimiter", Encode(delimiter)) : null,
            S3Xml.Element("MaxKeys", maxKeys),
            url ? S3Xml.Element("EncodingType", "url") : null,
            S3Xml.Element("IsTruncated", listing.IsTruncated ? "true" : "false"));
        if (v2)
        {
            result.Add(
                S3Xml.Element("KeyCount", listing.Objects.Count + listing.CommonPrefixes.Count),
                token.Length > 0 ? S3Xml.Element("ContinuationToken", token) : null,
                listing.NextStartAfter is { } next ? S3Xml.Element("NextContinuationToken", ContinuationToken.Write(next)) : null,
                startAfter.Length > 0 ? S3Xml.Element("StartAfter", Encode(startAfter)) : null);
        }
        else
        {
            result.Add(
                S3Xml.Element("Marker", Encode(startAfter)),
                listing.NextStartAfter is { } next && delimiter.Length > 0 ? S3Xml.Element("NextMarker", Encode(next)) : null);
        }

        result.Add(listing.Objects.Select(o => S3Xml.Element(
            "Contents",
            S3Xml.Element("Key", Encode(o.Key)),
            S3Xml.Element("LastModified", S3Xml.Time(o.LastModified)),
            S3Xml.Element("ETag", Quote(o.ETag)),
            S3Xml.Element("Size", o.Size),
            S3Xml.Element("StorageClass", o.StorageClass))));
        result.Add(listing.CommonPrefixes.Select(p => S3Xml.Element("CommonPrefixes", S3Xml.Element("Prefix", Encode(p)))));
        await WriteXmlAsync(context, result).ConfigureAwait(false);
    }

    private async Task GetLifecycleAsync(HttpContext context, string bucket)
    {
        var rules = await store.GetLifecycleAsync(bucket, context.RequestAborted).ConfigureAwait(false);
        if (rules.Count == 0)
        {
            throw new S3Exception("NoSuchLifecycleConfiguration", 404, "The lifecycle configuration does not exist");
        }

        await WriteXmlAsync(context, LifecycleXml.Write(rules)).ConfigureAwait(false);
    }

    private async Task PutLifecycleAsync(HttpContext context, string bucket)
    {
        var document = await S3Xml.ReadAsync(context.Request.Body, context.RequestAborted).ConfigureAwait(false);
        await store.PutLifecycleAsync(bucket, LifecycleXml.Read(document), context.RequestAborted).ConfigureAwait(false);
    }

    private async Task DeleteLifecycleAsync(HttpContext context, string bucket)
    {
        await store.PutLifecycleAsync(bucket, [], context.RequestAborted).ConfigureAwait(false);
        context.Response.StatusCode = 204;
    }

    private async Task GetNotificationsAsync(HttpContext context, string bucket)
    {
        var rules = await store.GetNotificationsAsync(bucket, context.RequestAborted).ConfigureAwait(false);
        await WriteXmlAsync(context, NotificationXml.Write(rules)).ConfigureAwait(false);
    }

    private async Task PutNotificationsAsync(HttpContext context, string bucket)
    {
        var document = await S3Xml.ReadAsync(context.Request.Body, context.RequestAborted).ConfigureAwait(false);
        await store.PutNotificationsAsync(bucket, NotificationXml.Read(document), context.RequestAborted).ConfigureAwait(false);
    }

    private const string Owner = "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a";

    private static S3Exception MethodNotAllowed() => new("MethodNotAllowed", 405, "The specified method is not allowed against this resource.");

    private static string Quote(string etag) => "\"" + etag + "\"";

    private static async Task WriteXmlAsync(HttpContext context, XElement root)
    {
        var bytes = S3Xml.Serialize(root);
        context.Response.ContentType = "application/xml";
        context.Response.ContentLength = bytes.Length;
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted).ConfigureAwait(false);
    }

    private static async Task WriteErrorAsync(HttpContext context, S3Exception error, S3Address address, string requestId)
    {
        var response = context.Response;
        response.StatusCode = error.Status;
        if (context.Request.Method == HttpMethods.Head)
        {
            // A HEAD answer has no body: the status and this header are all a client gets.
            response.Headers["x-amz-error-code"] = error.Code;
            return;
        }

        await WriteXmlAsync(context, new XElement(
            "Error",
            new XElement("Code", error.Code),
            new XElement("Message", error.Message),
            address.Bucket is { } bucket && error.Code is "NoSuchBucket" or "BucketNotEmpty" or "BucketAlreadyOwnedByYou"
                ? new XElement("BucketName", bucket) : null,
            address.Key is { } key && error.Code is "NoSuchKey" ? new XElement("Key", key) : null,
            new XElement("Resource", context.Request.Path.Value),
            new XElement("RequestId", requestId))).ConfigureAwait(false);
    }
}
