using Spillway.Objects.Lifecycle;

namespace Spillway.Objects.Events;

/// <summary>
/// The object store with S3's event notifications: once a put, a completed upload or a delete is durable in the inner
/// store, every matching rule of the bucket sends its event through the <see cref="IObjectEventPublisher"/>, and only
/// then does the call return. An event is so never lost to a crash: a client that was not answered writes again, which
/// sends again (S3's events are at-least-once too). Every file Spillway writes goes through here, so delivery files and
/// exports raise events as uploads do.
/// </summary>
public sealed class NotifyingObjectStore(IObjectStore inner, IObjectEventPublisher publisher, string region, TimeProvider? time = null)
    : IObjectStore
{
    private readonly TimeProvider clock = time ?? TimeProvider.System;

    /// <summary>The store underneath.</summary>
    public IObjectStore Inner => inner;

    /// <inheritdoc />
    public Task CreateBucketAsync(string bucket, CancellationToken cancellationToken = default) => inner.CreateBucketAsync(bucket, cancellationToken);

    /// <inheritdoc />
    public Task DeleteBucketAsync(string bucket, CancellationToken cancellationToken = default) => inner.DeleteBucketAsync(bucket, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<BucketInfo>> ListBucketsAsync(CancellationToken cancellationToken = default) => inner.ListBucketsAsync(cancellationToken);

    /// <inheritdoc />
    public Task<bool> BucketExistsAsync(string bucket, CancellationToken cancellationToken = default) => inner.BucketExistsAsync(bucket, cancellationToken);

    /// <inheritdoc />
    public async Task<ObjectInfo> PutAsync(
        string bucket, string key, Func<Stream, CancellationToken, Task> write, ObjectProperties? properties = null,
        CancellationToken cancellationToken = default)
    {
        var info = await inner.PutAsync(bucket, key, write, properties, cancellationToken).ConfigureAwait(false);
        await RaiseAsync(new ObjectEvent("ObjectCreated:Put", bucket, key, info.Size, info.ETag, clock.GetUtcNow()), cancellationToken)
            .ConfigureAwait(false);
        return info;
    }

    /// <inheritdoc />
    public Task<ObjectInfo?> HeadAsync(string bucket, string key, CancellationToken cancellationToken = default) =>
        inner.HeadAsync(bucket, key, cancellationToken);

    /// <inheritdoc />
    public Task<StoredObject?> OpenReadAsync(string bucket, string key, CancellationToken cancellationToken = default) =>
        inner.OpenReadAsync(bucket, key, cancellationToken);

    /// <inheritdoc />
    public async Task<bool> DeleteAsync(string bucket, string key, CancellationToken cancellationToken = default)
    {
        var deleted = await inner.DeleteAsync(bucket, key, cancellationToken).ConfigureAwait(false);
        if (deleted)
        {
            await RaiseAsync(new ObjectEvent("ObjectRemoved:Delete", bucket, key, null, null, clock.GetUtcNow()), cancellationToken)
                .ConfigureAwait(false);
        }

        return deleted;
    }

    /// <inheritdoc />
    public Task<ObjectListing> ListAsync(string bucket, ListRequest request, CancellationToken cancellationToken = default) =>
        inner.ListAsync(bucket, request, cancellationToken);

    /// <inheritdoc />
    public Task<string> StartUploadAsync(string bucket, string key, ObjectProperties? properties = null, CancellationToken cancellationToken = default) =>
        inner.StartUploadAsync(bucket, key, properties, cancellationToken);

    /// <inheritdoc />
    public Task<PartInfo> PutPartAsync(
        string bucket, string key, string uploadId, int partNumber, Func<Stream, CancellationToken, Task> write,
        CancellationToken cancellationToken = default) =>
        inner.PutPartAsync(bucket, key, uploadId, partNumber, write, cancellationToken);

    /// <inheritdoc />
    public async Task<ObjectInfo> CompleteUploadAsync(
        string bucket, string key, string uploadId, IReadOnlyList<PartReference> parts, CancellationToken cancellationToken = default)
    {
        var info = await inner.CompleteUploadAsync(bucket, key, uploadId, parts, cancellationToken).ConfigureAwait(false);
        await RaiseAsync(
            new ObjectEvent("ObjectCreated:CompleteMultipartUpload", bucket, key, info.Size, info.ETag, clock.GetUtcNow()),
            cancellationToken).ConfigureAwait(false);
        return info;
    }

    /// <inheritdoc />
    public Task AbortUploadAsync(string bucket, string key, string uploadId, CancellationToken cancellationToken = default) =>
        inner.AbortUploadAsync(bucket, key, uploadId, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<LifecycleRule>> GetLifecycleAsync(string bucket, CancellationToken cancellationToken = default) =>
        inner.GetLifecycleAsync(bucket, cancellationToken);

    /// <inheritdoc />
    public Task PutLifecycleAsync(string bucket, IReadOnlyList<LifecycleRule> rules, CancellationToken cancellationToken = default) =>
        inner.PutLifecycleAsync(bucket, rules, cancellationToken);

    /// <inheritdoc />
    public Task<LifecycleOutcome> ApplyLifecycleAsync(CancellationToken cancellationToken = default) => inner.ApplyLifecycleAsync(cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<ObjectEventRule>> GetNotificationsAsync(string bucket, CancellationToken cancellationToken = default) =>
        inner.GetNotificationsAsync(bucket, cancellationToken);

    /// <summary>Checks the rules and that every destination exists, stores them, then sends each queue and topic named
    /// the <c>s3:TestEvent</c>, as S3 does.</summary>
    public async Task PutNotificationsAsync(string bucket, IReadOnlyList<ObjectEventRule> rules, CancellationToken cancellationToken = default)
    {
        ObjectEventRule.Check(rules);
        foreach (var rule in rules)
        {
            publisher.CheckTarget(rule);
        }

        await inner.PutNotificationsAsync(bucket, rules, cancellationToken).ConfigureAwait(false);
        var test = ObjectEventJson.WriteTest(bucket, clock.GetUtcNow());
        foreach (var rule in rules.Where(r => r.Target != ObjectEventTarget.Function))
        {
            await publisher.PublishAsync(rule, test, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task RaiseAsync(ObjectEvent change, CancellationToken cancellationToken)
    {
        var rules = await inner.GetNotificationsAsync(change.Bucket, cancellationToken).ConfigureAwait(false);
        foreach (var rule in rules)
        {
            if (rule.Matches(change.EventName, change.Key))
            {
                // The change is durable already: the caller going away must not leave its event unsent.
                await publisher.PublishAsync(rule, ObjectEventJson.Write(change, rule, region), CancellationToken.None).ConfigureAwait(false);
            }
        }
    }
}
