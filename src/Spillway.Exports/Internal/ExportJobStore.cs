using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization;
using Spillway.Storage;

namespace Spillway.Exports.Internal;

/// <summary>
/// Every job's state as one small JSON file (<c>&lt;id&gt;.json</c>), replaced atomically (temporary file, fsync,
/// rename, directory fsync), with the current states in memory. A running job's row count moves in memory only;
/// the file changes at each state change.
/// </summary>
internal sealed class ExportJobStore
{
    private readonly ConcurrentDictionary<string, ExportJob> jobs = new(StringComparer.Ordinal);
    private readonly IStorageDevice device = FileStorageDevice.Instance;
    private readonly string directory;

    public ExportJobStore(string directory)
    {
        this.directory = Path.GetFullPath(directory);
        device.CreateDirectory(this.directory);
        foreach (var file in Directory.EnumerateFiles(this.directory))
        {
            if (!file.EndsWith(".json", StringComparison.Ordinal))
            {
                File.Delete(file); // a temporary file a crash left
                continue;
            }

            var job = JsonSerializer.Deserialize(File.ReadAllBytes(file), ExportJsonContext.Default.StoredJob)?.ToJob();
            if (job is not null)
            {
                jobs[job.Id] = job;
            }
        }
    }

    public IEnumerable<ExportJob> All => jobs.Values;

    public bool TryGet(string id, out ExportJob job) => jobs.TryGetValue(id, out job!);

    /// <summary>Writes the job durably, then makes it current.</summary>
    public void Save(ExportJob job)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(StoredJob.From(job), ExportJsonContext.Default.StoredJob);
        device.WriteAtomically(Path.Combine(directory, job.Id + ".json"), bytes);
        jobs[job.Id] = job;
    }

    /// <summary>Changes the in-memory state only (progress of a running job).</summary>
    public void Touch(ExportJob job) => jobs[job.Id] = job;
}

/// <summary>The job's file layout.</summary>
internal sealed record StoredJob(
    string Id,
    string Table,
    string Format,
    bool Gzip,
    Dictionary<string, string>? Filters,
    string? NotifyEmail,
    string? NotifyWebhook,
    string State,
    long Rows,
    long Bytes,
    string? Reason,
    int Attempts,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    DateTimeOffset? ExpiresAt)
{
    public static StoredJob From(ExportJob job) => new(
        job.Id,
        job.Request.Table,
        job.Request.Format.ToString().ToLowerInvariant(),
        job.Request.Gzip,
        job.Request.Filters?.ToDictionary(StringComparer.Ordinal),
        job.Request.NotifyEmail,
        job.Request.NotifyWebhook?.ToString(),
        job.State.ToString().ToLowerInvariant(),
        job.Rows,
        job.Bytes,
        job.Reason,
        job.Attempts,
        job.CreatedAt,
        job.StartedAt,
        job.FinishedAt,
        job.ExpiresAt);

    public ExportJob ToJob() => new()
    {
        Id = Id,
        Request = new ExportRequest(
            Table,
            Enum.Parse<ExportFormat>(Format, ignoreCase: true),
            Gzip,
            Filters,
            NotifyEmail,
            NotifyWebhook is null ? null : new Uri(NotifyWebhook)),
        State = Enum.Parse<ExportState>(State, ignoreCase: true),
        Rows = Rows,
        Bytes = Bytes,
        Reason = Reason,
        Attempts = Attempts,
        CreatedAt = CreatedAt,
        StartedAt = StartedAt,
        FinishedAt = FinishedAt,
        ExpiresAt = ExpiresAt,
    };
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(StoredJob))]
internal sealed partial class ExportJsonContext : JsonSerializerContext;
