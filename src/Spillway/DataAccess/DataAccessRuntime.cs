using Spillway.Exports;
using Spillway.Hosting;
using Spillway.Messaging;
using Spillway.Notifications;
using Spillway.Objects;
using Spillway.Sinks;
using Spillway.Transport;

namespace Spillway.DataAccess;

/// <summary>
/// Getting data out, as the server runs it: the readers of the exposed tables, the export service and its queue on the
/// node's own engine (a job's file is written where its status is kept), and the lifecycle timer (expired files, table
/// retention). The endpoints over them are mapped with the others.
/// </summary>
internal sealed class DataAccessRuntime : IAsyncDisposable
{
    private const string Root = SpillwayOptions.SectionName;
    /// <summary>The engine queue export jobs pass through; owned by the server, so the SQS API cannot delete it.</summary>
    public const string QueueName = "spillway-exports";

    private readonly List<ITableReader> readers = [];
    private readonly Dictionary<string, ExposedTable> exposed = new(StringComparer.Ordinal);
    private readonly HttpClient webhookClient;
    private ExportService? exports;
    private DataLifecycle? lifecycle;
    private ILogger logger = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    private DataAccessRuntime(HttpClient webhookClient) => this.webhookClient = webhookClient;

    /// <summary>The tables the read API and exports serve, by name.</summary>
    public IReadOnlyDictionary<string, ExposedTable> Exposed => exposed;

    /// <summary>The export service.</summary>
    public ExportService Exports => exports!;

