using Microsoft.Extensions.Logging;

namespace Spillway.Aws.Internal;

internal static partial class LogMessages
{
    [LoggerMessage(EventId = 4001, Level = LogLevel.Error, Message = "{Service} {Action} failed unexpectedly")]
    public static partial void UnexpectedFailure(ILogger logger, string service, string action, Exception exception);
}
