using Spillway.Aws;

namespace Spillway.Kinesis.Internal;

/// <summary>Kinesis's own error codes, spelled as its JSON and CBOR answers spell <c>__type</c>.</summary>
internal static class KinesisErrors
{
    public static readonly AwsError ResourceNotFound = new("ResourceNotFoundException", 400);
    public static readonly AwsError ResourceInUse = new("ResourceInUseException", 400);
    public static readonly AwsError InvalidArgument = new("InvalidArgumentException", 400);
    public static readonly AwsError LimitExceeded = new("LimitExceededException", 400);
    public static readonly AwsError ThroughputExceeded = new("ProvisionedThroughputExceededException", 400);
    public static readonly AwsError ExpiredIterator = new("ExpiredIteratorException", 400);
    public static readonly AwsError ExpiredNextToken = new("ExpiredNextTokenException", 400);
    public static readonly AwsError Validation = new("ValidationException", 400);

    public static AwsException Invalid(string message) => new(InvalidArgument, message);

    public static AwsException Shape(string message) => new(Validation, message);
}
