namespace Spillway.Objects;

/// <summary>What the store refuses, named as S3 names the error, so an S3 API over it answers with the same code.</summary>
public enum ObjectError
{
    /// <summary>The bucket does not exist.</summary>
    NoSuchBucket,

    /// <summary>The key does not exist.</summary>
    NoSuchKey,

    /// <summary>The multipart upload does not exist (never started, completed or aborted).</summary>
    NoSuchUpload,

    /// <summary>The bucket exists already.</summary>
    BucketAlreadyOwnedByYou,

    /// <summary>A bucket that still holds objects cannot be deleted.</summary>
    BucketNotEmpty,

    /// <summary>The bucket name breaks S3's naming rules.</summary>
    InvalidBucketName,

    /// <summary>The key is empty, longer than 1,024 UTF-8 bytes, or not valid UTF-16.</summary>
    KeyTooLongOrInvalid,

    /// <summary>A completed upload names a part that was not uploaded, or with another ETag.</summary>
    InvalidPart,

    /// <summary>A completed upload's parts are not in ascending order.</summary>
    InvalidPartOrder,

    /// <summary>A part other than the last is smaller than 5 MiB.</summary>
    EntityTooSmall,

    /// <summary>A lifecycle configuration breaks S3's rules.</summary>
    MalformedLifecycle,

    /// <summary>An argument out of range (a part number, max keys).</summary>
    InvalidArgument,

    /// <summary>This store cannot do what was asked (event notifications on an S3 backend, which has its own).</summary>
    NotImplemented,
}

/// <summary>A refusal of the object store; the message is fit to show a client.</summary>
public sealed class ObjectStoreException(ObjectError error, string message) : Exception(message)
{
    /// <summary>What was refused, as S3 names it.</summary>
    public ObjectError Error { get; } = error;
}
