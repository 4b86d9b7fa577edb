using Microsoft.Extensions.Logging;

namespace Spillway.Processing.Internal;

internal static partial class LogMessages
{
    [LoggerMessage(1, LogLevel.Information, "Mapping of queue '{Queue}' started: batch size {BatchSize}, concurrency {Concurrency}")]
    public static partial void MappingStarted(ILogger logger, string queue, int batchSize, int concurrency);

    [LoggerMessage(2, LogLevel.Information, "Mapping of queue '{Queue}' is disabled and does not poll")]
    public static partial void MappingDisabled(ILogger logger, string queue);

    [LoggerMessage(3, LogLevel.Information, "Mapping of queue '{Queue}' stopped; in-flight batches drained")]
    public static partial void MappingStopped(ILogger logger, string queue);

    [LoggerMessage(4, LogLevel.Warning, "Receiving from queue '{Queue}' failed; retrying")]
    public static partial void ReceiveFailed(ILogger logger, string queue, Exception exception);

    [LoggerMessage(5, LogLevel.Warning, "Handler of queue '{Queue}' failed a batch of {Count}; the messages reappear after their visibility timeout")]
    public static partial void HandlerFailed(ILogger logger, string queue, int count, Exception exception);

    [LoggerMessage(6, LogLevel.Warning,
        "The handler of queue '{Queue}' cannot reach what it writes to ({Reason}); holding {Count} messages and retrying in {Delay}")]
    public static partial void DownstreamUnavailable(ILogger logger, string queue, int count, TimeSpan delay, string reason);

    [LoggerMessage(7, LogLevel.Warning, "Receiving from queue '{Queue}' paused until its handler's downstream answers again")]
    public static partial void ReceivingPaused(ILogger logger, string queue);

    [LoggerMessage(8, LogLevel.Information, "Sink of queue '{Queue}' answers again; receiving resumed")]
    public static partial void ReceivingResumed(ILogger logger, string queue);

    [LoggerMessage(9, LogLevel.Warning,
        "Handler of queue '{Queue}' reported failed message id {MessageId}, which is not in the batch; the whole batch failed")]
    public static partial void UnknownFailedId(ILogger logger, string queue, Guid messageId);

    [LoggerMessage(10, LogLevel.Error, "Deleting {Count} handled messages from queue '{Queue}' failed; they will be handled again")]
    public static partial void DeleteFailed(ILogger logger, string queue, int count, Exception exception);

    [LoggerMessage(11, LogLevel.Information, "Handler of queue '{Queue}' failed {Failed} of {Count} messages; they will be retried")]
    public static partial void PartialFailure(ILogger logger, string queue, int failed, int count);

    [LoggerMessage(12, LogLevel.Warning, "Sink of queue '{Queue}' rejected message {MessageId}: {Reason}")]
    public static partial void RecordRejected(ILogger logger, string queue, Guid messageId, string reason);

    [LoggerMessage(13, LogLevel.Warning,
        "Queue '{Queue}': visibility timeout {Visibility} is not longer than the batching window {Window}; messages may reappear before they are handled")]
    public static partial void VisibilityWithinWindow(ILogger logger, string queue, TimeSpan visibility, TimeSpan window);

    [LoggerMessage(14, LogLevel.Warning,
        "Mapping of queue '{Queue}' stopped before {Running} handler invocations finished; their messages reappear after their visibility timeout")]
    public static partial void StopCutShort(ILogger logger, string queue, int running);

    [LoggerMessage(
        15, LogLevel.Warning, "Mapping of queue '{Queue}' could not give failed messages back; they return once their hold lapses")]
    public static partial void ReleaseFailed(ILogger logger, string queue, Exception exception);

    [LoggerMessage(20, LogLevel.Information, "Stream consumer '{Consumer}' reads shard {ShardId} of stream '{Stream}'")]
    public static partial void ShardStarted(ILogger logger, string consumer, string shardId, string stream);

    [LoggerMessage(21, LogLevel.Warning, "Stream consumer '{Consumer}': batch of {Count} records of shard {ShardId} failed (attempt {Attempt}): {Reason}")]
    public static partial void StreamBatchFailed(ILogger logger, string consumer, string shardId, int count, int attempt, string reason);

    [LoggerMessage(22, LogLevel.Warning,
        "Stream consumer '{Consumer}' discarded {Count} records of shard {ShardId} ({Condition}), sequence numbers {First} to {Last}")]
    public static partial void StreamRecordsDiscarded(
        ILogger logger, string consumer, string shardId, int count, string condition, string first, string last);

    [LoggerMessage(23, LogLevel.Warning, "Stream consumer '{Consumer}' could not read or checkpoint shard {ShardId}; retrying")]
    public static partial void ShardReadFailed(ILogger logger, string consumer, string shardId, Exception exception);

    [LoggerMessage(24, LogLevel.Error, "Stream consumer '{Consumer}' could not send an on-failure record to queue '{Queue}'; retrying")]
    public static partial void OnFailureSendFailed(ILogger logger, string consumer, string queue, Exception exception);
}
