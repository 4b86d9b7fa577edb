using Microsoft.Extensions.Logging;

namespace Spillway.Amqp;

internal static partial class LogMessages
{
    [LoggerMessage(1, LogLevel.Information, "Connected to RabbitMQ at {Endpoint} ({Purpose})")]
    public static partial void Connected(ILogger logger, string endpoint, string purpose);

    [LoggerMessage(2, LogLevel.Warning, "RabbitMQ at {Endpoint} ({Purpose}) is unreachable: {Reason}; retrying in {Delay}")]
    public static partial void ConnectFailed(ILogger logger, string endpoint, string purpose, string reason, TimeSpan delay);

    [LoggerMessage(3, LogLevel.Warning, "Lost the connection to RabbitMQ at {Endpoint} ({Purpose}): {Reason}")]
    public static partial void ConnectionLost(ILogger logger, string endpoint, string purpose, string reason);

    [LoggerMessage(
        4, LogLevel.Warning, "Consumer of queue '{Queue}' lost its channel: {Reason}; its unacknowledged messages return to the queue")]
    public static partial void ConsumerLost(ILogger logger, string queue, string reason);

    [LoggerMessage(5, LogLevel.Information, "Moved {Count} messages from '{Source}' to '{Destination}'")]
    public static partial void Redriven(ILogger logger, int count, string source, string destination);

    [LoggerMessage(6, LogLevel.Warning, "Reader of stream queue '{Queue}' lost its channel: {Reason}; it attaches again past its last record")]
    public static partial void ShardReaderLost(ILogger logger, string queue, string reason);
}
