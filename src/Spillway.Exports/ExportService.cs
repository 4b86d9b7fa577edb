using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Compression;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Spillway.Exports.Internal;
using Spillway.Messaging;
using Spillway.Objects;
using Spillway.Processing;
using Spillway.Sinks;
using Spillway.Transport;

namespace Spillway.Exports;

/// <summary>
/// Export jobs, as the "Download" button of a web application would run them: a request is stored durably and put
/// on a queue of the transport (202 at once); a worker of concurrency <see cref="ExportOptions.MaxConcurrency"/> streams the
/// query result into a file in the <see cref="IObjectStore"/>, retries while the database is unreachable, and the
/// requester is notified when the job ends. Files expire after <see cref="ExportOptions.ExpireAfter"/>.
/// </summary>
public sealed partial class ExportService : IAsyncDisposable
{
    private const int FlushBytes = 64 * 1024;
    private const int ProgressRows = 10_000;
    private const int PaceRows = 256;

    private readonly ExportOptions options;
    private readonly IReadOnlyDictionary<string, ExposedTable> tables;
    private readonly IMessageTransport transport;
    private readonly IObjectStore store;
    private readonly IReadOnlyList<IExportNotifier> notifiers;
    private readonly ILogger logger;
    private readonly ExportJobStore jobs;
    private readonly ConcurrentDictionary<string, byte> running = new(StringComparer.Ordinal);
    private readonly Lock saving = new();
    private readonly TimeProvider time;
    private EventSourceMapping? mapping;
    private IQueueReceiver? receiver;

    /// <summary>Creates the service over its queue (<see cref="ExportOptions.QueueName"/> of
    /// <paramref name="transport"/>, which must exist) and store; nothing runs before <see cref="StartAsync"/>.</summary>
    public ExportService(
        ExportOptions options,
        IReadOnlyDictionary<string, ExposedTable> tables,
        IMessageTransport transport,
        IObjectStore store,
        IEnumerable<IExportNotifier>? notifiers = null,
        ILogger<ExportService>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(tables);
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(store);
        this.options = options;
        this.tables = tables;
        this.transport = transport;
        this.store = store;
        this.notifiers = [.. notifiers ?? []];
        this.logger = logger ?? (ILogger)NullLogger.Instance;
        time = options.TimeProvider;
        jobs = new ExportJobStore(options.JobDirectory);
    }

    /// <summary>Hosts allowed in <see cref="ExportRequest.NotifyWebhook"/>; empty (the default) refuses webhooks.</summary>
    public IReadOnlySet<string> WebhookHosts { get; init; } = new HashSet<string>();

    /// <summary>Whether a mail notifier is configured, so that <see cref="ExportRequest.NotifyEmail"/> is accepted.</summary>
    public bool EmailEnabled { get; init; }

    /// <summary>Test hook: called when a run's retry was scheduled on the clock, with its delay.</summary>
    internal Action<TimeSpan>? RetryScheduled { get; set; }

    /// <summary>Test hook: called when a job waits on the clock to keep to its row rate, with the wait.</summary>
    internal Action<TimeSpan>? PaceScheduled { get; set; }

    /// <summary>Test hook: called after a job's final state (done or failed) was stored and notified.</summary>
    internal Action<ExportJob>? JobEnded { get; set; }

    /// <summary>Re-queues the jobs a restart interrupted, then starts the worker.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (!await store.BucketExistsAsync(options.Bucket, cancellationToken).ConfigureAwait(false))
        {
            await store.CreateBucketAsync(options.Bucket, cancellationToken).ConfigureAwait(false);
        }

        foreach (var job in jobs.All.Where(j => j.State is ExportState.Queued or ExportState.Running).ToList())
        {
            // A run cut short by the restart starts over; its trigger may be in the queue too, and a second
            // trigger for a job that already ended is simply dropped.
            if (job.State == ExportState.Running)
            {
                Save(job with { State = ExportState.Queued, Rows = 0 });
            }

            await EnqueueAsync(job.Id, cancellationToken).ConfigureAwait(false);
        }