    /// <summary>
    /// Validates <c>Spillway:Tables</c> and <c>Spillway:Exports</c> (throwing <see cref="ConfigurationException"/>
    /// naming the key) and builds everything; nothing runs before <see cref="Start"/>.
    /// </summary>
    public static async Task<DataAccessRuntime> OpenAsync(
        SpillwayOptions options,
        ResolvedConfiguration resolved,
        QueueEngine engine,
        IObjectStore objects,
        TimeProvider time,
        ILoggerFactory loggerFactory,
        CancellationToken cancellationToken)
    {
        var config = options.Exports;
        ConfigurationResolver.Range($"{Root}:Exports:WebhookTimeoutSeconds", config.WebhookTimeoutSeconds, 1, 300);
        var runtime = new DataAccessRuntime(new HttpClient { Timeout = TimeSpan.FromSeconds(config.WebhookTimeoutSeconds) });
        try
        {
            await runtime.BuildAsync(options, resolved, engine, objects, time, loggerFactory, cancellationToken).ConfigureAwait(false);
            return runtime;
        }
        catch
        {
            await runtime.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Starts the export worker and the lifecycle timer; the worker stops when <paramref name="stopping"/> fires.</summary>
    public void Start(CancellationToken stopping)
    {
        lifecycle!.Start();
        _ = exports!.StartAsync(stopping).ContinueWith(
            t => logger.LogError(t.Exception, "The export worker did not start."),
            CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted,
            TaskScheduler.Default);
    }

    public async ValueTask DisposeAsync()
    {
        lifecycle?.Dispose();
        if (exports is not null)
        {
            await exports.DisposeAsync().ConfigureAwait(false);
        }

        foreach (var reader in readers)
        {
            await reader.DisposeAsync().ConfigureAwait(false);
        }

        webhookClient.Dispose();
    }

    private async Task BuildAsync(
        SpillwayOptions options,
        ResolvedConfiguration resolved,
        QueueEngine engine,
        IObjectStore objects,
        TimeProvider time,
        ILoggerFactory loggerFactory,
        CancellationToken cancellationToken)
    {
        logger = loggerFactory.CreateLogger("Spillway.Exports");
        var retentions = new List<TableRetention>();
        foreach (var (name, table) in options.Tables)
        {
            var key = $"{Root}:Tables:{name}";
            var sinkName = table.Sink ?? name;
            var sink = resolved.Sinks.FirstOrDefault(s => string.Equals(s.Name, sinkName, StringComparison.OrdinalIgnoreCase))
                ?? throw new ConfigurationException(key + ":Sink", $"sink '{sinkName}' is not defined under {Root}:Sinks");
            ConfigurationResolver.Range(key + ":ReadMaxConnections", table.ReadMaxConnections, 1, 100);
            ConfigurationResolver.Range(key + ":RetentionBatchSize", table.RetentionBatchSize, 1, 100_000);
            ITableReader reader;
            try
            {
                reader = SqlSinkFactory.CreateReader(new TableReaderOptions
                {
                    Sink = sink, Columns = table.Columns.Count == 0 ? null : table.Columns, MaxConnections = table.ReadMaxConnections,
                });
            }
            catch (ArgumentException e)
            {
                throw new ConfigurationException(key + ":Columns", e.Message);
            }

            readers.Add(reader);
            if (table.Expose)
            {
                try
                {
                    exposed[name] = new ExposedTable(name, reader, table.Filters);
                }
                catch (ArgumentException e)
                {
                    throw new ConfigurationException(key + ":Filters", e.Message);
                }
            }

            if (table.RetentionDays is { } days)
            {
                ConfigurationResolver.Range(key + ":RetentionDays", days, 1, 36_500);
                if (reader.CreatedAtColumn is null)
                {
                    throw new ConfigurationException(key + ":RetentionDays", "the table has no created-at column to tell a row's age");
                }

                retentions.Add(new TableRetention(reader, TimeSpan.FromDays(days), table.RetentionBatchSize));
            }
        }

        exports = await CreateExportsAsync(options, resolved, engine, objects, time, loggerFactory, cancellationToken).ConfigureAwait(false);
        lifecycle = new DataLifecycle(
            exports, retentions, TimeSpan.FromMinutes(options.Exports.LifecycleIntervalMinutes), time, loggerFactory.CreateLogger<DataLifecycle>(),
            objects);
    }

    private async Task<ExportService> CreateExportsAsync(
        SpillwayOptions options,
        ResolvedConfiguration resolved,
        QueueEngine engine,
        IObjectStore objects,
        TimeProvider time,
        ILoggerFactory loggerFactory,
        CancellationToken cancellationToken)
    {
        var config = options.Exports;
        var key = $"{Root}:Exports";
        ConfigurationResolver.Range(key + ":MaxConcurrency", config.MaxConcurrency, 1, 16);
        ConfigurationResolver.Range(key + ":MaxAttempts", config.MaxAttempts, 1, 100);
        ConfigurationResolver.Range(key + ":RetryInitialDelaySeconds", config.RetryInitialDelaySeconds, 1, 3600);
        ConfigurationResolver.Range(key + ":RetryMaxDelaySeconds", config.RetryMaxDelaySeconds, config.RetryInitialDelaySeconds, 21_600);
        ConfigurationResolver.Range(key + ":ExpireAfterDays", config.ExpireAfterDays, 1, 3650);
        ConfigurationResolver.Range(key + ":LifecycleIntervalMinutes", config.LifecycleIntervalMinutes, 1, 1440);
        ConfigurationResolver.Range(key + ":MaxRowsPerSecond", config.MaxRowsPerSecond, 0, 100_000_000);
        ConfigurationResolver.Range(key + ":BusyMaxRowsPerSecond", config.BusyMaxRowsPerSecond, 0, 100_000_000);
        ConfigurationResolver.Range(key + ":Niceness", config.Niceness, 0, 19);
        ConfigurationResolver.Range(key + ":IngestBusyMessagesPerSecond", config.IngestBusyMessagesPerSecond, 1, 10_000_000);
        Uri? publicBase = null;
        if (!string.IsNullOrWhiteSpace(config.PublicBaseUrl)
            && (!Uri.TryCreate(config.PublicBaseUrl, UriKind.Absolute, out publicBase) || publicBase.Scheme is not ("http" or "https")))
        {
            throw new ConfigurationException(key + ":PublicBaseUrl", "must be an absolute http(s) URL");
        }

        var notifiers = new List<IExportNotifier> { new WebhookExportNotifier(webhookClient) };
        var smtp = config.Smtp;
        if (!string.IsNullOrWhiteSpace(smtp.Host))
        {
            ConfigurationResolver.Range(key + ":Smtp:Port", smtp.Port, 1, 65_535);
            ConfigurationResolver.Range(key + ":Smtp:TimeoutSeconds", smtp.TimeoutSeconds, 1, 300);
            if (!System.Net.Mail.MailAddress.TryCreate(smtp.From, out _))
            {
                throw new ConfigurationException(key + ":Smtp:From", $"'{smtp.From}' is not an e-mail address");
            }

            var password = !string.IsNullOrEmpty(smtp.Password)
                ? smtp.Password
                : smtp.PasswordFile is { } file ? ConfigurationResolver.ReadSecretFile(key + ":Smtp:PasswordFile", file).FirstOrDefault() : null;
            notifiers.Add(new EmailExportNotifier(new SmtpMailer(smtp, password)));
        }

        var directory = Path.GetFullPath(config.Directory ?? Path.Combine(resolved.DataDirectory, "exports"));
        await ImportFilesOfEarlierVersionsAsync(objects, Path.Combine(directory, "files"), cancellationToken).ConfigureAwait(false);
        var local = new EmbeddedTransport(engine);
        await local.CreateQueuesAsync(
            [new QueueDefinition { Name = QueueName, VisibilityTimeout = TimeSpan.FromHours(1), MessageRetentionPeriod = TimeSpan.FromDays(14) }],
            cancellationToken).ConfigureAwait(false);
        var ingest = IngestActivity.OverQueues(engine, QueueName, config.IngestBusyMessagesPerSecond, time);
        return new ExportService(
            new ExportOptions
            {
                JobDirectory = Path.Combine(directory, "jobs"),
                QueueName = QueueName,
                MaxConcurrency = config.MaxConcurrency,
                MaxAttempts = config.MaxAttempts,
                RetryInitialDelay = TimeSpan.FromSeconds(config.RetryInitialDelaySeconds),
                RetryMaxDelay = TimeSpan.FromSeconds(config.RetryMaxDelaySeconds),
                ExpireAfter = TimeSpan.FromDays(config.ExpireAfterDays),
                PublicBaseUrl = publicBase,
                MaxRowsPerSecond = config.MaxRowsPerSecond,
                BusyMaxRowsPerSecond = config.BusyMaxRowsPerSecond,
                Niceness = config.Niceness,
                IngestBusy = () => ingest.IsBusy,
                TimeProvider = time,
            },
            exposed,
            local,
            objects,
            notifiers,
            loggerFactory.CreateLogger<ExportService>())
        {
            WebhookHosts = config.WebhookHosts.ToHashSet(StringComparer.OrdinalIgnoreCase),
            EmailEnabled = !string.IsNullOrWhiteSpace(smtp.Host),
        };
    }

    /// <summary>
    /// Moves export files an earlier version kept in its own directory (<c>exports/files</c>) into the object store's
    /// exports bucket under the same keys, so their jobs' download links keep working; each is copied whole and durably
    /// before its old file is deleted, so a crash in between only leaves a copy to move again.
    /// </summary>
    private static async Task ImportFilesOfEarlierVersionsAsync(IObjectStore objects, string oldDirectory, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(oldDirectory))
        {
            return;
        }

        var bucket = new ExportOptions { JobDirectory = oldDirectory }.Bucket;
        if (!await objects.BucketExistsAsync(bucket, cancellationToken).ConfigureAwait(false))
        {
            await objects.CreateBucketAsync(bucket, cancellationToken).ConfigureAwait(false);
        }

        foreach (var file in Directory.EnumerateFiles(oldDirectory))
        {
            var name = Path.GetFileName(file);
            if (!name.StartsWith('.'))
            {
                await objects.PutAsync(bucket, name, async (output, ct) =>
                {
                    var input = File.OpenRead(file);
                    await using (input.ConfigureAwait(false))
                    {
                        await input.CopyToAsync(output, ct).ConfigureAwait(false);
                    }
                }, cancellationToken: cancellationToken).ConfigureAwait(false);
            }

            File.Delete(file);
        }

        Directory.Delete(oldDirectory);
    }
}
