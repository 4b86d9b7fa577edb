namespace Spillway.Exports;

/// <summary>Where an export job is.</summary>
public enum ExportState
{
    /// <summary>Accepted and waiting for a worker.</summary>
    Queued,
    /// <summary>Being written; <see cref="ExportJob.Rows"/> counts the rows so far.</summary>
    Running,
    /// <summary>The file is ready to download.</summary>
    Done,
    /// <summary>The job gave up; <see cref="ExportJob.Reason"/> says why.</summary>
    Failed,
    /// <summary>The file was deleted after its expiry.</summary>
    Expired,
}

/// <summary>A file format of exports.</summary>
public enum ExportFormat
{
    /// <summary>RFC 4180 CSV: a header row, CRLF line ends, fields quoted when they hold a comma, quote or line break.</summary>
    Csv,
    /// <summary>One JSON object per line (LF).</summary>
    Ndjson,
}

/// <summary>What to export and whom to tell.</summary>
/// <param name="Table">An exposed table's name.</param>
/// <param name="Format">The file format.</param>
/// <param name="Gzip">Whether the file is gzip-compressed.</param>
/// <param name="Filters">Filters in the read API's syntax (<c>email</c>, <c>created_at.gte</c>, …).</param>
/// <param name="NotifyEmail">An address to mail when the job ends; null for none.</param>
/// <param name="NotifyWebhook">An http(s) URL to POST the job's status to when it ends; null for none.</param>
public sealed record ExportRequest(
    string Table,
    ExportFormat Format,
    bool Gzip = false,
    IReadOnlyDictionary<string, string>? Filters = null,
    string? NotifyEmail = null,
    Uri? NotifyWebhook = null);

/// <summary>An export job's durable state.</summary>
public sealed record ExportJob
{
    public required string Id { get; init; }

    public required ExportRequest Request { get; init; }

    public ExportState State { get; init; }

    /// <summary>Rows written (so far, while running).</summary>
    public long Rows { get; init; }

    /// <summary>Bytes of the finished file.</summary>
    public long Bytes { get; init; }

    /// <summary>Why the job failed.</summary>
    public string? Reason { get; init; }

    /// <summary>Runs started (a database outage makes more than one).</summary>
    public int Attempts { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? StartedAt { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>When the file is deleted.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>The object's key in the store.</summary>
    public string ObjectKey => Id + Extension;

    /// <summary>The name a download is saved under: <c>users-&lt;id&gt;.csv.gz</c>.</summary>
    public string FileName => $"{Request.Table}-{Id}{Extension}";

    /// <summary>The download's media type.</summary>
    public string ContentType => Request.Gzip
        ? "application/gzip"
        : Request.Format == ExportFormat.Csv ? "text/csv; charset=utf-8; header=present" : "application/x-ndjson";

    private string Extension => (Request.Format == ExportFormat.Csv ? ".csv" : ".ndjson") + (Request.Gzip ? ".gz" : "");
}
