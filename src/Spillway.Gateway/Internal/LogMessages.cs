using Microsoft.Extensions.Logging;

namespace Spillway.Gateway.Internal;

/// <summary>The gateway's log events. API keys and record contents are never logged.</summary>
internal static partial class LogMessages
{
    [LoggerMessage(1, LogLevel.Information, "Ingest route POST {Path} stores into queue '{Queue}'")]
    public static partial void RouteMapped(this ILogger logger, string path, string queue);

    [LoggerMessage(2, LogLevel.Warning, "POST {Path}: 503, queue '{Queue}' does not exist")]
    public static partial void QueueMissing(this ILogger logger, string path, string queue);

    [LoggerMessage(3, LogLevel.Warning, "POST {Path}: 503, storage is not writable: {Reason}")]
    public static partial void StorageNotWritable(this ILogger logger, string path, string? reason);

    [LoggerMessage(4, LogLevel.Debug, "POST {Path}: 503, backlog {Backlog} reached the limit {MaxBacklog}")]
    public static partial void BacklogFull(this ILogger logger, string path, long backlog, long maxBacklog);

    [LoggerMessage(5, LogLevel.Error, "POST {Path}: 503, the queue refused the records")]
    public static partial void SendFailed(this ILogger logger, string path, Exception exception);

    [LoggerMessage(6, LogLevel.Error, "POST {Path}: unexpected failure, answered 503")]
    public static partial void UnexpectedFailure(this ILogger logger, string path, Exception exception);

    [LoggerMessage(7, LogLevel.Information, "API keys are required on every ingest route ({Count} configured)")]
    public static partial void ApiKeysEnabled(this ILogger logger, int count);

    [LoggerMessage(8, LogLevel.Debug, "POST {Path}: message {MessageId} accepted into queue '{Queue}' (durable){Replayed}")]
    public static partial void MessageAccepted(this ILogger logger, string path, Guid messageId, string queue, string replayed);
}
