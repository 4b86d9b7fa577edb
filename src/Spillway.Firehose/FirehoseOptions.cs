namespace Spillway.Firehose;

/// <summary>
/// Settings of the Firehose API, bound by the host from <c>Spillway:Firehose</c>. It answers with the account, region and
/// credentials of the SQS API (<c>Spillway:Sqs</c>), so one set of client settings serves every AWS API.
/// </summary>
public sealed class FirehoseOptions
{
    /// <summary>Whether the API is served on the main listener. Defaults to true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Tables that a format conversion's <c>SchemaConfiguration.TableName</c> can name, standing in for Glue Data Catalog
    /// tables: each a column list, <c>device string, reading int, at timestamp</c> (types string, int, bigint, double,
    /// boolean, timestamp). Names compare without regard to case. Defaults to none.
    /// </summary>
    public Dictionary<string, string> Tables { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}
