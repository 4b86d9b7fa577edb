using Spillway.Aws;
using Spillway.Aws.Signing;

namespace Spillway.Sns;

/// <summary>What the host tells the SNS API: the account, credentials and clock it shares with the SQS API
/// (<c>Spillway:Sqs</c>), and the notifications it signs, as opposed to <see cref="SnsOptions"/>, which operators configure.</summary>
public sealed class SnsApiSettings
{
    /// <summary>The account and region of topic ARNs and of the queue ARNs subscriptions name. Defaults to 000000000000 in
    /// us-east-1; it must be the account of <see cref="Notifications"/>.</summary>
    public AwsAccount Account { get; init; } = new();

    /// <summary>The access keys requests must be signed with; <see cref="SigningCredentials.None"/> (the default) accepts
    /// any signature or none.</summary>
    public SigningCredentials Credentials { get; init; } = SigningCredentials.None;

    /// <summary>When set, every request is refused with AccessDenied and this reason. Defaults to null.</summary>
    public string? RefusalReason { get; init; }

    /// <summary>The clock of signatures. Defaults to the system clock; the engine keeps its own for publish times.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>The signing key and URLs of notifications, whose certificate and unsubscribe endpoints the API serves.
    /// Required.</summary>
    public required SnsNotifications Notifications { get; init; }
}
