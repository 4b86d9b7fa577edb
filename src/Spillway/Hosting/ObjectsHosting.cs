using Spillway.Objects;
using Spillway.Objects.Lifecycle;
using Spillway.Objects.Local;

namespace Spillway.Hosting;

/// <summary>The object store's settings (<c>Spillway:Objects</c>): where it keeps its buckets, the S3 API over it, and
/// buckets the configuration owns with their lifecycle rules.</summary>
internal sealed class ObjectsConfig
{
    /// <summary>Where buckets live. Defaults to <c>&lt;data-dir&gt;/objects</c>.</summary>
    public string? Directory { get; set; }

    /// <summary>Whether the S3 API is served on the main listener (with the credentials of <c>Spillway:Sqs</c>).
    /// Defaults to true.</summary>
    public bool S3Api { get; set; } = true;

    /// <summary>Host name suffixes of virtual-host-style addressing (<c>bucket.localhost</c>). Defaults to "localhost".</summary>
    public List<string> VirtualHostSuffixes { get; set; } = [];

    /// <summary>Buckets created at start when missing (<c>Spillway:Objects:Buckets:&lt;name&gt;</c>); a bucket listed
    /// here has exactly the lifecycle rules listed here, replacing any set through the S3 API.</summary>
    public Dictionary<string, BucketConfig> Buckets { get; set; } = new(StringComparer.Ordinal);
}

internal sealed class BucketConfig
{
    /// <summary>Lifecycle rules by id (<c>Spillway:Objects:Buckets:&lt;name&gt;:Lifecycle:&lt;id&gt;</c>).</summary>
    public Dictionary<string, LifecycleRuleConfig> Lifecycle { get; set; } = new(StringComparer.Ordinal);
}

internal sealed class LifecycleRuleConfig
{
    /// <summary>Keys the rule applies to. Defaults to all.</summary>
    public string Prefix { get; set; } = string.Empty;

    /// <summary>Defaults to true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Days before an object moves to the compressed archive tier. Defaults to never.</summary>
    public int? ArchiveAfterDays { get; set; }

    /// <summary>Days before an object is deleted. Defaults to never.</summary>
    public int? ExpireAfterDays { get; set; }
}

/// <summary>Opens the object store the server's files go into (exports today) and the S3 API serves.</summary>
internal static class ObjectsHosting
{
    private const string Key = $"{SpillwayOptions.SectionName}:Objects";

    public static async Task<IObjectStore> OpenAsync(SpillwayOptions options, string dataDirectory, TimeProvider time, CancellationToken cancellationToken)
    {
        var config = options.Objects;
        var store = new LocalObjectStore(Path.GetFullPath(config.Directory ?? Path.Combine(dataDirectory, "objects")), time);
        foreach (var (name, bucket) in config.Buckets)
        {
            var key = $"{Key}:Buckets:{name}";
            var rules = bucket.Lifecycle.Select(r => new LifecycleRule
            {
                Id = r.Key, Prefix = r.Value.Prefix, Enabled = r.Value.Enabled,
                ArchiveAfterDays = r.Value.ArchiveAfterDays, ExpireAfterDays = r.Value.ExpireAfterDays,
            }).ToList();
            try
            {
                ObjectNames.CheckBucket(name);
                LifecycleRule.Check(rules);
            }
            catch (ObjectStoreException e)
            {
                throw new ConfigurationException(e.Error == ObjectError.InvalidBucketName ? key : key + ":Lifecycle", e.Message);
            }

            if (!await store.BucketExistsAsync(name, cancellationToken).ConfigureAwait(false))
            {
                await store.CreateBucketAsync(name, cancellationToken).ConfigureAwait(false);
            }

            await store.PutLifecycleAsync(name, rules, cancellationToken).ConfigureAwait(false);
        }

        return store;
    }
}
