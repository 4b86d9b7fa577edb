using Spillway.Aws;

namespace Spillway.Sqs.Internal;

/// <summary>
/// SQS's errors: the query protocol's code, the JSON shape after <c>com.amazonaws.sqs#</c>, and the status, as SQS's
/// service model has them. The errors common to AWS query services come from <see cref="AwsServiceErrors.Query"/>.
/// </summary>
internal static class SqsError
{
    public static readonly AwsServiceErrors Common = AwsServiceErrors.Query;

    // Modelled SQS errors.
    public static readonly AwsError QueueDoesNotExist = new("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist", 400);
    public static readonly AwsError QueueNameExists = new("QueueAlreadyExists", "QueueNameExists", 400);
    public static readonly AwsError PurgeQueueInProgress = new("AWS.SimpleQueueService.PurgeQueueInProgress", "PurgeQueueInProgress", 403);
    public static readonly AwsError MessageNotInflight = new("AWS.SimpleQueueService.MessageNotInflight", "MessageNotInflight", 400);
    public static readonly AwsError ReceiptHandleIsInvalid = new("ReceiptHandleIsInvalid", 404);
    public static readonly AwsError InvalidAttributeName = new("InvalidAttributeName", 400);
    public static readonly AwsError InvalidAttributeValue = new("InvalidAttributeValue", 400);
    public static readonly AwsError InvalidMessageContents = new("InvalidMessageContents", 400);
    public static readonly AwsError TooManyEntriesInBatchRequest =
        new("AWS.SimpleQueueService.TooManyEntriesInBatchRequest", "TooManyEntriesInBatchRequest", 400);
    public static readonly AwsError EmptyBatchRequest = new("AWS.SimpleQueueService.EmptyBatchRequest", "EmptyBatchRequest", 400);
    public static readonly AwsError BatchEntryIdsNotDistinct =
        new("AWS.SimpleQueueService.BatchEntryIdsNotDistinct", "BatchEntryIdsNotDistinct", 400);
    public static readonly AwsError InvalidBatchEntryId = new("AWS.SimpleQueueService.InvalidBatchEntryId", "InvalidBatchEntryId", 400);
    public static readonly AwsError BatchRequestTooLong = new("AWS.SimpleQueueService.BatchRequestTooLong", "BatchRequestTooLong", 400);
    public static readonly AwsError UnsupportedOperation = new("AWS.SimpleQueueService.UnsupportedOperation", "UnsupportedOperation", 400);
    public static readonly AwsError OverLimit = new("OverLimit", 403);
    public static readonly AwsError RequestThrottled = new("RequestThrottled", 400);
    public static readonly AwsError ResourceNotFound = new("ResourceNotFoundException", 404);

    public static AwsError InvalidParameterValue => Common.InvalidParameterValue;

    public static AwsError InvalidAction => Common.InvalidAction;

    public static AwsError ServiceUnavailable => Common.ServiceUnavailable;

    public static AwsException Missing(string parameter) => Common.Missing(parameter);

    public static AwsException Invalid(string parameter, string? value, string reason) => Common.Invalid(parameter, value, reason);

    public static AwsException NoQueue() => new(QueueDoesNotExist, "The specified queue does not exist.");
}
