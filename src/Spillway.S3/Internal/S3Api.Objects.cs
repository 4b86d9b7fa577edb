using System.Globalization;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using Spillway.Aws.Signing;
using Spillway.Objects;

namespace Spillway.S3.Internal;

/// <summary>Object operations: puts (signed, unsigned and aws-chunked bodies), multipart uploads, reads with ranges, deletes.</summary>
internal sealed partial class S3Api
{
    private const string MetaPrefix = "x-amz-meta-";

    private async Task PutObjectAsync(HttpContext context, string bucket, string key, ChunkSigning? chunks)
    {
        var info = await store.PutAsync(
            bucket, key, (output, ct) => ReadBodyAsync(context, output, chunks, ct), PropertiesOf(context.Request), context.RequestAborted)
            .ConfigureAwait(false);
        context.Response.Headers.ETag = Quote(info.ETag);
    }

    private async Task UploadPartAsync(HttpContext context, string bucket, string key, ChunkSigning? chunks)
    {
        if (!int.TryParse(context.Request.Query["partNumber"], NumberStyles.None, CultureInfo.InvariantCulture, out var partNumber))
        {
            throw S3Exception.InvalidArgument("Part number must be an integer between 1 and 10000, inclusive.");
        }

        var part = await store.PutPartAsync(
            bucket, key, context.Request.Query["uploadId"]!, partNumber, (output, ct) => ReadBodyAsync(context, output, chunks, ct),
            context.RequestAborted).ConfigureAwait(false);
        context.Response.Headers.ETag = Quote(part.ETag);
    }

    private async Task CreateUploadAsync(HttpContext context, string bucket, string key)
    {
        var uploadId = await store.StartUploadAsync(bucket, key, PropertiesOf(context.Request), context.RequestAborted).ConfigureAwait(false);
        await WriteXmlAsync(context, S3Xml.Element(
            "InitiateMultipartUploadResult", S3Xml.Element("Bucket", bucket), S3Xml.Element("Key", key), S3Xml.Element("UploadId", uploadId)))
            .ConfigureAwait(false);
    }

    private async Task CompleteUploadAsync(HttpContext context, string bucket, string key)
    {
        var document = await S3Xml.ReadAsync(context.Request.Body, context.RequestAborted).ConfigureAwait(false);
        if (document.Name.LocalName != "CompleteMultipartUpload")
        {
            throw S3Exception.MalformedXml();
        }

        var parts = document.Children("Part").Select(p => new PartReference(
            int.TryParse(p.Child("PartNumber"), NumberStyles.None, CultureInfo.InvariantCulture, out var number) ? number : throw S3Exception.MalformedXml(),
            p.Child("ETag") ?? throw S3Exception.MalformedXml())).ToList();
        var info = await store.CompleteUploadAsync(bucket, key, context.Request.Query["uploadId"]!, parts, context.RequestAborted)
            .ConfigureAwait(false);
        await WriteXmlAsync(context, S3Xml.Element(
            "CompleteMultipartUploadResult",
            S3Xml.Element("Location", $"/{bucket}/{Uri.EscapeDataString(key)}"),
            S3Xml.Element("Bucket", bucket),
            S3Xml.Element("Key", key),
            S3Xml.Element("ETag", Quote(info.ETag)))).ConfigureAwait(false);
    }

    private async Task AbortUploadAsync(HttpContext context, string bucket, string key)
    {
        await store.AbortUploadAsync(bucket, key, context.Request.Query["uploadId"]!, context.RequestAborted).ConfigureAwait(false);
        context.Response.StatusCode = 204;
    }

    private async Task DeleteObjectAsync(HttpContext context, string bucket, string key)
    {
        // S3 answers 204 whether or not the key existed.
        await store.DeleteAsync(bucket, key, context.RequestAborted).ConfigureAwait(false);
        context.Response.StatusCode = 204;
    }

