using Spillway.Aws;

namespace Spillway.Sqs;

/// <summary>
/// Settings of the SQS-compatible API, bound by the host from the configuration section <c>Spillway:Sqs</c>:
/// <code>
/// "Spillway": {
///   "Sqs": {
///     "Enabled": true,
///     "AccountId": "000000000000",
///     "Region": "us-east-1",
///     "AccessKeyId": "…",
///     "SecretAccessKey": "…"
///   }
/// }
/// </code>
/// <see cref="ToString"/> redacts the secret.
/// </summary>
public sealed class SqsOptions
{
    /// <summary>Whether the API is served on the main listener. Defaults to true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The 12-digit account id in queue URLs (<c>/&lt;account&gt;/&lt;name&gt;</c>) and ARNs. Defaults to
    /// "000000000000", the id local SQS emulators use, so existing client configuration keeps working.</summary>
    public string AccountId { get; set; } = "000000000000";

    /// <summary>The region in queue ARNs (<c>arn:aws:sqs:&lt;region&gt;:&lt;account&gt;:&lt;name&gt;</c>).
    /// Defaults to "us-east-1".</summary>
    public string Region { get; set; } = "us-east-1";

    /// <summary>
    /// The access key id clients sign with (Signature V4). Null (the default) for none: then any signature is accepted,
    /// and the host serves the API only on loopback listeners unless unauthenticated remote access is allowed.
    /// </summary>
    public string? AccessKeyId { get; set; }

    /// <summary>The secret of <see cref="AccessKeyId"/>; never logged. Null (the default) for none.</summary>
    public string? SecretAccessKey { get; set; }

    /// <summary>Whether <see cref="AccessKeyId"/> and <see cref="SecretAccessKey"/> are both set.</summary>
    public bool HasCredentials => !string.IsNullOrEmpty(AccessKeyId) && !string.IsNullOrEmpty(SecretAccessKey);

    /// <summary>Throws <see cref="SqsConfigurationException"/> naming the setting (under <paramref name="configurationKey"/>)
    /// when a value is out of range; the message never contains the secret.</summary>
    public void Validate(string configurationKey = "Spillway:Sqs")
    {
        if (!AwsAccount.IsValidAccountId(AccountId))
        {
            throw new SqsConfigurationException($"{configurationKey}:AccountId", $"must be 12 digits (got '{AccountId}')");
        }

        if (!AwsAccount.IsValidRegion(Region))
        {
            throw new SqsConfigurationException($"{configurationKey}:Region", $"must be a region name such as us-east-1 (got '{Region}')");
        }

        if (string.IsNullOrEmpty(AccessKeyId) != string.IsNullOrEmpty(SecretAccessKey))
        {
            throw new SqsConfigurationException(
                $"{configurationKey}:{(string.IsNullOrEmpty(AccessKeyId) ? "AccessKeyId" : "SecretAccessKey")}",
                "AccessKeyId and SecretAccessKey are set together or not at all");
        }
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"SqsOptions {{ Enabled = {Enabled}, AccountId = {AccountId}, Region = {Region}, AccessKeyId = {AccessKeyId ?? "none"}, "
        + $"SecretAccessKey = {(string.IsNullOrEmpty(SecretAccessKey) ? "none" : "redacted")} }}";
}
