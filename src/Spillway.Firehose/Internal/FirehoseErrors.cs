using Spillway.Aws;

namespace Spillway.Firehose.Internal;

/// <summary>Firehose's own error codes, spelled as its JSON answers spell <c>__type</c>.</summary>
internal static class FirehoseErrors
{
    public static readonly AwsError ResourceNotFound = new("ResourceNotFoundException", 400);
    public static readonly AwsError ResourceInUse = new("ResourceInUseException", 400);
    public static readonly AwsError InvalidArgument = new("InvalidArgumentException", 400);
    public static readonly AwsError ConcurrentModification = new("ConcurrentModificationException", 400);
    public static readonly AwsError Validation = new("ValidationException", 400);
    public static readonly AwsError ServiceUnavailable = new("ServiceUnavailableException", 503, senderFault: false);

    public static AwsException Invalid(string message) => new(InvalidArgument, message);

    public static AwsException Shape(string message) => new(Validation, message);
}