    private async Task DeleteObjectsAsync(HttpContext context, string bucket)
    {
        var document = await S3Xml.ReadAsync(context.Request.Body, context.RequestAborted).ConfigureAwait(false);
        var keys = document.Name.LocalName == "Delete" ? document.Children("Object").Select(o => o.Child("Key")).ToList() : null;
        if (keys is null || keys.Count is 0 or > 1000 || keys.Any(k => k is null))
        {
            throw S3Exception.MalformedXml();
        }

        var quiet = document.Child("Quiet") == "true";
        var result = S3Xml.Element("DeleteResult");
        foreach (var key in keys)
        {
            await store.DeleteAsync(bucket, key!, context.RequestAborted).ConfigureAwait(false);
            if (!quiet)
            {
                result.Add(S3Xml.Element("Deleted", S3Xml.Element("Key", key)));
            }
        }

        await WriteXmlAsync(context, result).ConfigureAwait(false);
    }

    private async Task GetObjectAsync(HttpContext context, string bucket, string key, bool head)
    {
        var found = await store.OpenReadAsync(bucket, key, context.RequestAborted).ConfigureAwait(false)
            ?? throw new S3Exception("NoSuchKey", 404, "The specified key does not exist.");
        await using (found.ConfigureAwait(false))
        {
            var info = found.Info;
            var response = context.Response;
            response.ContentType = info.ContentType;
            response.Headers.ETag = Quote(info.ETag);
            response.Headers.LastModified = info.LastModified.ToString("R", CultureInfo.InvariantCulture);
            response.Headers.AcceptRanges = "bytes";
            if (info.Tier != StorageTier.Standard)
            {
                response.Headers["x-amz-storage-class"] = info.StorageClass;
            }

            foreach (var (name, value) in info.UserMetadata)
            {
                response.Headers[MetaPrefix + name] = value;
            }

            var (start, length) = (0L, info.Size);
            if (Range(context.Request, info.Size) is { } range)
            {
                (start, length) = range;
                response.StatusCode = 206;
                response.Headers.ContentRange = $"bytes {start}-{start + length - 1}/{info.Size}";
            }

            response.ContentLength = length;
            if (head)
            {
                return;
            }

            var content = found.Content;
            if (content.CanSeek)
            {
                content.Position = start;
            }
            else
            {
                await SkipAsync(content, start, context.RequestAborted).ConfigureAwait(false);
            }

            await CopyAsync(content, response.Body, length, context.RequestAborted).ConfigureAwait(false);
        }
    }

    /// <summary>The one byte range asked for (<c>bytes=a-b</c>, <c>a-</c>, <c>-n</c>); null for the whole object, and for a
    /// header S3 ignores (several ranges, another unit); InvalidRange when it starts past the end.</summary>
    private static (long Start, long Length)? Range(HttpRequest request, long size)
    {
        if (!RangeHeaderValue.TryParse(request.Headers.Range.ToString(), out var header) || header.Unit != "bytes" || header.Ranges.Count != 1)
        {
            return null;
        }

        var range = header.Ranges.First();
        long start, end;
        if (range.From is null)
        {
            var suffix = range.To ?? 0;
            if (suffix == 0)
            {
                throw InvalidRange(size);
            }

            start = Math.Max(0, size - suffix);
            end = size - 1;
        }
        else
        {
            start = range.From.Value;
            end = Math.Min(range.To ?? size - 1, size - 1);
        }

        return start >= size || end < start ? throw InvalidRange(size) : (start, end - start + 1);
    }

    private static S3Exception InvalidRange(long size) => new("InvalidRange", 416, $"The requested range is not satisfiable (the object has {size} bytes).");

