using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Spillway.Exports.Internal;
using Spillway.Objects;
using Spillway.Sinks;

namespace Spillway.Exports;

/// <summary>A sink table's retention: rows older than <paramref name="MaxAge"/> are deleted, <paramref name="BatchSize"/> at a time.</summary>
public sealed record TableRetention(ITableReader Table, TimeSpan MaxAge, int BatchSize = 1000);

/// <summary>
/// Housekeeping on the injected clock, every <c>interval</c>: expired export files are deleted, the object store's
/// lifecycle rules are applied (archive, expire), and each table with a retention loses its old rows in small batches. Each batch is its own short statement, so a writer waits at most
/// one batch for its lock, never the whole purge.
/// </summary>
public sealed class DataLifecycle : IDisposable
{
    private readonly ExportService? exports;
    private readonly IObjectStore? objects;
    private readonly IReadOnlyList<TableRetention> retentions;
    private readonly TimeSpan interval;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly CancellationTokenSource stopping = new();
    private ITimer? timer;
    private int busy;

    public DataLifecycle(
        ExportService? exports, IEnumerable<TableRetention> retentions, TimeSpan interval, TimeProvider time, ILogger? logger = null,
        IObjectStore? objects = null)
    {
        ArgumentNullException.ThrowIfNull(retentions);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        this.exports = exports;
        this.objects = objects;
        this.retentions = [.. retentions];
        this.interval = interval;
        this.time = time;
        this.logger = logger ?? NullLogger.Instance;
        foreach (var retention in this.retentions)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(retention.MaxAge, TimeSpan.Zero);
            ArgumentOutOfRangeException.ThrowIfLessThan(retention.BatchSize, 1);
        }
    }

    /// <summary>Test hook: called after each timer-driven run, with what it did.</summary>
    internal Action<LifecycleResult>? RunCompleted { get; set; }

    /// <summary>Runs now and then every interval.</summary>
    public void Start()
    {
        timer = time.CreateTimer(_ => _ = TickAsync(), null, interval, interval);
        _ = TickAsync();
    }

    /// <summary>One pass: expire export files, then apply every retention.</summary>
    public async Task<LifecycleResult> RunOnceAsync(CancellationToken cancellationToken = default)
    {
        var expired = exports is null ? 0 : await exports.ExpireAsync(cancellationToken).ConfigureAwait(false);
        var objectRules = objects is null ? new LifecycleOutcome(0, 0) : await objects.ApplyLifecycleAsync(cancellationToken).ConfigureAwait(false);
        if (objectRules.Archived + objectRules.Expired > 0)
        {
            LogMessages.ObjectLifecycle(logger, objectRules.Archived, objectRules.Expired);
        }

        var deleted = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var retention in retentions)
        {
            var cutoff = time.GetUtcNow() - retention.MaxAge;
            long total = 0;
            int batch;
            do
            {
                batch = await retention.Table.DeleteOlderThanAsync(cutoff.UtcDateTime, retention.BatchSize, cancellationToken)
                    .ConfigureAwait(false);
                total += batch;
            }
            while (batch >= retention.BatchSize && !cancellationToken.IsCancellationRequested);

            deleted[retention.Table.Name] = total;
            if (total > 0)
            {
                LogMessages.Purged(logger, retention.Table.Name, total, cutoff);
            }
        }

        return new LifecycleResult(expired, deleted, objectRules);
    }

    public void Dispose()
    {
        stopping.Cancel();
        timer?.Dispose();
        stopping.Dispose();
    }

    private async Task TickAsync()
    {
        // A pass longer than the interval is not overlapped by the next one.
        if (Interlocked.Exchange(ref busy, 1) != 0)
        {
            return;
        }

        try
        {
            var result = await RunOnceAsync(stopping.Token).ConfigureAwait(false);
            RunCompleted?.Invoke(result);
        }
        catch (Exception e) when (!stopping.IsCancellationRequested)
        {
            // The database may be down; the next tick tries again.
            LogMessages.LifecycleFailed(logger, e.Message);
        }
        catch (OperationCanceledException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
        finally
        {
            Volatile.Write(ref busy, 0);
        }
    }
}

/// <summary>What one lifecycle pass did.</summary>
/// <param name="ExpiredExports">Export files deleted.</param>
/// <param name="DeletedRows">Rows deleted per table.</param>
/// <param name="Objects">Objects the store's lifecycle rules archived and expired.</param>
public sealed record LifecycleResult(int ExpiredExports, IReadOnlyDictionary<string, long> DeletedRows, LifecycleOutcome Objects);
