namespace Spillway.Aws;

/// <summary>
/// The account and region a service answers as: they appear in its URLs and ARNs. Spillway has one account; the host
/// binds it from the service's configuration section (for SQS <c>Spillway:Sqs:AccountId</c> and <c>Region</c>).
/// </summary>
public sealed record AwsAccount
{
    /// <summary>The 12-digit account id; "000000000000" by default, the id local AWS emulators use.</summary>
    public string AccountId { get; init; } = "000000000000";

    /// <summary>The region, "us-east-1" by default.</summary>
    public string Region { get; init; } = "us-east-1";

    /// <summary>An ARN of this account and region.</summary>
    public Arn Arn(string service, string resource) => Aws.Arn.Of(service, Region, AccountId, resource);

    /// <summary>Whether <paramref name="accountId"/> is 12 ASCII digits.</summary>
    public static bool IsValidAccountId(string? accountId) => accountId is { Length: 12 } && accountId.All(char.IsAsciiDigit);

    /// <summary>Whether <paramref name="region"/> looks like a region name (1-64 lower-case letters, digits and '-').</summary>
    public static bool IsValidRegion(string? region) =>
        !string.IsNullOrEmpty(region) && region.Length <= 64 && region.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-');
}
