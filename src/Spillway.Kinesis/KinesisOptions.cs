namespace Spillway.Kinesis;

/// <summary>
/// Settings of the Kinesis API, bound by the host from <c>Spillway:Kinesis</c>. It answers with the account, region and
/// credentials of the SQS API (<c>Spillway:Sqs</c>), so one set of client settings serves both.
/// </summary>
public sealed class KinesisOptions
{
    /// <summary>Whether the API is served on the main listener. Defaults to true.</summary>
    public bool Enabled { get; set; } = true;
}
