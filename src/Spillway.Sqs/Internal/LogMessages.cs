using Microsoft.Extensions.Logging;

namespace Spillway.Sqs.Internal;

internal static partial class LogMessages
{
    [LoggerMessage(EventId = 4001, Level = LogLevel.Error, Message = "SQS {Action} failed unexpectedly")]
    public static partial void UnexpectedFailure(ILogger logger, string action, Exception exception);
}
