using Spillway.Aws;

namespace Spillway.Sns.Internal;

/// <summary>SNS's own error codes and statuses, as its query API answers them; the layer's common ones are
/// <see cref="AwsServiceErrors.Query"/>.</summary>
internal static class SnsErrors
{
    public static readonly AwsError InvalidParameter = new("InvalidParameter", 400);
    public static readonly AwsError ParameterValueInvalid = new("ParameterValueInvalid", 400);
    public static readonly AwsError NotFound = new("NotFound", 404);
    public static readonly AwsError ResourceNotFound = new("ResourceNotFound", 404);
    public static readonly AwsError TagLimitExceeded = new("TagLimitExceeded", 400);
    public static readonly AwsError TagPolicy = new("TagPolicy", 400);
    public static readonly AwsError EmptyBatchRequest = new("EmptyBatchRequest", 400);
    public static readonly AwsError TooManyEntriesInBatchRequest = new("TooManyEntriesInBatchRequest", 400);
    public static readonly AwsError BatchEntryIdsNotDistinct = new("BatchEntryIdsNotDistinct", 400);
    public static readonly AwsError InvalidBatchEntryId = new("InvalidBatchEntryId", 400);
    public static readonly AwsError BatchRequestTooLong = new("BatchRequestTooLong", 400);

    /// <summary>SNS's usual refusal: <c>Invalid parameter: &lt;what&gt;</c>.</summary>
    public static AwsException Invalid(string what) => new(InvalidParameter, "Invalid parameter: " + what);

    public static AwsException TopicNotFound() => new(NotFound, "Topic does not exist");

    public static AwsException SubscriptionNotFound() => new(NotFound, "Subscription does not exist");
}
