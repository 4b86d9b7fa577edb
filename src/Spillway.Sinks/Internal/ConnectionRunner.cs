using System.Data.Common;

namespace Spillway.Sinks.Internal;

/// <summary>
/// Runs work on a connection borrowed through a <see cref="ConnectionCap"/> and turns "cannot reach the database"
/// into <see cref="SinkUnavailableException"/>; shared by the sink (writes) and the table reader (reads, deletes).
/// </summary>
internal sealed class ConnectionRunner(string name, SqlDialect dialect, ConnectionCap cap, string target)
{
    public Task<T> RunAsync<T>(Func<DbConnection, CancellationToken, Task<T>> work, CancellationToken cancellationToken) =>
        dialect.BlocksOnIo
            ? Task.Run(() => RunOnConnectionAsync(work, cancellationToken), cancellationToken)
            : RunOnConnectionAsync(work, cancellationToken);

    private async Task<T> RunOnConnectionAsync<T>(Func<DbConnection, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        using var lease = await cap.BorrowAsync(name, cancellationToken).ConfigureAwait(false);
        DbConnection? connection = null;
        try
        {
            connection = dialect.CreateConnection();
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await dialect.PrepareConnectionAsync(connection, cancellationToken).ConfigureAwait(false);
            return await work(connection, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && dialect.IsUnavailable(e))
        {
            if (connection is not null)
            {
                dialect.ClearPool(connection);
            }

            // The transaction did not commit (or its commit is in doubt); either way a retry is safe because every
            // row is keyed by its message id.
            throw new SinkUnavailableException($"Sink '{name}' cannot use the database {target}: {e.Message}", e);
        }
        finally
        {
            if (connection is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
