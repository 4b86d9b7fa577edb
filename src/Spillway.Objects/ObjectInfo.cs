namespace Spillway.Objects;

/// <summary>Where an object is kept: S3's storage class names, so listings and heads show them as S3 does.</summary>
public enum StorageTier
{
    /// <summary>As written: <c>STANDARD</c>.</summary>
    Standard,

    /// <summary>Compressed by a lifecycle transition, still readable at once: <c>GLACIER_IR</c> (Instant Retrieval).</summary>
    Archive,
}

/// <summary>What a put sets besides the content: the content type and the user metadata (<c>x-amz-meta-*</c>).</summary>
public sealed record ObjectProperties
{
    /// <summary>The MIME type answered on reads. Defaults to <c>binary/octet-stream</c>, as S3 does.</summary>
    public string ContentType { get; init; } = ObjectInfo.DefaultContentType;

    /// <summary>User metadata, names lower-case without the <c>x-amz-meta-</c> prefix. Defaults to none.</summary>
    public IReadOnlyDictionary<string, string> UserMetadata { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);
}

/// <summary>An object's metadata as S3 reports it.</summary>
public sealed record ObjectInfo
{
    /// <summary>S3's content type for an object stored without one.</summary>
    public const string DefaultContentType = "binary/octet-stream";

    /// <summary>The key.</summary>
    public required string Key { get; init; }

    /// <summary>The content's length in bytes (uncompressed, whatever the tier).</summary>
    public required long Size { get; init; }

    /// <summary>The entity tag without quotes: the MD5 in lower-case hex for a single put; for a multipart upload the MD5
    /// of the parts' MD5s, '-', and the number of parts.</summary>
    public required string ETag { get; init; }

    /// <summary>When the object was stored, to the second as S3 reports it.</summary>
    public required DateTimeOffset LastModified { get; init; }

    /// <summary>The MIME type.</summary>
    public string ContentType { get; init; } = DefaultContentType;

    /// <summary>User metadata, names lower-case without the <c>x-amz-meta-</c> prefix.</summary>
    public IReadOnlyDictionary<string, string> UserMetadata { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The tier the object is kept in.</summary>
    public StorageTier Tier { get; init; } = StorageTier.Standard;

    /// <summary>S3's name of <see cref="Tier"/>.</summary>
    public string StorageClass => Tier == StorageTier.Archive ? "GLACIER_IR" : "STANDARD";
}

/// <summary>A bucket and when it was made.</summary>
public sealed record BucketInfo(string Name, DateTimeOffset CreationDate);

/// <summary>An object opened for reading: its metadata and its content, which the caller disposes.</summary>
public sealed record StoredObject(ObjectInfo Info, Stream Content) : IAsyncDisposable
{
    public ValueTask DisposeAsync() => Content.DisposeAsync();
}

/// <summary>What ListObjectsV2 asks: a prefix, a delimiter, where to start, how many.</summary>
public sealed record ListRequest
{
    /// <summary>Only keys that start with it. Defaults to all.</summary>
    public string Prefix { get; init; } = string.Empty;

    /// <summary>Keys with it after the prefix are rolled up into one common prefix ending with it. Defaults to none.</summary>
    public string? Delimiter { get; init; }

    /// <summary>Only keys (and common prefixes) after it, in key order: a continuation token's or StartAfter's key.</summary>
    public string? StartAfter { get; init; }

    /// <summary>At most this many keys and common prefixes together, 0-1,000. Defaults to 1,000, S3's cap.</summary>
    public int MaxKeys { get; init; } = 1000;
}

/// <summary>One page of a listing.</summary>
/// <param name="Objects">The keys, in order.</param>
/// <param name="CommonPrefixes">The rolled-up prefixes, in order.</param>
/// <param name="NextStartAfter">Where the next page starts (the last key or prefix of this one); null on the last page.</param>
public sealed record ObjectListing(IReadOnlyList<ObjectInfo> Objects, IReadOnlyList<string> CommonPrefixes, string? NextStartAfter)
{
    public bool IsTruncated => NextStartAfter is not null;
}

/// <summary>A stored part of a multipart upload.</summary>
public sealed record PartInfo(int PartNumber, string ETag, long Size);

/// <summary>A part named by CompleteMultipartUpload: its number and the ETag its upload answered.</summary>
public sealed record PartReference(int PartNumber, string ETag);

/// <summary>What one lifecycle pass did.</summary>
public sealed record LifecycleOutcome(int Archived, int Expired);
