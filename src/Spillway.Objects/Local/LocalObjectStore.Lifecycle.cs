using System.IO.Compression;
using Spillway.Objects.Lifecycle;

namespace Spillway.Objects.Local;

/// <summary>
/// Lifecycle rules: kept in the bucket's marker file, applied by <see cref="ApplyLifecycleAsync"/> on the store's clock.
/// A transition writes the gzip copy into the archive directory (temporary file, fsync, rename) before it deletes the
/// standard file, so a crash between the two leaves both copies, and the next open keeps one.
/// </summary>
public sealed partial class LocalObjectStore
{
    /// <inheritdoc />
    public Task<IReadOnlyList<LifecycleRule>> GetLifecycleAsync(string bucket, CancellationToken cancellationToken = default)
    {
        var state = Find(bucket);
        lock (state)
        {
            return Task.FromResult(state.Rules);
        }
    }

    /// <inheritdoc />
    public Task PutLifecycleAsync(string bucket, IReadOnlyList<LifecycleRule> rules, CancellationToken cancellationToken = default)
    {
        LifecycleRule.Check(rules);
        var state = Find(bucket);
        lock (state)
        {
            state.Rules = [.. rules];
            WriteBucketFile(state);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task<LifecycleOutcome> ApplyLifecycleAsync(CancellationToken cancellationToken = default)
    {
        List<Bucket> all;
        lock (gate)
        {
            all = [.. buckets.Values];
        }

        var now = time.GetUtcNow();
        int archived = 0, expired = 0;
        foreach (var state in all)
        {
            List<(ObjectInfo Info, bool Expire)> due = [];
            lock (state)
            {
                var rules = state.Rules.Where(r => r.Enabled).ToList();
                if (rules.Count == 0)
                {
                    continue;
                }

                foreach (var info in state.Keys.Values)
                {
                    var matching = rules.Where(r => info.Key.StartsWith(r.Prefix, StringComparison.Ordinal)).ToList();
                    if (matching.Any(r => r.ExpireAfterDays is { } days && LifecycleRule.DueAt(info.LastModified, days) <= now))
                    {
                        due.Add((info, true));
                    }
                    else if (info.Tier == StorageTier.Standard
                        && matching.Any(r => r.ArchiveAfterDays is { } days && LifecycleRule.DueAt(info.LastModified, days) <= now))
                    {
                        due.Add((info, false));
                    }
                }
            }

            foreach (var (info, expire) in due)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (expire ? Expire(state, info) : await ArchiveAsync(state, info, cancellationToken).ConfigureAwait(false))
                {
                    _ = expire ? expired++ : archived++;
                }
            }
        }

        return new LifecycleOutcome(archived, expired);
    }

    /// <summary>Deletes the object if it is still the one the pass found due (a newer put restarts its clock).</summary>
    private bool Expire(Bucket state, ObjectInfo info)
    {
        lock (state)
        {
            if (!state.Keys.TryGetValue(info.Key, out var current) || current.LastModified != info.LastModified || current.ETag != info.ETag)
            {
                return false;
            }

            state.Keys.Remove(info.Key);
            state.Order.Remove(info.Key);
            var path = PathOf(state.Name, info.Key, current.Tier);
            device.DeleteFile(path);
            device.SyncDirectory(Path.GetDirectoryName(path)!);
            return true;
        }
    }

    private async Task<bool> ArchiveAsync(Bucket state, ObjectInfo info, CancellationToken cancellationToken)
    {
        var source = PathOf(state.Name, info.Key, StorageTier.Standard);
        var archived = info with { Tier = StorageTier.Archive };
        string temporary;
        try
        {
            (temporary, _) = await ObjectFile.WriteTemporaryAsync(
                ArchivePath(state.Name),
                async (output, ct) =>
                {
                    var file = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 20, FileOptions.SequentialScan);
                    await using (file.ConfigureAwait(false))
                    {
                        var record = ObjectFile.ReadRecord(file) ?? throw new InvalidDataException("An object file lost its metadata.");
                        var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true);
                        await using (gzip.ConfigureAwait(false))
                        {
                            await ObjectFile.Content(file, record).CopyToAsync(gzip, 1 << 20, ct).ConfigureAwait(false);
                        }
                    }
                },
                (_, _) => archived,
                true,
                cancellationToken).ConfigureAwait(false);
        }
        catch (FileNotFoundException)
        {
            return false;
        }

        lock (state)
        {
            if (!state.Keys.TryGetValue(info.Key, out var current) || current != info)
            {
                File.Delete(temporary);
                return false;
            }

            device.Rename(temporary, PathOf(state.Name, info.Key, StorageTier.Archive));
            device.DeleteFile(source);
            device.SyncDirectory(BucketPath(state.Name));
            state.Keys[info.Key] = archived;
            return true;
        }
    }
}
