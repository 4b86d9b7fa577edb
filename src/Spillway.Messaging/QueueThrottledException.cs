namespace Spillway.Messaging;

/// <summary>
/// A send went over a FIFO queue's send quota (<see cref="QueueEngineOptions.FifoSendRateLimit"/>, per queue or per
/// message group): nothing was stored. SQS answers the same case with its RequestThrottled error; retrying after
/// <see cref="RetryAfter"/> succeeds unless other sends take the quota first.
/// </summary>
public sealed class QueueThrottledException(string message, TimeSpan retryAfter) : Exception(message)
{
    /// <summary>How long until the quota has room for the refused send.</summary>
    public TimeSpan RetryAfter { get; } = retryAfter;
}
