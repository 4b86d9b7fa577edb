namespace Spillway.Firehose;

/// <summary>
/// Settings of the Firehose API, bound by the host from <c>Spillway:Firehose</c>. It answers with the account, region and
/// credentials of the SQS API (<c>Spillway:Sqs</c>), so one set of client settings serves every AWS API.
/// </summary>
public sealed class FirehoseOptions
{
    /// <summary>Whether the API is served on the main listener. Defaults to true.</summary>
    public bool Enabled { get; set; } = true;
}
