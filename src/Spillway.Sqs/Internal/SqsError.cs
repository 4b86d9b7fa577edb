namespace Spillway.Sqs.Internal;

/// <summary>
/// One SQS error as both protocols spell it: <see cref="Code"/> is the query protocol's <c>&lt;Code&gt;</c> (and the
/// JSON protocol's <c>x-amzn-query-error</c> header), <see cref="Shape"/> the JSON protocol's <c>__type</c> after
/// <c>com.amazonaws.sqs#</c>. Codes and statuses are those of SQS's service model.
/// </summary>
internal sealed class SqsError
{
    private SqsError(string code, string shape, int status, bool senderFault = true)
    {
        Code = code;
        Shape = shape;
        Status = status;
        SenderFault = senderFault;
        JsonType = "com.amazonaws.sqs#" + shape;
        QueryErrorHeader = code + (senderFault ? ";Sender" : ";Receiver");
    }

    public string Code { get; }

    public string Shape { get; }

    public int Status { get; }

    public bool SenderFault { get; }

    public string JsonType { get; }

    public string QueryErrorHeader { get; }

    // Modelled SQS errors.
    public static readonly SqsError QueueDoesNotExist = new("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist", 400);
    public static readonly SqsError QueueNameExists = new("QueueAlreadyExists", "QueueNameExists", 400);
    public static readonly SqsError PurgeQueueInProgress = new("AWS.SimpleQueueService.PurgeQueueInProgress", "PurgeQueueInProgress", 403);
    public static readonly SqsError MessageNotInflight = new("AWS.SimpleQueueService.MessageNotInflight", "MessageNotInflight", 400);
    public static readonly SqsError ReceiptHandleIsInvalid = new("ReceiptHandleIsInvalid", "ReceiptHandleIsInvalid", 404);
    public static readonly SqsError InvalidAttributeName = new("InvalidAttributeName", "InvalidAttributeName", 400);
    public static readonly SqsError InvalidAttributeValue = new("InvalidAttributeValue", "InvalidAttributeValue", 400);
    public static readonly SqsError InvalidMessageContents = new("InvalidMessageContents", "InvalidMessageContents", 400);
    public static readonly SqsError TooManyEntriesInBatchRequest =
        new("AWS.SimpleQueueService.TooManyEntriesInBatchRequest", "TooManyEntriesInBatchRequest", 400);
    public static readonly SqsError EmptyBatchRequest = new("AWS.SimpleQueueService.EmptyBatchRequest", "EmptyBatchRequest", 400);
    public static readonly SqsError BatchEntryIdsNotDistinct =
        new("AWS.SimpleQueueService.BatchEntryIdsNotDistinct", "BatchEntryIdsNotDistinct", 400);
    public static readonly SqsError InvalidBatchEntryId = new("AWS.SimpleQueueService.InvalidBatchEntryId", "InvalidBatchEntryId", 400);
    public static readonly SqsError BatchRequestTooLong = new("AWS.SimpleQueueService.BatchRequestTooLong", "BatchRequestTooLong", 400);
    public static readonly SqsError UnsupportedOperation = new("AWS.SimpleQueueService.UnsupportedOperation", "UnsupportedOperation", 400);
    public static readonly SqsError OverLimit = new("OverLimit", "OverLimit", 403);
    public static readonly SqsError ResourceNotFound = new("ResourceNotFoundException", "ResourceNotFoundException", 404);

    // Errors common to AWS query services.
    public static readonly SqsError InvalidParameterValue = new("InvalidParameterValue", "InvalidParameterValue", 400);
    public static readonly SqsError MissingParameter = new("MissingParameter", "MissingParameter", 400);
    public static readonly SqsError InvalidAction = new("InvalidAction", "InvalidAction", 400);
    public static readonly SqsError MalformedQueryString = new("MalformedQueryString", "MalformedQueryString", 404);
    public static readonly SqsError RequestEntityTooLarge = new("RequestEntityTooLarge", "RequestEntityTooLarge", 413);
    public static readonly SqsError AccessDenied = new("AccessDenied", "AccessDenied", 403);
    public static readonly SqsError ServiceUnavailable = new("ServiceUnavailable", "ServiceUnavailable", 503, senderFault: false);

    // Authentication errors, for the request signature check.
    public static readonly SqsError InvalidClientTokenId = new("InvalidClientTokenId", "InvalidClientTokenId", 403);
    public static readonly SqsError SignatureDoesNotMatch = new("SignatureDoesNotMatch", "SignatureDoesNotMatch", 403);
    public static readonly SqsError IncompleteSignature = new("IncompleteSignature", "IncompleteSignature", 400);
    public static readonly SqsError MissingAuthenticationToken = new("MissingAuthenticationToken", "MissingAuthenticationToken", 403);
    public static readonly SqsError RequestExpired = new("RequestExpired", "RequestExpired", 400);
}

/// <summary>Thrown by an action to answer with an SQS error; the pipeline writes it in the request's protocol.</summary>
internal sealed class SqsException(SqsError error, string message) : Exception(message)
{
    public SqsError Error { get; } = error;

    public static SqsException Missing(string parameter) =>
        new(SqsError.MissingParameter, $"The request must contain the parameter {parameter}.");

    public static SqsException Invalid(string parameter, string? value, string reason) =>
        new(SqsError.InvalidParameterValue, $"Value {value} for parameter {parameter} is invalid. Reason: {reason}");

    public static SqsException NoQueue() => new(SqsError.QueueDoesNotExist, "The specified queue does not exist.");
}
