using Spillway.Processing;
using Spillway.Sinks;
using Spillway.Transport;

namespace Spillway.Hosting;

/// <summary>
/// Runs the workers for the server's lifetime: each enabled worker starts once its sink's table exists (a batch written
/// before would fail and burn receive counts; the database may be down at start-up while ingest goes on), autoscalers
/// start with them, and at shutdown every worker finishes the batches it holds.
/// </summary>
internal sealed class WorkerSupervisor(
    IReadOnlyDictionary<string, Worker> workers, IReadOnlyDictionary<string, ISqlSink> sinks, TimeProvider time, ILogger logger)
    : IAsyncDisposable
{
    /// <summary>The workers by name.</summary>
    public IReadOnlyDictionary<string, Worker> All => workers;

    public void Start(CancellationToken stopping)
    {
        foreach (var worker in workers.Values)
        {
            worker.Autoscaler?.Start();
        }

        _ = StartWorkersAsync(stopping);
    }

    /// <summary>Stops every worker, letting the batches in flight finish.</summary>
    public Task StopAsync() => Task.WhenAll(workers.Values.Select(w => w.DisableAsync(CancellationToken.None)));

    public async ValueTask DisposeAsync()
    {
        foreach (var worker in workers.Values)
        {
            await worker.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task StartWorkersAsync(CancellationToken stopping)
    {
        var schemas = sinks.Values.ToDictionary(s => s.Name, s => EnsureSchemaAsync(s, stopping), StringComparer.OrdinalIgnoreCase);
        var starts = workers.Values.Where(w => w.Options.Enabled).Select(async worker =>
        {
            if (worker.Sink is { } sink && schemas.TryGetValue(sink, out var schema) && !await schema.ConfigureAwait(false))
            {
                return;
            }

            await worker.EnableAsync(stopping).ConfigureAwait(false);
        });
        await Task.WhenAll(starts).ConfigureAwait(false);
    }

    /// <summary>Creates the sink's table, retrying with backoff until it succeeds (true) or the server stops (false).</summary>
    private async Task<bool> EnsureSchemaAsync(ISqlSink sink, CancellationToken stopping)
    {
        var backoff = new Backoff(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(10));
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await sink.EnsureSchemaAsync(stopping).ConfigureAwait(false);
                return true;
            }
            catch (SinkUnavailableException e)
            {
                LogMessages.SinkUnavailableAtStart(logger, sink.Name, e.Message, backoff.Next);
            }
            catch (InvalidOperationException e)
            {
                // The table exists but does not fit the mapping: an operator has to act; keep checking.
                LogMessages.SinkTableMismatch(logger, sink.Name, e.Message, backoff.Next);
            }
            catch (System.Data.Common.DbException e)
            {
                // Several nodes creating the same table at once: PostgreSQL may refuse one CREATE TABLE IF NOT EXISTS
                // with a unique violation on its catalog; the next attempt finds the table.
                LogMessages.SinkUnavailableAtStart(logger, sink.Name, e.Message, backoff.Next);
            }
            catch (OperationCanceledException)
            {
                return false;
            }

            if (!await backoff.WaitAsync(time, stopping).ConfigureAwait(false))
            {
                return false;
            }
        }

        return false;
    }
}
