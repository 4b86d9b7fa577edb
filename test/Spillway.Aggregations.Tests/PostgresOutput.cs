using Npgsql;
using NpgsqlTypes;

namespace Spillway.Aggregations.Tests;

/// <summary>
/// The output the host gives a runner, on PostgreSQL: rows upserted on (device, window_start), late records keyed by
/// their id, and the checkpoint, all in one transaction. <see cref="FailFrom"/> makes writes fail from the n-th on,
/// rolling back, as a crash between two writes would leave the database.
/// </summary>
internal sealed class PostgresOutput(NpgsqlDataSource data, string name) : IAggregationOutput
{
    private int writes;

    public int FailFrom { get; set; } = int.MaxValue;

    public int Writes => writes;

    public static async Task CreateTablesAsync(ReferenceDatabase db)
    {
        await db.ExecuteAsync("""
            CREATE TABLE results (device text, window_start timestamptz, window_end timestamptz, n bigint, avg_temp double precision,
                PRIMARY KEY (device, window_start));
            CREATE TABLE late (record_id text PRIMARY KEY, reason text);
            CREATE TABLE checkpoints (name text PRIMARY KEY, data bytea)
            """);
    }

    public async ValueTask<byte[]?> ReadCheckpointAsync(CancellationToken cancellationToken)
    {
        await using var command = data.CreateCommand("SELECT data FROM checkpoints WHERE name = $1");
        command.Parameters.AddWithValue(name);
        return await command.ExecuteScalarAsync(cancellationToken) as byte[];
    }

    public async ValueTask WriteAsync(
        IReadOnlyList<AggregateResult> rows, IReadOnlyList<LateRecord> late, byte[] checkpoint, CancellationToken cancellationToken)
    {
        await using var connection = await data.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        foreach (var row in rows)
        {
            await using var upsert = new NpgsqlCommand("""
                INSERT INTO results VALUES ($1, $2, $3, $4, $5)
                ON CONFLICT (device, window_start) DO UPDATE SET window_end = $3, n = $4, avg_temp = $5
                """, connection, transaction);
            upsert.Parameters.AddWithValue((string)row.Keys[0]!);
            upsert.Parameters.AddWithValue(row.WindowStart.UtcDateTime);
            upsert.Parameters.AddWithValue(row.WindowEnd.UtcDateTime);
            upsert.Parameters.AddWithValue((long)row.Values[0]!);
            upsert.Parameters.AddWithValue(NpgsqlDbType.Double, row.Values[1] ?? DBNull.Value);
            await upsert.ExecuteNonQueryAsync(cancellationToken);
        }

        foreach (var record in late)
        {
            await using var insert = new NpgsqlCommand("INSERT INTO late VALUES ($1, $2) ON CONFLICT DO NOTHING", connection, transaction);
            insert.Parameters.AddWithValue(record.RecordId!);
            insert.Parameters.AddWithValue(record.Reason.ToString());
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var save = new NpgsqlCommand("""
            INSERT INTO checkpoints VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET data = $2
            """, connection, transaction))
        {
            save.Parameters.AddWithValue(name);
            save.Parameters.AddWithValue(checkpoint);
            await save.ExecuteNonQueryAsync(cancellationToken);
        }

        if (Interlocked.Increment(ref writes) >= FailFrom)
        {
            throw new IOException("The database went away before the commit.");
        }

        await transaction.CommitAsync(cancellationToken);
    }
}
