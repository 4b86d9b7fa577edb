using System.Net;
using System.Security.Cryptography;
using Amazon.S3;
using Amazon.S3.Model;
using Amazon.S3.Util;
using Spillway.Objects.Events;
using Spillway.Objects.Lifecycle;
using StoreRule = Spillway.Objects.Lifecycle.LifecycleRule;

namespace Spillway.Objects.S3;

/// <summary>
/// The object store over an S3-compatible service, so several nodes see one store. A put's content is first written to
/// a local temporary file (S3 needs the length before the body, and a failed writer must store nothing), then sent in
/// one PutObject, which S3 makes durable and visible whole. Multipart uploads map to S3's own. Lifecycle rules are
/// handed to the service (PutBucketLifecycleConfiguration, transitions to GLACIER_IR), which applies them itself, so
/// <see cref="ApplyLifecycleAsync"/> does nothing here.
/// </summary>
public sealed class S3ObjectStore(IAmazonS3 client) : IObjectStore
{
    private const string ArchiveClass = "GLACIER_IR";

    /// <inheritdoc />
    public async Task CreateBucketAsync(string bucket, CancellationToken cancellationToken = default)
    {
        ObjectNames.CheckBucket(bucket);

        // S3 in us-east-1 answers 200 to a second CreateBucket by the same owner; the store's contract refuses it.
        if (await BucketExistsAsync(bucket, cancellationToken).ConfigureAwait(false))
        {
            throw new ObjectStoreException(ObjectError.BucketAlreadyOwnedByYou, "Your previous request to create the named bucket succeeded and you already own it.");
        }

        await Call(() => client.PutBucketAsync(new PutBucketRequest { BucketName = bucket }, cancellationToken)).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task DeleteBucketAsync(string bucket, CancellationToken cancellationToken = default) =>
        Call(() => client.DeleteBucketAsync(bucket, cancellationToken));

    /// <inheritdoc />
    public async Task<IReadOnlyList<BucketInfo>> ListBucketsAsync(CancellationToken cancellationToken = default)
    {
        var response = await Call(() => client.ListBucketsAsync(cancellationToken)).ConfigureAwait(false);
        return [.. (response.Buckets ?? []).Select(b => new BucketInfo(b.BucketName, b.CreationDate ?? DateTime.UnixEpoch)).OrderBy(b => b.Name, StringComparer.Ordinal)];
    }

    /// <inheritdoc />
    public Task<bool> BucketExistsAsync(string bucket, CancellationToken cancellationToken = default) =>
        AmazonS3Util.DoesS3BucketExistV2Async(client, bucket);

    /// <inheritdoc />
    public async Task<ObjectInfo> PutAsync(
        string bucket, string key, Func<Stream, CancellationToken, Task> write, ObjectProperties? properties = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(write);
        ObjectNames.CheckKey(key);
        properties ??= new ObjectProperties();
        await using var staged = await StageAsync(write, cancellationToken).ConfigureAwait(false);
        var request = new PutObjectRequest
        {
            BucketName = bucket, Key = key, InputStream = staged.File, ContentType = properties.ContentType, AutoCloseStream = false,
            MD5Digest = Convert.ToBase64String(staged.Md5), UseChunkEncoding = false,
        };
        foreach (var (name, value) in properties.UserMetadata)
        {
            request.Metadata[name] = value;
        }

        await Call(() => client.PutObjectAsync(request, cancellationToken)).ConfigureAwait(false);
        return await HeadAsync(bucket, key, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException("An object the service stored is not there.");
    }

    /// <inheritdoc />
    public async Task<ObjectInfo?> HeadAsync(string bucket, string key, CancellationToken cancellationToken = default)
    {
        try
        {
            var head = await client.GetObjectMetadataAsync(bucket, key, cancellationToken).ConfigureAwait(false);
            return Describe(key, head.ContentLength, head.ETag, head.LastModified, head.Headers.ContentType, head.Metadata, head.StorageClass);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return await BucketExistsAsync(bucket, cancellationToken).ConfigureAwait(false) ? null : throw NoSuchBucket();
        }
    }

    /// <inheritdoc />
    public async Task<StoredObject?> OpenReadAsync(string bucket, string key, CancellationToken cancellationToken = default)
    {
        GetObjectResponse response;
        try
        {
            response = await Call(() => client.GetObjectAsync(bucket, key, cancellationToken)).ConfigureAwait(false);
        }
        catch (ObjectStoreException e) when (e.Error == ObjectError.NoSuchKey)
        {
            return null;
        }

        var info = Describe(key, response.ContentLength, response.ETag, response.LastModified, response.Headers.ContentType, response.Metadata, response.StorageClass);
        return new StoredObject(info, new OwningStream(response));
    }

    /// <inheritdoc />
    public async Task<bool> DeleteAsync(string bucket, string key, CancellationToken cancellationToken = default)
    {
        // S3 answers a delete alike whether or not the key existed; the store's contract says which.
        if (await HeadAsync(bucket, key, cancellationToken).ConfigureAwait(false) is null)
        {
            return false;
        }

        await Call(() => client.DeleteObjectAsync(bucket, key, cancellationToken)).ConfigureAwait(false);
        return true;
    }

    /// <inheritdoc />
    public async Task<ObjectListing> ListAsync(string bucket, ListRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var response = await Call(() => client.ListObjectsV2Async(
            new ListObjectsV2Request
            {
                BucketName = bucket, Prefix = request.Prefix, Delimiter = request.Delimiter, StartAfter = request.StartAfter, MaxKeys = request.MaxKeys,
            },
            cancellationToken)).ConfigureAwait(false);
        var objects = (response.S3Objects ?? []).Select(o => new ObjectInfo
        {
            Key = o.Key, Size = o.Size ?? 0, ETag = o.ETag.Trim('"'), LastModified = o.LastModified ?? DateTime.UnixEpoch,
            Tier = o.StorageClass?.Value == ArchiveClass ? StorageTier.Archive : StorageTier.Standard,
        }).ToList();
        var prefixes = response.CommonPrefixes ?? [];
        var last = objects.Select(o => o.Key).Concat(prefixes).Max(ObjectNames.KeyOrder);
        return new ObjectListing(objects, prefixes, response.IsTruncated == true ? last : null);
    }

    /// <inheritdoc />
    public async Task<string> StartUploadAsync(string bucket, string key, ObjectProperties? properties = null, CancellationToken cancellationToken = default)
    {
        ObjectNames.CheckKey(key);
        properties ??= new ObjectProperties();
        var request = new InitiateMultipartUploadRequest { BucketName = bucket, Key = key, ContentType = properties.ContentType };
        foreach (var (name, value) in properties.UserMetadata)
        {
            request.Metadata[name] = value;
        }

        return (await Call(() => client.InitiateMultipartUploadAsync(request, cancellationToken)).ConfigureAwait(false)).UploadId;
    }

    /// <inheritdoc />
    public async Task<PartInfo> PutPartAsync(
        string bucket, string key, string uploadId, int partNumber, Func<Stream, CancellationToken, Task> write,
        CancellationToken cancellationToken = default)
    {
        await using var staged = await StageAsync(write, cancellationToken).ConfigureAwait(false);
        var response = await Call(() => client.UploadPartAsync(
            new UploadPartRequest
            {
                BucketName = bucket, Key = key, UploadId = uploadId, PartNumber = partNumber, InputStream = staged.File,
                MD5Digest = Convert.ToBase64String(staged.Md5), UseChunkEncoding = false,
            },
            cancellationToken)).ConfigureAwait(false);
        return new PartInfo(partNumber, response.ETag.Trim('"'), staged.File.Length);
    }

    /// <inheritdoc />
    public async Task<ObjectInfo> CompleteUploadAsync(
        string bucket, string key, string uploadId, IReadOnlyList<PartReference> parts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parts);
        await Call(() => client.CompleteMultipartUploadAsync(
            new CompleteMultipartUploadRequest
            {
                BucketName = bucket, Key = key, UploadId = uploadId,
                PartETags = [.. parts.Select(p => new PartETag(p.PartNumber, "\"" + p.ETag.Trim('"') + "\""))],
            },
            cancellationToken)).ConfigureAwait(false);
        return await HeadAsync(bucket, key, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException("An object the service completed is not there.");
    }

    /// <inheritdoc />
    public Task AbortUploadAsync(string bucket, string key, string uploadId, CancellationToken cancellationToken = default) =>
        Call(() => client.AbortMultipartUploadAsync(bucket, key, uploadId, cancellationToken));

    /// <inheritdoc />
    public async Task<IReadOnlyList<StoreRule>> GetLifecycleAsync(string bucket, CancellationToken cancellationToken = default)
    {
        try
        {
            var response = await client.GetLifecycleConfigurationAsync(bucket, cancellationToken).ConfigureAwait(false);
            return [.. (response.Configuration?.Rules ?? []).Select(r => new StoreRule
            {
                Id = r.Id,
                Prefix = (r.Filter?.LifecycleFilterPredicate as LifecyclePrefixPredicate)?.Prefix ?? string.Empty,
                Enabled = r.Status == LifecycleRuleStatus.Enabled,
                ArchiveAfterDays = r.Transitions?.FirstOrDefault()?.Days,
                ExpireAfterDays = r.Expiration?.Days,
            })];
        }
        catch (AmazonS3Exception e) when (e.ErrorCode == "NoSuchLifecycleConfiguration")
        {
            return [];
        }
    }

    /// <inheritdoc />
    public async Task PutLifecycleAsync(string bucket, IReadOnlyList<StoreRule> rules, CancellationToken cancellationToken = default)
    {
        StoreRule.Check(rules);
        if (rules.Count == 0)
        {
            await Call(() => client.DeleteLifecycleConfigurationAsync(bucket, cancellationToken)).ConfigureAwait(false);
            return;
        }

        await Call(() => client.PutLifecycleConfigurationAsync(
            new PutLifecycleConfigurationRequest
            {
                BucketName = bucket,
                Configuration = new LifecycleConfiguration
                {
                    Rules = [.. rules.Select(r => new Amazon.S3.Model.LifecycleRule
                    {
                        Id = r.Id,
                        Status = r.Enabled ? LifecycleRuleStatus.Enabled : LifecycleRuleStatus.Disabled,
                        Filter = new LifecycleFilter { LifecycleFilterPredicate = new LifecyclePrefixPredicate { Prefix = r.Prefix } },
                        Transitions = r.ArchiveAfterDays is { } archive ? [new LifecycleTransition { Days = archive, StorageClass = ArchiveClass }] : null,
                        Expiration = r.ExpireAfterDays is { } expire ? new LifecycleRuleExpiration { Days = expire } : null,
                    })],
                },
            },
            cancellationToken)).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<ObjectEventRule>> GetNotificationsAsync(string bucket, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<ObjectEventRule>>([]);

    /// <summary>Refused: a bucket on an S3 service raises its events through the service's own notifications, which
    /// reach the service's queues, topics and functions; Spillway's would be raised only for the writes one node makes.</summary>
    public Task PutNotificationsAsync(string bucket, IReadOnlyList<ObjectEventRule> rules, CancellationToken cancellationToken = default) =>
        throw new ObjectStoreException(
            ObjectError.NotImplemented,
            "Event notifications of a bucket kept on an S3 service are the service's own; configure them there.");

    /// <inheritdoc />
    public Task<LifecycleOutcome> ApplyLifecycleAsync(CancellationToken cancellationToken = default) => Task.FromResult(new LifecycleOutcome(0, 0));

    private static ObjectInfo Describe(
        string key, long size, string etag, DateTime? lastModified, string? contentType, MetadataCollection metadata, S3StorageClass? storageClass) => new()
    {
        Key = key,
        Size = size,
        ETag = etag.Trim('"'),
        LastModified = lastModified is { } at ? new DateTimeOffset(at.ToUniversalTime(), TimeSpan.Zero) : DateTimeOffset.UnixEpoch,
        ContentType = string.IsNullOrEmpty(contentType) ? ObjectInfo.DefaultContentType : contentType,
        UserMetadata = metadata.Keys.ToDictionary(
            k => k.StartsWith("x-amz-meta-", StringComparison.OrdinalIgnoreCase) ? k["x-amz-meta-".Length..].ToLowerInvariant() : k.ToLowerInvariant(),
            k => metadata[k],
            StringComparer.Ordinal),
        Tier = storageClass?.Value == ArchiveClass ? StorageTier.Archive : StorageTier.Standard,
    };

    /// <summary>Runs <paramref name="write"/> into a temporary file that deletes itself, hashing what it writes.</summary>
    private static async Task<Staged> StageAsync(Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        var file = new FileStream(
            Path.Combine(Path.GetTempPath(), "spillway-s3-" + Guid.NewGuid().ToString("N")), FileMode.CreateNew, FileAccess.ReadWrite,
            FileShare.None, 1 << 20, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        try
        {
            await write(file, cancellationToken).ConfigureAwait(false);
            await file.FlushAsync(cancellationToken).ConfigureAwait(false);
            file.Position = 0;
            var md5 = await MD5.HashDataAsync(file, cancellationToken).ConfigureAwait(false);
            file.Position = 0;
            return new Staged(file, md5);
        }
        catch
        {
            await file.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static async Task<T> Call<T>(Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (AmazonS3Exception e) when (Enum.TryParse<ObjectError>(e.ErrorCode, out var error))
        {
            throw new ObjectStoreException(error, e.Message);
        }
        catch (AmazonS3Exception e) when (e.ErrorCode == "BucketAlreadyExists")
        {
            throw new ObjectStoreException(ObjectError.BucketAlreadyOwnedByYou, e.Message);
        }
    }

    private static ObjectStoreException NoSuchBucket() => new(ObjectError.NoSuchBucket, "The specified bucket does not exist.");

    private sealed record Staged(FileStream File, byte[] Md5) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => File.DisposeAsync();
    }

    /// <summary>A GetObject answer's body that disposes the answer with it.</summary>
    private sealed class OwningStream(GetObjectResponse response) : Stream
    {
        private readonly Stream inner = response.ResponseStream;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => response.ContentLength;

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            inner.ReadAsync(buffer, offset, count, cancellationToken);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                response.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
