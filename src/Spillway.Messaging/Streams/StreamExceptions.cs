namespace Spillway.Messaging.Streams;

/// <summary>The stream, or a shard or consumer named in the call, does not exist (Kinesis's ResourceNotFoundException).</summary>
public sealed class StreamNotFoundException(string message) : Exception(message);

/// <summary>The stream exists already, or is busy resharding (Kinesis's ResourceInUseException).</summary>
public sealed class StreamInUseException(string message) : Exception(message);

/// <summary>The call would go over a limit: too many shards or consumers (Kinesis's LimitExceededException).</summary>
public sealed class StreamLimitExceededException(string message) : Exception(message);

/// <summary>
/// A read went over the shard's read quota, which holds only when the stream enforces quotas
/// (Kinesis's ProvisionedThroughputExceededException). Nothing was read; retrying after <see cref="RetryAfter"/> may succeed.
/// </summary>
public sealed class StreamThroughputExceededException(string message, TimeSpan retryAfter) : Exception(message)
{
    /// <summary>How long until the quota has room again.</summary>
    public TimeSpan RetryAfter { get; } = retryAfter;
}
