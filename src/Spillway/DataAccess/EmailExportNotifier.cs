using System.Globalization;
using Spillway.Exports;
using Spillway.Notifications;

namespace Spillway.DataAccess;

/// <summary>Mails the requester when the job ends: the link when done, the reason when failed.</summary>
internal sealed class EmailExportNotifier(SmtpMailer mailer) : IExportNotifier
{
    public Task NotifyAsync(ExportJob job, Uri? downloadUrl, CancellationToken cancellationToken)
    {
        if (job.Request.NotifyEmail is not { } to)
        {
            return Task.CompletedTask;
        }

        return mailer.SendAsync([to], Subject(job), Body(job, downloadUrl), cancellationToken);
    }

    internal static string Subject(ExportJob job) => job.State == ExportState.Done
        ? $"[Spillway] Your export of {job.Request.Table} is ready"
        : $"[Spillway] Your export of {job.Request.Table} failed";

    internal static string Body(ExportJob job, Uri? downloadUrl) => job.State == ExportState.Done
        ? string.Create(CultureInfo.InvariantCulture, $"""
            Your export {job.Id} of table {job.Request.Table} is ready.

            Download:  {downloadUrl}
            Rows:      {job.Rows}
            Size:      {job.Bytes} bytes
            Expires:   {job.ExpiresAt:O}

            """)
        : string.Create(CultureInfo.InvariantCulture, $"""
            Your export {job.Id} of table {job.Request.Table} failed.

            Reason:    {job.Reason}
            Attempts:  {job.Attempts}

            """);
}
