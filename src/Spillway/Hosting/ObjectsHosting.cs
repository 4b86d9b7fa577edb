using Spillway.Objects;
using Spillway.Objects.Events;
using Spillway.Objects.Lifecycle;
using Spillway.Objects.Local;
using Spillway.Objects.S3;

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

    /// <summary>An S3-compatible service to keep the objects in instead of the local disk, so several nodes share them.</summary>
    public S3BackendConfig S3 { get; set; } = new();

    /// <summary>Buckets created at start when missing (<c>Spillway:Objects:Buckets:&lt;name&gt;</c>); a bucket listed
    /// here has exactly the lifecycle rules listed here, replacing any set through the S3 API.</summary>
    public Dictionary<string, BucketConfig> Buckets { get; set; } = new(StringComparer.Ordinal);
}

internal sealed class S3BackendConfig
{
    /// <summary>The service's URL (http://s3.example.com, or an S3-compatible server). Defaults to none: the local disk.</summary>
    public string? ServiceUrl { get; set; }

    /// <summary>The region requests are signed for. Defaults to us-east-1.</summary>
    public string Region { get; set; } = "us-east-1";

    /// <summary>The access key; without one the SDK's own chain (environment, profile, instance role) is used.</summary>
    public string? AccessKeyId { get; set; }

    /// <summary>The secret of <see cref="AccessKeyId"/>; never logged.</summary>
    public string? SecretAccessKey { get; set; }

    /// <summary>Path-style addressing (<c>/bucket/key</c>), which most S3-compatible servers need. Defaults to true.</summary>
    public bool ForcePathStyle { get; set; } = true;
}

internal sealed class BucketConfig
{
    /// <summary>Lifecycle rules by id (<c>Spillway:Objects:Buckets:&lt;name&gt;:Lifecycle:&lt;id&gt;</c>).</summary>
    public Dictionary<string, LifecycleRuleConfig> Lifecycle { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Event notifications by id (<c>Spillway:Objects:Buckets:&lt;name&gt;:Notifications:&lt;id&gt;</c>); a bucket
    /// listed here has exactly these, replacing any set through the S3 API.</summary>
    public Dictionary<string, NotificationConfig> Notifications { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>One bucket notification: exactly one of <see cref="Queue"/>, <see cref="Topic"/> and <see cref="Function"/>.</summary>
internal sealed class NotificationConfig
{
    /// <summary>The queue that gets each event as a message, by name.</summary>
    public string? Queue { get; set; }

    /// <summary>The topic each event is published to, by name.</summary>
    public string? Topic { get; set; }

    /// <summary>The worker (<c>Spillway:Workers:&lt;name&gt;</c>) invoked with each event, as Lambda is.</summary>
    public string? Function { get; set; }

    /// <summary>S3's event types. Defaults to <c>s3:ObjectCreated:*</c>.</summary>
    public List<string> Events { get; set; } = [];

    /// <summary>Only keys that start with it. Defaults to all.</summary>
    public string Prefix { get; set; } = string.Empty;

    /// <summary>Only keys that end with it. Defaults to all.</summary>
    public string Suffix { get; set; } = string.Empty;
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

    /// <summary>Opens the store, with the bucket notifications sent through <paramref name="events"/>, and applies the
    /// configured buckets.</summary>
    public static async Task<IObjectStore> OpenAsync(
        SpillwayOptions options, string dataDirectory, IObjectEventPublisher events, TimeProvider time, CancellationToken cancellationToken)
    {
        var config = options.Objects;
        IObjectStore inner = config.S3.ServiceUrl is { Length: > 0 } url
            ? OpenS3(config.S3, url)
            : new LocalObjectStore(Path.GetFullPath(config.Directory ?? Path.Combine(dataDirectory, "objects")), time);
        var store = new NotifyingObjectStore(inner, events, options.Sqs.Region, time);
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
            await ApplyNotificationsAsync(store, name, bucket, options, key + ":Notifications", cancellationToken).ConfigureAwait(false);
        }

        return store;
    }

    private static async Task ApplyNotificationsAsync(
        IObjectStore store, string bucket, BucketConfig config, SpillwayOptions options, string key, CancellationToken cancellationToken)
    {
        var rules = new List<ObjectEventRule>();
        foreach (var (id, notification) in config.Notifications)
        {
            var targets = new List<(ObjectEventTarget Target, string Arn)>();
            if (notification.Queue is { Length: > 0 } queue)
            {
                targets.Add((ObjectEventTarget.Queue, $"arn:aws:sqs:{options.Sqs.Region}:{options.Sqs.AccountId}:{queue}"));
            }

            if (notification.Topic is { Length: > 0 } topic)
            {
                targets.Add((ObjectEventTarget.Topic, $"arn:aws:sns:{options.Sqs.Region}:{options.Sqs.AccountId}:{topic}"));
            }

            if (notification.Function is { Length: > 0 } function)
            {
                targets.Add((ObjectEventTarget.Function, $"arn:aws:lambda:{options.Sqs.Region}:{options.Sqs.AccountId}:function:{function}"));
            }

            if (targets.Count != 1)
            {
                throw new ConfigurationException($"{key}:{id}", "name exactly one of Queue, Topic and Function");
            }

            rules.Add(new ObjectEventRule
            {
                Id = id,
                Target = targets[0].Target,
                TargetArn = targets[0].Arn,
                Events = notification.Events.Count > 0 ? [.. notification.Events] : ["s3:ObjectCreated:*"],
                Prefix = notification.Prefix,
                Suffix = notification.Suffix,
            });
        }

        if (rules.Count == 0 && (await store.GetNotificationsAsync(bucket, cancellationToken).ConfigureAwait(false)).Count == 0)
        {
            return;
        }

        try
        {
            await store.PutNotificationsAsync(bucket, rules, cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectStoreException e)
        {
            throw new ConfigurationException(key, e.Message);
        }
    }

    private static S3ObjectStore OpenS3(S3BackendConfig config, string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new ConfigurationException(Key + ":S3:ServiceUrl", "must be an absolute http(s) URL");
        }

        if (string.IsNullOrEmpty(config.AccessKeyId) != string.IsNullOrEmpty(config.SecretAccessKey))
        {
            throw new ConfigurationException(Key + ":S3:AccessKeyId", "set both AccessKeyId and SecretAccessKey, or neither");
        }

        var settings = new Amazon.S3.AmazonS3Config { ServiceURL = url, ForcePathStyle = config.ForcePathStyle, AuthenticationRegion = config.Region };
        var client = string.IsNullOrEmpty(config.AccessKeyId)
            ? new Amazon.S3.AmazonS3Client(settings)
            : new Amazon.S3.AmazonS3Client(new Amazon.Runtime.BasicAWSCredentials(config.AccessKeyId, config.SecretAccessKey), settings);
        return new S3ObjectStore(client);
    }
}
