using System.Data;
using System.Data.Common;
using MySqlConnector;
using Spillway.Sinks.Internal;

namespace Spillway.Sinks.MySql;

/// <summary>
/// The fast path: a batch streamed as one <c>LOAD DATA LOCAL INFILE</c> (MySqlConnector's bulk copy), which the server
/// takes at several times the rate of multi-row INSERTs. A local load runs as if IGNORE were given: a duplicate id, a
/// clash on another unique key or a value the column cannot hold is skipped with a warning instead of failing. So the
/// load commits only when every row went in without a warning; otherwise it is rolled back and the batch is written
/// again by the INSERT path, which skips what is already there and pins an error on the record at fault.
/// </summary>
internal sealed partial class MySqlDialect
{
    // ER_NOT_ALLOWED_COMMAND (the server has local_infile off), ER_CLIENT_LOCAL_FILES_DISABLED (MySQL 8).
    private const int LocalInfileDisabled = 1148;
    private const int ClientLocalFilesDisabled = 3948;

    private readonly bool bulkLoads;
    private readonly int commandTimeoutSeconds;
    private int serverRefusesBulkLoad;

    public override async Task<int> WriteAsync(
        DbConnection connection, IReadOnlyList<MappedRow> rows, StreamCheckpoint? checkpoint, CancellationToken cancellationToken)
    {
        // A load skips a row whose key exists instead of replacing it: keyed writes take the INSERT path.
        if (bulkLoads && Shape.KeyColumns.Count == 0 && Volatile.Read(ref serverRefusesBulkLoad) == 0
            && await TryBulkLoadAsync((MySqlConnection)connection, rows, checkpoint, cancellationToken).ConfigureAwait(false))
        {
            return rows.Count;
        }

        return await base.WriteAsync(connection, rows, checkpoint, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The driver serves a load only from the stream it registered itself (a server asking for a file gets nothing),
    /// unless the server's certificate is verified (verify-ca, verify-full): then it would open any file the server
    /// names. Spillway never lets a server read its files, so those connections write with INSERTs only.
    /// </summary>
    private static bool AllowsBulkLoad(MySqlConnectionStringBuilder builder)
    {
        if (builder.SslMode is MySqlSslMode.VerifyCA or MySqlSslMode.VerifyFull)
        {
            return false;
        }

        builder.AllowLoadLocalInfile = true;
        return true;
    }

    private async Task<bool> TryBulkLoadAsync(
        MySqlConnection connection, IReadOnlyList<MappedRow> rows, StreamCheckpoint? checkpoint, CancellationToken cancellationToken)
    {
        try
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            var copy = new MySqlBulkCopy(connection, transaction)
            {
                DestinationTableName = Quote(Shape.Table),
                BulkCopyTimeout = commandTimeoutSeconds,
            };
            var ordinal = 0;
            foreach (var column in Shape.InsertColumns)
            {
                copy.ColumnMappings.Add(new MySqlBulkCopyColumnMapping(ordinal++, column));
            }

            using var table = ToDataTable(rows);
            var result = await copy.WriteToServerAsync(table, cancellationToken).ConfigureAwait(false);
            if (result.RowsInserted != rows.Count || result.Warnings.Count > 0)
            {
                return false; // rolled back when the transaction is disposed
            }

            await SaveCheckpointAsync(connection, transaction, checkpoint, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException && !IsUnavailable(e))
        {
            if (connection.State != System.Data.ConnectionState.Open)
            {
                // The load failed because the connection went away (its error need not say so): no INSERT can follow on
                // it, and the batch is retried later like any other outage.
                throw new IOException("The connection to the database was lost during a bulk load.", e);
            }

            if (e is MySqlException { Number: LocalInfileDisabled or ClientLocalFilesDisabled })
            {
                Volatile.Write(ref serverRefusesBulkLoad, 1);
            }

            // Whatever the load could not take (the driver's own "not every row was inserted" among it), the INSERT
            // path writes exactly, or reports why not.
            return false;
        }
    }

    private DataTable ToDataTable(IReadOnlyList<MappedRow> rows)
    {
        var table = new DataTable { Locale = System.Globalization.CultureInfo.InvariantCulture };
        var perRow = Shape.ValuesPerRow;
        for (var i = 0; i < perRow; i++)
        {
            table.Columns.Add(new DataColumn("c" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), typeof(object)));
        }

        table.BeginLoadData();
        var values = new object[perRow];
        foreach (var row in rows)
        {
            values[0] = IdValue(row.Id);
            for (var c = 0; c < row.Values.Length; c++)
            {
                values[c + 1] = row.Values[c] ?? DBNull.Value;
            }

            if (Shape.CreatedAtColumn is not null)
            {
                values[perRow - 1] = CreatedAtValue(row.CreatedAt);
            }

            table.LoadDataRow(values, fAcceptChanges: true);
        }

        table.EndLoadData();
        return table;
    }
}