        receiver = transport.OpenReceiver(options.QueueName, options.MaxConcurrency);
        mapping = new EventSourceMapping(receiver, new JobHandler(this), new EventSourceMappingOptions
        {
            BatchSize = 1,
            MaximumConcurrency = options.MaxConcurrency,
            VisibilityTimeout = TimeSpan.FromHours(1),
        });
        await mapping.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops taking jobs; a running job is cancelled and runs again after the next start.</summary>
    public async ValueTask DisposeAsync()
    {
        if (mapping is not null)
        {
            await mapping.DisposeAsync().ConfigureAwait(false);
        }

        if (receiver is not null)
        {
            await receiver.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Validates and stores the job, queues it and returns it (state <see cref="ExportState.Queued"/>) once both are
    /// durable. Throws <see cref="ExportRequestException"/> naming the part of the request at fault.
    /// </summary>
    public async Task<ExportJob> SubmitAsync(ExportRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        Validate(request);
        var now = time.GetUtcNow();
        var job = new ExportJob { Id = Guid.CreateVersion7(now).ToString("N"), Request = request, CreatedAt = now };
        Save(job);
        try
        {
            await EnqueueAsync(job.Id, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // The caller hears of the failure; a restart must not run a job whose requester was told it failed.
            Save(job with { State = ExportState.Failed, Reason = "The job could not be queued: " + e.Message, FinishedAt = time.GetUtcNow() });
            throw;
        }

        return job;
    }

    /// <summary>The job's current state (with the rows so far while it runs); null for an unknown id.</summary>
    public ExportJob? Get(string id) => jobs.TryGet(id, out var job) ? job : null;

    /// <summary>Opens a finished job's file; null when the job is not done or the file is gone.</summary>
    public async Task<Stream?> OpenFileAsync(ExportJob job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        return job.State == ExportState.Done && await store.OpenReadAsync(options.Bucket, job.ObjectKey, cancellationToken).ConfigureAwait(false) is { } found
            ? found.Content
            : null;
    }

    /// <summary>The link a notice carries: absolute under <see cref="ExportOptions.PublicBaseUrl"/>, else a path.</summary>
    public Uri DownloadUrl(ExportJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        var path = $"v1/exports/{job.Id}/download";
        return options.PublicBaseUrl is { } root
            ? new Uri(new Uri(root.ToString().TrimEnd('/') + "/"), path)
            : new Uri("/" + path, UriKind.Relative);
    }

    /// <summary>Deletes the files of finished jobs past their expiry and marks them expired; returns how many.</summary>
    public async Task<int> ExpireAsync(CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var expired = 0;
        foreach (var job in jobs.All.Where(j => j.State == ExportState.Done && j.ExpiresAt <= now).ToList())
        {
            await store.DeleteAsync(options.Bucket, job.ObjectKey, cancellationToken).ConfigureAwait(false);
            Save(job with { State = ExportState.Expired });
            LogMessages.Expired(logger, job.Id);
            expired++;
        }

        return expired;
    }

    private void Validate(ExportRequest request)
    {
        if (string.IsNullOrEmpty(request.Table) || !tables.TryGetValue(request.Table, out var table))
        {
            throw new ExportRequestException("table", $"No table named '{Clip(request.Table ?? "")}' is exposed.");
        }

        if (!Enum.IsDefined(request.Format))
        {
            throw new ExportRequestException("format", "format must be csv or ndjson.");
        }

        if (TableFilterSyntax.TryParse(table, Pairs(request.Filters), []) is { } error)
        {
            throw new ExportRequestException("filters." + error.Parameter, error.Detail);
        }

        if (request.NotifyEmail is { } email
            && (!EmailEnabled || !System.Net.Mail.MailAddress.TryCreate(email, out var address) || address.Address != email))
        {
            throw new ExportRequestException(
                "notify.email", EmailEnabled ? "notify.email is not an e-mail address." : "No mail server is configured (Spillway:Exports:Smtp).");
        }

        if (request.NotifyWebhook is { } webhook)
        {
            if (!webhook.IsAbsoluteUri || webhook.Scheme is not ("http" or "https"))
            {
                throw new ExportRequestException("notify.webhook", "notify.webhook must be an absolute http(s) URL.");
            }

            if (!WebhookHosts.Contains(webhook.Host))
            {
                // The server would POST wherever a requester says; only hosts an operator listed are reachable.
                throw new ExportRequestException(
                    "notify.webhook", $"'{webhook.Host}' is not among the allowed webhook hosts (Spillway:Exports:WebhookHosts).");
            }
        }
    }

    private async Task EnqueueAsync(string id, CancellationToken cancellationToken)
    {
        var sender = transport.FindSender(options.QueueName) ?? throw new UnknownQueueException(options.QueueName);
        await sender.SendBatchAsync([new OutgoingMessage(Encoding.UTF8.GetBytes(id))], null, cancellationToken).ConfigureAwait(false);
    }

    private void Save(ExportJob job)
    {
        lock (saving)
        {
            jobs.Save(job);
        }
    }

    /// <summary>Runs one job to its end (done or failed); a trigger for a job that ended or runs already is dropped.</summary>
    internal async Task RunAsync(string id, CancellationToken cancellationToken)
    {
        if (!jobs.TryGet(id, out var job) || job.State is not (ExportState.Queued or ExportState.Running) || !running.TryAdd(id, 0))
        {
            return;
        }

        try
        {
            job = await RunAttemptsAsync(job, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            running.TryRemove(id, out _);
        }

        await NotifyAsync(job, cancellationToken).ConfigureAwait(false);
        JobEnded?.Invoke(job);
    }

    private async Task<ExportJob> RunAttemptsAsync(ExportJob job, CancellationToken cancellationToken)
    {
        var backoff = new Backoff(options.RetryInitialDelay, options.RetryMaxDelay);
        while (true)
        {
            job = job with { State = ExportState.Running, Rows = 0, Attempts = job.Attempts + 1, StartedAt = time.GetUtcNow() };
            Save(job);
            LogMessages.Started(logger, job.Id, job.Request.Table, job.Attempts);
            try
            {
                var (rows, bytes) = await WriteFileAsync(job, cancellationToken).ConfigureAwait(false);
                var finished = time.GetUtcNow();
                job = job with
                {
                    State = ExportState.Done, Rows = rows, Bytes = bytes, FinishedAt = finished, ExpiresAt = finished + options.ExpireAfter,
                };
                Save(job);
                LogMessages.Done(logger, job.Id, rows, bytes);
                return job;
            }
            catch (SinkUnavailableException e) when (job.Attempts < options.MaxAttempts)
            {
                LogMessages.Retrying(logger, job.Id, job.Attempts, backoff.Next, e.Message);
                Save(job with { State = ExportState.Queued, Rows = 0, Reason = e.Message });
                if (!await backoff.WaitAsync(time, cancellationToken, RetryScheduled).ConfigureAwait(false))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                }
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                var reason = e is SinkUnavailableException
                    ? $"The database could not be reached in {job.Attempts} attempts; last error: {e.Message}"
                    : $"The export failed: {e.Message}";
                job = job with { State = ExportState.Failed, Rows = 0, Reason = reason, FinishedAt = time.GetUtcNow() };
                Save(job);
                LogMessages.Failed(logger, job.Id, reason);
                return job;
            }
        }
    }

    private async Task<(long Rows, long Bytes)> WriteFileAsync(ExportJob job, CancellationToken cancellationToken)
    {
        if (!tables.TryGetValue(job.Request.Table, out var table))
        {
            throw new InvalidOperationException($"table '{job.Request.Table}' is no longer exposed.");
        }

        var filters = new List<TableFilter>();
        if (TableFilterSyntax.TryParse(table, Pairs(job.Request.Filters), filters) is { } error)
        {
            throw new InvalidOperationException($"filter '{error.Parameter}' no longer applies: {error.Detail}");
        }

        long rows = 0;
        var query = new TableQuery { Filters = filters };
        var stored = await store.PutAsync(options.Bucket, job.ObjectKey, async (file, ct) =>
        {
            // The store owns the file; only the compressor in front of it is this method's to close.
            var gzip = job.Request.Gzip ? new GZipStream(file, CompressionLevel.Fastest, leaveOpen: true) : null;
            var output = gzip ?? file;
            try
            {
                var copy = job.Request.Format == ExportFormat.Csv && table.Reader.CopiesCsv;
                var pacer = new ExportPacer(options, PaceScheduled, yieldsByPriority: copy && options.Niceness > 0);
                rows = copy
                    ? await CopyCsvAsync(job, table.Reader, query, pacer, output, ct).ConfigureAwait(false)
                    : await FormatRowsAsync(job, table.Reader, query, pacer, output, ct).ConfigureAwait(false);
            }
            finally
            {
                if (gzip is not null)
                {
                    await gzip.DisposeAsync().ConfigureAwait(false);
                }
            }
        }, new ObjectProperties { ContentType = job.ContentType }, cancellationToken).ConfigureAwait(false);
        return (rows, stored.Size);
    }

    /// <summary>The rows one by one, formatted here: NDJSON, and CSV from databases that do not write it themselves.</summary>
    private async Task<long> FormatRowsAsync(
        ExportJob job, ITableReader reader, TableQuery query, ExportPacer pacer, Stream output, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>(FlushBytes * 2);
        var formatter = RowFormatter.For(job.Request.Format, reader.Columns);
        formatter.WriteHeader(buffer);
        long rows = 0;
        await reader.ReadAsync(query, async (row, token) =>
        {
            formatter.WriteRow(row, buffer);
            if (buffer.WrittenCount >= FlushBytes)
            {
                await output.WriteAsync(buffer.WrittenMemory, token).ConfigureAwait(false);
                buffer.ResetWrittenCount();
            }

            if (++rows % ProgressRows == 0)
            {
                jobs.Touch(job with { Rows = rows });
            }

            if (rows % PaceRows == 0 && pacer.Enabled)
            {
                // Waiting here leaves the rest of the result in the socket: the database's sender blocks too,
                // so a paced export costs both sides little CPU. Memory stays one buffer.
                await pacer.PaceAsync(PaceRows, token).ConfigureAwait(false);
            }
        }, cancellationToken).ConfigureAwait(false);
        await output.WriteAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
        return rows;
    }

    /// <summary>
    /// CSV from the database's bulk export (<see cref="ITableReader.CopyCsvAsync"/>), made and written on a thread of its
    /// own at <see cref="ExportOptions.Niceness"/>: the export takes the CPU the write path leaves, and the database's
    /// side of the COPY, which waits on the socket when this side reads slower, yields with it.
    /// </summary>
    private async Task<long> CopyCsvAsync(
        ExportJob job, ITableReader reader, TableQuery query, ExportPacer pacer, Stream output, CancellationToken cancellationToken)
    {
        long rows = 0;
        await reader.CopyCsvAsync(query, async (source, ct) =>
            rows = await BackgroundThread.RunAsync("spillway export", options.Niceness, () => PumpCsv(job, reader, source, output, pacer, ct))
                .ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        return rows;
    }

    private long PumpCsv(ExportJob job, ITableReader reader, ICsvRecordSource source, Stream output, ExportPacer pacer, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>(FlushBytes * 2);
        RowFormatter.For(ExportFormat.Csv, reader.Columns).WriteHeader(buffer);
        long rows = 0;
        int records;
        do
        {
            cancellationToken.ThrowIfCancellationRequested();
            records = source.Fill(buffer, FlushBytes);
            output.Write(buffer.WrittenSpan);
            buffer.ResetWrittenCount();
            if ((rows + records) / ProgressRows != rows / ProgressRows)
            {
                jobs.Touch(job with { Rows = rows + records });
            }

            rows += records;
            if (records > 0 && pacer.Enabled)
            {
                pacer.Pace(records, cancellationToken);
            }
        }
        while (records > 0);

        return rows;
    }

    private async Task NotifyAsync(ExportJob job, CancellationToken cancellationToken)
    {
        foreach (var notifier in notifiers)
        {
            try
            {
                await notifier.NotifyAsync(job, DownloadUrl(job), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // The file is there either way; a lost notice must not turn a finished export into a failed one.
                LogMessages.NotifyFailed(logger, job.Id, notifier.GetType().Name, e.Message);
            }
        }
    }

    private static IEnumerable<KeyValuePair<string, string?>> Pairs(IReadOnlyDictionary<string, string>? filters) =>
        filters?.Select(f => new KeyValuePair<string, string?>(f.Key, f.Value)) ?? [];

    private static string Clip(string text) => text.Length <= 60 ? text : text[..60] + "…";

    /// <summary>The queue's messages name jobs; each is run to its end, so no message is ever left failed.</summary>
    private sealed class JobHandler(ExportService service) : IMessageHandler
    {
        public async ValueTask<BatchOutcome> HandleAsync(MessageBatch batch, CancellationToken cancellationToken)
        {
            foreach (var message in batch.Messages)
            {
                await service.RunAsync(Encoding.UTF8.GetString(message.Body.Span), cancellationToken).ConfigureAwait(false);
            }

            return BatchOutcome.Success;
        }
    }
}
