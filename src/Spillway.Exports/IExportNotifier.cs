namespace Spillway.Exports;

/// <summary>Tells the requester that a job ended (done or failed), by mail, webhook or anything else.</summary>
public interface IExportNotifier
{
    /// <summary>Sends the notice if the job asked for this kind; throws when it cannot be delivered.</summary>
    Task NotifyAsync(ExportJob job, Uri? downloadUrl, CancellationToken cancellationToken);
}
