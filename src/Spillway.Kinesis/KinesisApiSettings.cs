using Spillway.Aws;
using Spillway.Aws.Signing;

namespace Spillway.Kinesis;

/// <summary>What the host tells the Kinesis API: the account, credentials and clock it shares with the SQS API
/// (<c>Spillway:Sqs</c>), as opposed to <see cref="KinesisOptions"/>, which operators configure.</summary>
public sealed class KinesisApiSettings
{
    /// <summary>The account and region of stream and consumer ARNs. Defaults to 000000000000 in us-east-1.</summary>
    public AwsAccount Account { get; init; } = new();

    /// <summary>The access keys requests must be signed with; <see cref="SigningCredentials.None"/> (the default) accepts
    /// any signature or none.</summary>
    public SigningCredentials Credentials { get; init; } = SigningCredentials.None;

    /// <summary>When set, every request is refused with AccessDeniedException and this reason. Defaults to null.</summary>
    public string? RefusalReason { get; init; }

    /// <summary>The clock of signatures, iterator expiry and subscription lifetimes. Defaults to the system clock; the
    /// engine keeps its own for arrival times and retention.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
