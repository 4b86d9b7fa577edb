using Spillway.Objects.Events;
using Spillway.Objects.Lifecycle;

namespace Spillway.Objects;

/// <summary>
/// Buckets of objects as S3 holds them: whole objects by key, each with its metadata, written once and replaced whole,
/// read with ranges, listed in key order. A put makes its object appear only once it is complete and durable; a failed
/// or interrupted put leaves the previous object (or none) in place. <see cref="Local.LocalObjectStore"/> is the default.
/// Refusals are <see cref="ObjectStoreException"/>s whose <see cref="ObjectError"/> names S3's error.
/// </summary>
public interface IObjectStore
{
    /// <summary>Creates a bucket; <see cref="ObjectError.BucketAlreadyOwnedByYou"/> when it exists.</summary>
    Task CreateBucketAsync(string bucket, CancellationToken cancellationToken = default);

    /// <summary>Deletes an empty bucket; <see cref="ObjectError.NoSuchBucket"/>, <see cref="ObjectError.BucketNotEmpty"/>.</summary>
    Task DeleteBucketAsync(string bucket, CancellationToken cancellationToken = default);

    /// <summary>Every bucket, by name.</summary>
    Task<IReadOnlyList<BucketInfo>> ListBucketsAsync(CancellationToken cancellationToken = default);

    /// <summary>Whether the bucket exists.</summary>
    Task<bool> BucketExistsAsync(string bucket, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores the object whose content <paramref name="write"/> produces, replacing any under the key once it is durable.
    /// An exception from <paramref name="write"/> (a bad digest, a client gone) stores nothing.
    /// </summary>
    Task<ObjectInfo> PutAsync(
        string bucket, string key, Func<Stream, CancellationToken, Task> write, ObjectProperties? properties = null,
        CancellationToken cancellationToken = default);

    /// <summary>The object's metadata; null when there is none (<see cref="ObjectError.NoSuchBucket"/> without the bucket).</summary>
    Task<ObjectInfo?> HeadAsync(string bucket, string key, CancellationToken cancellationToken = default);

    /// <summary>Opens the object for reading, seekable when its tier allows ranges by seeking; null when there is none.</summary>
    Task<StoredObject?> OpenReadAsync(string bucket, string key, CancellationToken cancellationToken = default);

    /// <summary>Deletes the object; false when there was none.</summary>
    Task<bool> DeleteAsync(string bucket, string key, CancellationToken cancellationToken = default);

    /// <summary>One page of the bucket's keys in UTF-8 byte order, as ListObjectsV2 returns them.</summary>
    Task<ObjectListing> ListAsync(string bucket, ListRequest request, CancellationToken cancellationToken = default);

    /// <summary>Starts a multipart upload of <paramref name="key"/>; returns its upload id.</summary>
    Task<string> StartUploadAsync(string bucket, string key, ObjectProperties? properties = null, CancellationToken cancellationToken = default);

    /// <summary>Stores part <paramref name="partNumber"/> (1-10,000) of an upload, replacing an earlier one of that number.</summary>
    Task<PartInfo> PutPartAsync(
        string bucket, string key, string uploadId, int partNumber, Func<Stream, CancellationToken, Task> write,
        CancellationToken cancellationToken = default);

    /// <summary>Joins the named parts, in ascending order, into the object; its ETag is S3's multipart ETag.</summary>
    Task<ObjectInfo> CompleteUploadAsync(
        string bucket, string key, string uploadId, IReadOnlyList<PartReference> parts, CancellationToken cancellationToken = default);

    /// <summary>Drops an upload and its parts; <see cref="ObjectError.NoSuchUpload"/> when there is none.</summary>
    Task AbortUploadAsync(string bucket, string key, string uploadId, CancellationToken cancellationToken = default);

    /// <summary>The bucket's lifecycle rules; empty when it has none.</summary>
    Task<IReadOnlyList<LifecycleRule>> GetLifecycleAsync(string bucket, CancellationToken cancellationToken = default);

    /// <summary>Replaces the bucket's lifecycle rules (none removes them), durably.</summary>
    Task PutLifecycleAsync(string bucket, IReadOnlyList<LifecycleRule> rules, CancellationToken cancellationToken = default);

    /// <summary>Applies every bucket's lifecycle rules as of the store's clock: archives and expires what is due.</summary>
    Task<LifecycleOutcome> ApplyLifecycleAsync(CancellationToken cancellationToken = default);

    /// <summary>The bucket's event notifications; empty when it has none.</summary>
    Task<IReadOnlyList<ObjectEventRule>> GetNotificationsAsync(string bucket, CancellationToken cancellationToken = default);

    /// <summary>Replaces the bucket's event notifications (none removes them), durably. The store keeps them; sending
    /// events is <see cref="NotifyingObjectStore"/>'s.</summary>
    Task PutNotificationsAsync(string bucket, IReadOnlyList<ObjectEventRule> rules, CancellationToken cancellationToken = default);
}
