namespace Spillway;

/// <summary>The host's log messages, source-generated so the hot paths format nothing they do not log.</summary>
internal static partial class LogMessages
{
    [LoggerMessage(1001, LogLevel.Warning, "Sink {Sink} is not reachable yet ({Reason}); retrying in {Delay}")]
    public static partial void SinkUnavailableAtStart(ILogger logger, string sink, string reason, TimeSpan delay);

    [LoggerMessage(1003, LogLevel.Error, "Sink {Sink}: {Reason}; checking again in {Delay}")]
    public static partial void SinkTableMismatch(ILogger logger, string sink, string reason, TimeSpan delay);

    [LoggerMessage(1002, LogLevel.Information, "Spillway serving {Urls}; data in {DataDirectory}")]
    public static partial void Serving(ILogger logger, string urls, string dataDirectory);

    [LoggerMessage(1004, LogLevel.Warning,
        "RabbitMQ at {Endpoint} did not answer at start-up; serving anyway (ingest answers 503) and reconnecting")]
    public static partial void TransportNotConnected(ILogger logger, string endpoint);
}
