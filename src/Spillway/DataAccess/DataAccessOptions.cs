using Spillway.Notifications;

namespace Spillway.DataAccess;

/// <summary>
/// A sink table made readable and exportable (<c>Spillway:Tables:&lt;name&gt;</c>), and its retention. The default
/// configuration exposes <c>users</c>, filterable by <c>email</c> and <c>created_at</c>.
/// </summary>
internal sealed class TableConfig
{
    /// <summary>The sink whose table this is. Defaults to the entry's name.</summary>
    public string? Sink { get; set; }

    /// <summary>Whether <c>GET /v1/tables/{name}</c> and exports serve it. Defaults to true.</summary>
    public bool Expose { get; set; } = true;

    /// <summary>The columns returned (the id always is). Defaults to empty: every column of the sink.</summary>
    public List<string> Columns { get; set; } = [];

    /// <summary>The columns requests may filter on (equality and ranges). Defaults to none.</summary>
    public List<string> Filters { get; set; } = [];

    /// <summary>Rows older than this many days (by the created-at column) are deleted. Defaults to null: kept forever.</summary>
    public int? RetentionDays { get; set; }

    /// <summary>Rows one retention statement deletes. 1–100,000; defaults to 1,000, short enough not to hold up ingest.</summary>
    public int RetentionBatchSize { get; set; } = 1000;

    /// <summary>Connections reads and deletes of this table use at most, apart from the sink's writers. Defaults to 4.</summary>
    public int ReadMaxConnections { get; set; } = 4;
}

/// <summary>The <c>Spillway:Exports</c> section.</summary>
internal sealed class ExportsConfig
{
    /// <summary>Jobs running at once. Defaults to 1.</summary>
    public int MaxConcurrency { get; set; } = 1;

    /// <summary>Runs of a job while the database is unreachable. Defaults to 5.</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>First wait between runs, doubling. Defaults to 2 s.</summary>
    public int RetryInitialDelaySeconds { get; set; } = 2;

    /// <summary>Longest wait between runs. Defaults to 60 s.</summary>
    public int RetryMaxDelaySeconds { get; set; } = 60;

    /// <summary>Days a finished file is kept. Defaults to 7.</summary>
    public int ExpireAfterDays { get; set; } = 7;

    /// <summary>Where jobs and files live. Defaults to <c>&lt;data-dir&gt;/exports</c>.</summary>
    public string? Directory { get; set; }

    /// <summary>The server's public address for the links in notices (https://spillway.example.com). Defaults to none.</summary>
    public string? PublicBaseUrl { get; set; }

    /// <summary>Hosts a job's webhook may point at. Defaults to none: webhooks are refused.</summary>
    public List<string> WebhookHosts { get; set; } = [];

    /// <summary>Defaults to 10 s.</summary>
    public int WebhookTimeoutSeconds { get; set; } = 10;

    /// <summary>Rows per second a job writes at most while the write path is quiet. Defaults to 0: no cap.</summary>
    public long MaxRowsPerSecond { get; set; }

    /// <summary>Rows per second a job writes at most while the write path is busy. Defaults to 50,000; 0: no cap.</summary>
    public long BusyMaxRowsPerSecond { get; set; } = Spillway.Exports.ExportOptions.DefaultBusyMaxRowsPerSecond;

    /// <summary>
    /// Nice value (Linux, 0–19) of the thread that streams a CSV PostgreSQL writes itself into the file. Defaults to 19.
    /// </summary>
    public int Niceness { get; set; } = 19;

    /// <summary>
    /// Messages per second (accepted by the queues plus delivered by the workers) above which the write path is busy.
    /// Defaults to 100.
    /// </summary>
    public long IngestBusyMessagesPerSecond { get; set; } = Spillway.Exports.IngestActivity.DefaultBusyMessagesPerSecond;

    /// <summary>How often expired files and retention are handled. Defaults to 60 minutes.</summary>
    public int LifecycleIntervalMinutes { get; set; } = 60;

    /// <summary>The SMTP server that mails notices; no Host (the default) refuses <c>notify.email</c>.</summary>
    public SmtpConfig Smtp { get; set; } = new();
}
