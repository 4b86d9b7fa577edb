using System.Text.Json;
using Spillway.Objects.Events;
using Spillway.Objects.Lifecycle;
using Spillway.Storage;

namespace Spillway.Objects.Local;

/// <summary>
/// Buckets as directories on the local disk, objects as files in them (<see cref="ObjectFile"/>, named by
/// <see cref="KeyFileNames"/>). A put writes a temporary file, fsyncs it, renames it over the key's name and fsyncs the
/// directory, so a crash leaves the old object or the new one, never a mix; temporary files a crash left behind are
/// removed at the next open. The archive tier is a separate directory (<c>.archive/&lt;bucket&gt;</c>) of gzip files.
/// Listings come from an index of every key, read from the files' metadata at open and kept in memory.
/// </summary>
public sealed partial class LocalObjectStore : IObjectStore
{
    private const string BucketFile = ".bucket";
    private const string ArchiveDirectory = ".archive";
    private readonly IStorageDevice device;
    private readonly TimeProvider time;
    private readonly Lock gate = new();
    private readonly Dictionary<string, Bucket> buckets = new(StringComparer.Ordinal);

    /// <summary>Opens (and creates) the store in <paramref name="directory"/>, reading every bucket's keys.</summary>
    /// <param name="directory">Where buckets live, one directory each.</param>
    /// <param name="time">The clock of LastModified and of lifecycle rules. Defaults to the system clock.</param>
    /// <param name="device">The disk. Defaults to the real one.</param>
    public LocalObjectStore(string directory, TimeProvider? time = null, IStorageDevice? device = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        this.device = device ?? FileStorageDevice.Instance;
        this.time = time ?? TimeProvider.System;
        Directory = Path.GetFullPath(directory);
        this.device.CreateDirectory(Directory);
        this.device.CreateDirectory(Path.Combine(Directory, ArchiveDirectory));
        foreach (var name in this.device.ListDirectories(Directory))
        {
            if (name[0] != '.')
            {
                Load(name);
            }
        }
    }

    /// <summary>The directory holding the buckets.</summary>
    public string Directory { get; }

