using Microsoft.Extensions.Logging;

namespace Spillway.Aggregations.Internal;

internal static partial class LogMessages
{
    [LoggerMessage(1, LogLevel.Information, "Aggregation '{Name}' reads stream '{Stream}' (from its checkpoint: {Restored})")]
    public static partial void Started(ILogger logger, string name, string stream, bool restored);

    [LoggerMessage(2, LogLevel.Warning, "Aggregation '{Name}' failed; it starts over from its last checkpoint")]
    public static partial void Failed(ILogger logger, string name, Exception exception);
}
