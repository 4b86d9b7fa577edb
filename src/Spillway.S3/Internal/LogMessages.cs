using Microsoft.Extensions.Logging;

namespace Spillway.S3.Internal;

internal static partial class LogMessages
{
    [LoggerMessage(1, LogLevel.Error, "An S3 {Method} request failed unexpectedly")]
    public static partial void UnexpectedFailure(ILogger logger, string method, Exception exception);
}