    /// <inheritdoc />
    public Task CreateBucketAsync(string bucket, CancellationToken cancellationToken = default)
    {
        ObjectNames.CheckBucket(bucket);
        lock (gate)
        {
            if (buckets.ContainsKey(bucket))
            {
                throw new ObjectStoreException(
                    ObjectError.BucketAlreadyOwnedByYou, "Your previous request to create the named bucket succeeded and you already own it.");
            }

            var created = Truncate(time.GetUtcNow());
            device.CreateDirectory(BucketPath(bucket));
            device.CreateDirectory(ArchivePath(bucket));
            var state = new Bucket(bucket, created);
            WriteBucketFile(state);
            buckets[bucket] = state;
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task DeleteBucketAsync(string bucket, CancellationToken cancellationToken = default)
    {
        // The bucket's lock before the store's, the order a put's publish takes them in.
        var state = Find(bucket);
        lock (state)
        {
            if (state.Keys.Count > 0)
            {
                throw new ObjectStoreException(ObjectError.BucketNotEmpty, "The bucket you tried to delete is not empty.");
            }

            lock (gate)
            {
                // The marker goes first: from then on the bucket is gone, whatever a crash leaves of its directories.
                device.DeleteFile(Path.Combine(BucketPath(bucket), BucketFile));
                device.SyncDirectory(BucketPath(bucket));
                device.DeleteDirectory(BucketPath(bucket));
                device.DeleteDirectory(ArchivePath(bucket));
                device.SyncDirectory(Directory);
                buckets.Remove(bucket);
            }
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<BucketInfo>> ListBucketsAsync(CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            return Task.FromResult<IReadOnlyList<BucketInfo>>(
                [.. buckets.Values.OrderBy(b => b.Name, StringComparer.Ordinal).Select(b => new BucketInfo(b.Name, b.Created))]);
        }
    }

    /// <inheritdoc />
    public Task<bool> BucketExistsAsync(string bucket, CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            return Task.FromResult(buckets.ContainsKey(bucket));
        }
    }

    /// <inheritdoc />
    public async Task<ObjectInfo> PutAsync(
        string bucket, string key, Func<Stream, CancellationToken, Task> write, ObjectProperties? properties = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(write);
        ObjectNames.CheckKey(key);
        var state = Find(bucket);
        properties ??= new ObjectProperties();
        var (temporary, info) = await ObjectFile.WriteTemporaryAsync(
            BucketPath(bucket), write, (size, md5) => Describe(key, size, Convert.ToHexStringLower(md5), properties), false, cancellationToken)
            .ConfigureAwait(false);
        return Publish(state, temporary, info);
    }

    /// <inheritdoc />
    public Task<ObjectInfo?> HeadAsync(string bucket, string key, CancellationToken cancellationToken = default)
    {
        var state = Find(bucket);
        lock (state)
        {
            return Task.FromResult(state.Keys.GetValueOrDefault(key));
        }
    }

    /// <inheritdoc />
    public Task<StoredObject?> OpenReadAsync(string bucket, string key, CancellationToken cancellationToken = default)
    {
        var state = Find(bucket);
        ObjectInfo? info;
        lock (state)
        {
            info = state.Keys.GetValueOrDefault(key);
        }

        // The metadata answered is the opened file's own, so a put racing this read cannot pair one object's
        // metadata with another's bytes. A transition racing it may move the file: then the other tier has it.
        return Task.FromResult(info is null ? null
            : ObjectFile.Open(PathOf(state.Name, key, info.Tier)) ?? ObjectFile.Open(PathOf(state.Name, key, Other(info.Tier))));
    }

    /// <inheritdoc />
    public Task<bool> DeleteAsync(string bucket, string key, CancellationToken cancellationToken = default)
    {
        var state = Find(bucket);
        lock (state)
        {
            if (!state.Keys.Remove(key, out var info))
            {
                return Task.FromResult(false);
            }

            state.Order.Remove(key);
            var path = PathOf(bucket, key, info.Tier);
            device.DeleteFile(path);
            device.SyncDirectory(Path.GetDirectoryName(path)!);
            return Task.FromResult(true);
        }
    }

    /// <inheritdoc />
    public Task<ObjectListing> ListAsync(string bucket, ListRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.MaxKeys is < 0 or > 1000)
        {
            throw new ObjectStoreException(ObjectError.InvalidArgument, "max-keys must be between 0 and 1000.");
        }

        var state = Find(bucket);
        lock (state)
        {
            return Task.FromResult(Listing.Page(state.Order, state.Keys, request));
        }
    }

    /// <summary>Renames a finished temporary file over the key and makes it the key's object in the index.</summary>
    private ObjectInfo Publish(Bucket state, string temporary, ObjectInfo info)
    {
        var key = info.Key;
        lock (state)
        {
            if (!BucketStillExists(state))
            {
                File.Delete(temporary);
                throw NoSuchBucket();
            }

            device.Rename(temporary, PathOf(state.Name, key, StorageTier.Standard));
            if (state.Keys.TryGetValue(key, out var previous) && previous.Tier == StorageTier.Archive)
            {
                device.DeleteFile(PathOf(state.Name, key, StorageTier.Archive));
                device.SyncDirectory(ArchivePath(state.Name));
            }

            state.Keys[key] = info;
            state.Order.Add(key);
            return info;
        }
    }

    private bool BucketStillExists(Bucket state)
    {
        lock (gate)
        {
            return buckets.TryGetValue(state.Name, out var current) && ReferenceEquals(current, state);
        }
    }

    private ObjectInfo Describe(string key, long size, string etag, ObjectProperties properties) => new()
    {
        Key = key,
        Size = size,
        ETag = etag,
        LastModified = Truncate(time.GetUtcNow()),
        ContentType = properties.ContentType,
        UserMetadata = properties.UserMetadata,
    };

    private Bucket Find(string bucket)
    {
        lock (gate)
        {
            return bucket is not null && buckets.TryGetValue(bucket, out var state) ? state : throw NoSuchBucket();
        }
    }

    private static ObjectStoreException NoSuchBucket() => new(ObjectError.NoSuchBucket, "The specified bucket does not exist.");

    private string BucketPath(string bucket) => Path.Combine(Directory, bucket);

    private string ArchivePath(string bucket) => Path.Combine(Directory, ArchiveDirectory, bucket);

    private string PathOf(string bucket, string key, StorageTier tier) =>
        Path.Combine(tier == StorageTier.Archive ? ArchivePath(bucket) : BucketPath(bucket), KeyFileNames.Of(key));

    private static StorageTier Other(StorageTier tier) => tier == StorageTier.Archive ? StorageTier.Standard : StorageTier.Archive;

    // S3 keeps times to the millisecond in listings.
    private static DateTimeOffset Truncate(DateTimeOffset at) => DateTimeOffset.FromUnixTimeMilliseconds(at.ToUnixTimeMilliseconds());

    /// <summary>Reads one bucket at open: its marker (none: a creation a crash cut short, removed), then its objects in
    /// both tiers, keeping the newer where a crash during a transition left the key in both.</summary>
    private void Load(string name)
    {
        var path = BucketPath(name);
        var marker = Path.Combine(path, BucketFile);
        if (!File.Exists(marker))
        {
            device.DeleteDirectory(path);
            device.DeleteDirectory(ArchivePath(name));
            return;
        }

        using var document = JsonDocument.Parse(File.ReadAllBytes(marker));
        var state = new Bucket(name, DateTimeOffset.FromUnixTimeMilliseconds(document.RootElement.GetProperty("createdMs").GetInt64()))
        {
            Rules = LifecycleJson.Read(document.RootElement.GetProperty("lifecycle")),
            Notifications = NotificationJson.Read(document.RootElement),
        };
        device.CreateDirectory(ArchivePath(name));
        foreach (var tier in (StorageTier[])[StorageTier.Standard, StorageTier.Archive])
        {
            var directory = tier == StorageTier.Archive ? ArchivePath(name) : path;
            foreach (var file in System.IO.Directory.EnumerateFiles(directory))
            {
                var fileName = Path.GetFileName(file);
                if (fileName.StartsWith(ObjectFile.TemporaryPrefix, StringComparison.Ordinal))
                {
                    File.Delete(file);
                    continue;
                }

                if (!KeyFileNames.IsObject(fileName) || ObjectFile.TryReadRecord(file) is not { } record)
                {
                    continue;
                }

                var info = record.Info with { Tier = tier };
                if (state.Keys.TryGetValue(info.Key, out var other))
                {
                    var loser = other.LastModified > info.LastModified ? info : other;
                    device.DeleteFile(PathOf(name, loser.Key, loser.Tier));
                    if (ReferenceEquals(loser, info))
                    {
                        continue;
                    }
                }

                state.Keys[info.Key] = info;
                state.Order.Add(info.Key);
            }
        }

        buckets[name] = state;
    }

    private void WriteBucketFile(Bucket state)
    {
        var path = BucketPath(state.Name);
        var temporary = Path.Combine(path, ObjectFile.TemporaryPrefix + "bucket");
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write))
        {
            using (var json = new Utf8JsonWriter(file))
            {
                json.WriteStartObject();
                json.WriteNumber("createdMs", state.Created.ToUnixTimeMilliseconds());
                json.WritePropertyName("lifecycle");
                LifecycleJson.Write(json, state.Rules);
                json.WritePropertyName("notifications");
                NotificationJson.Write(json, state.Notifications);
                json.WriteEndObject();
            }

            file.Flush(flushToDisk: true);
        }

        device.Rename(temporary, Path.Combine(path, BucketFile));
    }

    /// <summary>One bucket in the index; its own lock guards its keys and the renames into its directories.</summary>
    private sealed class Bucket(string name, DateTimeOffset created)
    {
        public string Name { get; } = name;

        public DateTimeOffset Created { get; } = created;

        public Dictionary<string, ObjectInfo> Keys { get; } = new(StringComparer.Ordinal);

        public SortedSet<string> Order { get; } = new(ObjectNames.KeyOrder);

        public IReadOnlyList<LifecycleRule> Rules { get; set; } = [];

        public IReadOnlyList<ObjectEventRule> Notifications { get; set; } = [];
    }
}
