using Spillway.Sinks;

namespace Spillway.DeliveryStreams.Destinations;

/// <summary>
/// Delivery into a table of a configured sink database: each buffer is bulk loaded by the sink's loader, every record
/// one row keyed by an id fixed by the record's place in the stream's log, and the buffer's position is recorded in
/// <see cref="StreamCheckpoint.Table"/> in the same transaction; a buffer delivered again after a crash makes no row
/// twice. Records that cannot be loaded go to the stream's bucket under the error type
/// <see cref="DeliveryStream.SqlTableFailed"/>.
/// </summary>
public sealed record SqlTableDestination
{
    /// <summary>The sink whose database holds the table (<c>Spillway:Sinks:&lt;name&gt;</c>). Required.</summary>
    public required string Database { get; init; }

    /// <summary>The table, created when missing with an <c>id</c> key and a <c>created_at</c> column besides the mapped
    /// ones. Required.</summary>
    public required string Table { get; init; }

    /// <summary>Which field of each JSON record goes into which column, and as what. At least one.</summary>
    public required IReadOnlyList<ColumnMapping> Columns { get; init; }

    /// <summary>The sink settings of the table in <paramref name="database"/>: the mapped columns, an <c>id</c> key and
    /// <c>created_at</c>, the table made when missing.</summary>
    public SqlSinkOptions SinkOptions(SqlSinkOptions database)
    {
        ArgumentNullException.ThrowIfNull(database);
        return database with
        {
            Table = Table,
            Columns = Columns,
            IdColumn = "id",
            CreatedAtColumn = "created_at",
            KeyColumns = null,
            CreateTable = true,
        };
    }

    /// <summary>Checks every rule; the message of the <see cref="ArgumentException"/> says which one failed.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Database))
        {
            throw new ArgumentException("SqlTableDestinationConfiguration.Database must name a configured sink.");
        }

        if (string.IsNullOrWhiteSpace(Table))
        {
            throw new ArgumentException("SqlTableDestinationConfiguration.TableName is required.");
        }

        if (Columns.Count == 0)
        {
            throw new ArgumentException("SqlTableDestinationConfiguration.Columns needs at least one column.");
        }

        // The sink's own rules for table and column names, types and lengths, without a connection.
        _ = SqlSinkFactory.CreateRecordRule(SinkOptions(new SqlSinkOptions { Name = Database, DatabaseUrl = "sqlite://unused.db" }));
    }
}