    private static ObjectProperties PropertiesOf(HttpRequest request)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, values) in request.Headers)
        {
            if (name.StartsWith(MetaPrefix, StringComparison.OrdinalIgnoreCase) && name.Length > MetaPrefix.Length)
            {
                metadata[name[MetaPrefix.Length..].ToLowerInvariant()] = values.ToString();
            }
        }

        return new ObjectProperties
        {
            ContentType = string.IsNullOrEmpty(request.ContentType) ? ObjectInfo.DefaultContentType : request.ContentType,
            UserMetadata = metadata,
        };
    }

    /// <summary>
    /// Copies the request body into the store's file, checking it against what the client declared: an aws-chunked
    /// body chunk by chunk, a signed payload's SHA-256, a Content-MD5, the length. A mismatch throws, and the store then
    /// keeps nothing of it.
    /// </summary>
    private async Task ReadBodyAsync(HttpContext context, Stream output, ChunkSigning? chunks, CancellationToken cancellationToken)
    {
        var request = context.Request;
        var declared = request.Headers["x-amz-content-sha256"].ToString();
        var md5 = request.Headers.ContentMD5.ToString();
        using var checking = new CheckingStream(output, settings.MaxUploadBytes, declared.Length == 64, md5.Length > 0);
        if (declared.StartsWith("STREAMING-", StringComparison.Ordinal))
        {
            var signed = declared.StartsWith("STREAMING-AWS4-HMAC-SHA256-PAYLOAD", StringComparison.Ordinal);
            await AwsChunked.DecodeAsync(request.Body, checking, signed ? chunks : null, cancellationToken).ConfigureAwait(false);
            if (long.TryParse(request.Headers["x-amz-decoded-content-length"], NumberStyles.None, CultureInfo.InvariantCulture, out var decoded)
                && decoded != checking.Length)
            {
                throw new S3Exception("IncompleteBody", 400, "You did not provide the number of bytes specified by the x-amz-decoded-content-length header.");
            }
        }
        else
        {
            await request.Body.CopyToAsync(checking, 1 << 20, cancellationToken).ConfigureAwait(false);
            if (declared.Length == 64 && !declared.Equals(checking.Sha256(), StringComparison.OrdinalIgnoreCase))
            {
                throw new S3Exception("XAmzContentSHA256Mismatch", 400, "The provided 'x-amz-content-sha256' header does not match what was computed.");
            }
        }

        if (md5.Length > 0 && md5 != checking.Md5())
        {
            throw new S3Exception("BadDigest", 400, "The Content-MD5 you specified did not match what we received.");
        }
    }

    private static async Task SkipAsync(Stream content, long count, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        while (count > 0)
        {
            var read = await content.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, count)), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                throw new InvalidDataException("An object is shorter than its metadata says.");
            }

            count -= read;
        }
    }

    private static async Task CopyAsync(Stream content, Stream body, long count, CancellationToken cancellationToken)
    {
        var buffer = new byte[Math.Min(1 << 20, Math.Max(1, count))];
        while (count > 0)
        {
            var read = await content.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, count)), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                throw new InvalidDataException("An object is shorter than its metadata says.");
            }

            await body.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            count -= read;
        }
    }

    /// <summary>Passes an upload's bytes on while counting them against the limit and hashing them as the client's
    /// declarations need.</summary>
    private sealed class CheckingStream(Stream inner, long maxBytes, bool sha256, bool md5) : Stream
    {
        private readonly IncrementalHash? sha = sha256 ? IncrementalHash.CreateHash(HashAlgorithmName.SHA256) : null;
        private readonly IncrementalHash? digest = md5 ? IncrementalHash.CreateHash(HashAlgorithmName.MD5) : null;
        private long length;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => length;

        public override long Position { get => length; set => throw new NotSupportedException(); }

        public string Sha256() => Convert.ToHexStringLower(sha!.GetHashAndReset());

        public string Md5() => Convert.ToBase64String(digest!.GetHashAndReset());

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            length += buffer.Length;
            if (length > maxBytes)
            {
                throw new S3Exception("EntityTooLarge", 400, $"Your proposed upload exceeds the maximum allowed size of {maxBytes} bytes.");
            }

            sha?.AppendData(buffer.Span);
            digest?.AppendData(buffer.Span);
            await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                sha?.Dispose();
                digest?.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
