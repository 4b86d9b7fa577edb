using Microsoft.Extensions.Logging;

namespace Spillway.Exports.Internal;

internal static partial class LogMessages
{
    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "Export {Id} of table {Table} started (attempt {Attempt}).")]
    public static partial void Started(ILogger logger, string id, string table, int attempt);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Information, Message = "Export {Id} done: {Rows} rows, {Bytes} bytes.")]
    public static partial void Done(ILogger logger, string id, long rows, long bytes);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Warning,
        Message = "Export {Id}: the database is unavailable (attempt {Attempt}); retrying in {Delay}: {Error}")]
    public static partial void Retrying(ILogger logger, string id, int attempt, TimeSpan delay, string error);

    [LoggerMessage(EventId = 6004, Level = LogLevel.Error, Message = "Export {Id} failed: {Reason}")]
    public static partial void Failed(ILogger logger, string id, string reason);

    [LoggerMessage(EventId = 6005, Level = LogLevel.Warning, Message = "Export {Id}: the {Notifier} notice could not be sent: {Error}")]
    public static partial void NotifyFailed(ILogger logger, string id, string notifier, string error);

    [LoggerMessage(EventId = 6006, Level = LogLevel.Information, Message = "Export {Id} expired; its file was deleted.")]
    public static partial void Expired(ILogger logger, string id);

    [LoggerMessage(EventId = 6007, Level = LogLevel.Information, Message = "Retention of table {Table}: {Rows} rows older than {Cutoff} deleted.")]
    public static partial void Purged(ILogger logger, string table, long rows, DateTimeOffset cutoff);

    [LoggerMessage(EventId = 6008, Level = LogLevel.Warning, Message = "Lifecycle run failed: {Error}")]
    public static partial void LifecycleFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 6009, Level = LogLevel.Information, Message = "Object lifecycle rules: {Archived} objects archived, {Expired} expired.")]
    public static partial void ObjectLifecycle(ILogger logger, int archived, int expired);
}
