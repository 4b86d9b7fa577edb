using Spillway.Aws;
using Spillway.Aws.Signing;

namespace Spillway.Firehose;

/// <summary>What the host tells the Firehose API: the account, credentials and clock it shares with the SQS API
/// (<c>Spillway:Sqs</c>), as opposed to <see cref="FirehoseOptions"/>, which operators configure.</summary>
public sealed class FirehoseApiSettings
{
    /// <summary>The account and region of delivery stream ARNs. Defaults to 000000000000 in us-east-1.</summary>
    public AwsAccount Account { get; init; } = new();

    /// <summary>The access keys requests must be signed with; <see cref="SigningCredentials.None"/> (the default) accepts
    /// any signature or none.</summary>
    public SigningCredentials Credentials { get; init; } = SigningCredentials.None;

    /// <summary>When set, every request is refused with AccessDeniedException and this reason. Defaults to null.</summary>
    public string? RefusalReason { get; init; }

    /// <summary>Whether a Spillway stream of that name exists, for delivery streams that read one
    /// (<c>KinesisStreamAsSource</c>); null (the default): the node has no streams, and such delivery streams are refused.</summary>
    public Func<string, bool>? StreamExists { get; init; }

    /// <summary>The clock of signatures. Defaults to the system clock.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
