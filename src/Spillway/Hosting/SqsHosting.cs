using Spillway.Gateway;
using Spillway.Sqs;

namespace Spillway.Hosting;

/// <summary>The SQS API's settings (<c>Spillway:Sqs</c>), which the Kinesis, SNS, Firehose and S3 APIs share, and their listener rule; <see cref="SpillwayRuntime.Attach"/> maps it.</summary>
internal static class SqsHosting
{
    /// <summary>The account and region of the SQS API, whose ARNs the Kinesis and SNS APIs use too.</summary>
    public static Aws.AwsAccount Account(SpillwayOptions options) => new() { AccountId = options.Sqs.AccountId, Region = options.Sqs.Region };

    /// <summary>
    /// Completes and validates the SQS settings; credentials may come from <c>SPILLWAY_ACCESS_KEY_ID</c> and
    /// <c>SPILLWAY_SECRET_ACCESS_KEY</c>. Returns why the API must refuse requests, or null when it may serve them:
    /// without credentials it is served only under the gateway's rule for unauthenticated access (loopback listeners,
    /// or AllowUnauthenticatedRemote). The gateway's API keys do not count here, since SQS clients cannot send them.
    /// </summary>
    public static string? Configure(SpillwayOptions options, string[] urls)
    {
        var sqs = options.Sqs;
        var keyId = Environment.GetEnvironmentVariable("SPILLWAY_ACCESS_KEY_ID");
        var secret = Environment.GetEnvironmentVariable("SPILLWAY_SECRET_ACCESS_KEY");
        if (!string.IsNullOrEmpty(keyId) || !string.IsNullOrEmpty(secret))
        {
            sqs.AccessKeyId = keyId;
            sqs.SecretAccessKey = secret;
        }

        try
        {
            sqs.Validate($"{SpillwayOptions.SectionName}:Sqs");
        }
        catch (SqsConfigurationException e)
        {
            throw new ConfigurationException(e.Key, e.Problem);
        }

        // Kinesis, SNS, Firehose and S3 sign with the same credentials, so the rule is settled even when only one of them is served.
        if (sqs.HasCredentials || !(sqs.Enabled || options.Kinesis.Enabled || options.Sns.Enabled || options.Firehose.Enabled || options.Objects.S3Api))
        {
            return null;
        }

        try
        {
            new GatewayOptions { AllowUnauthenticatedRemote = options.Gateway.AllowUnauthenticatedRemote }.EnsureSafeToListen(urls);
            return null;
        }
        catch (GatewayConfigurationException)
        {
            return "The SQS, Kinesis, SNS, Firehose and S3 APIs are not served without credentials on a listener beyond loopback: set Spillway:Sqs:AccessKeyId and "
                + "SecretAccessKey (or SPILLWAY_ACCESS_KEY_ID and SPILLWAY_SECRET_ACCESS_KEY), or allow unauthenticated remote access.";
        }
    }
}
