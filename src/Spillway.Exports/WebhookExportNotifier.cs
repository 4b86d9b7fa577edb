using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Spillway.Exports;

/// <summary>POSTs the ended job's status as JSON to the job's <see cref="ExportRequest.NotifyWebhook"/>.</summary>
public sealed class WebhookExportNotifier(HttpClient client) : IExportNotifier
{
    /// <inheritdoc />
    public async Task NotifyAsync(ExportJob job, Uri? downloadUrl, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (job.Request.NotifyWebhook is not { } url)
        {
            return;
        }

        var payload = new ExportNotice(
            job.Id,
            job.Request.Table,
            job.State.ToString().ToLowerInvariant(),
            job.Rows,
            job.Bytes,
            job.Reason,
            job.State == ExportState.Done ? downloadUrl?.ToString() : null,
            job.ExpiresAt);
        using var response = await client.PostAsJsonAsync(url, payload, ExportNoticeJsonContext.Default.ExportNotice, cancellationToken)
            .ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
    }
}

/// <summary>The webhook's body.</summary>
internal sealed record ExportNotice(
    string Id, string Table, string State, long Rows, long Bytes, string? Reason, string? DownloadUrl, DateTimeOffset? ExpiresAt);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ExportNotice))]
internal sealed partial class ExportNoticeJsonContext : JsonSerializerContext;
