using Spillway.Sinks.Aggregates;
using Spillway.Sinks.Internal;
using Spillway.Sinks.MySql;
using Spillway.Sinks.PostgreSql;
using Spillway.Sinks.Sqlite;

namespace Spillway.Sinks;

/// <summary>Builds the sink for a database URL's provider.</summary>
public static class SqlSinkFactory
{
    private const int MaxConnectionsLimit = 1_000;

    /// <summary>Creates a sink; throws <see cref="ArgumentException"/> naming the problem for a bad URL.</summary>
    public static ISqlSink Create(SqlSinkOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.Name))
        {
            throw new ArgumentException("Name is required.", nameof(options.Name));
        }

        RequireConnections(options.MaxConnections);
        RequirePositive(options.BorrowTimeout, nameof(options.BorrowTimeout));
        RequirePositive(options.ConnectTimeout, nameof(options.ConnectTimeout));
        RequirePositive(options.CommandTimeout, nameof(options.CommandTimeout));
        ArgumentNullException.ThrowIfNull(options.TimeProvider, nameof(options.TimeProvider));

        var (url, dialect) = CreateDialect(options);
        return new SqlSink(options, url, dialect);
    }

    /// <summary>
    /// Creates the rule of what the sink of <paramref name="options"/> can hold (its table settings only; no
    /// connection is made); throws <see cref="ArgumentException"/> naming the problem, as <see cref="Create"/> does.
    /// </summary>
    public static SinkRecordRule CreateRecordRule(SqlSinkOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new SinkRecordRule(new RecordMapper(TableShape.From(options)));
    }

    /// <summary>
    /// Creates a reader over a sink's table, with its own connection pool of
    /// <see cref="TableReaderOptions.MaxConnections"/>; throws <see cref="ArgumentException"/> naming the problem.
    /// </summary>
    public static ITableReader CreateReader(TableReaderOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.Sink, nameof(options.Sink));
        RequireConnections(options.MaxConnections);
        var sink = options.Sink;
        var (url, dialect) = CreateDialect(sink with { CreateTable = false, MaxConnections = options.MaxConnections });
        try
        {
            return new SqlTableReader(options, url, dialect);
        }
        catch
        {
            dialect.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw;
        }
    }

    /// <summary>
    /// Opens an aggregation's results table (<see cref="IAggregateTable"/>) in the database of <paramref name="database"/>:
    /// its name, URL, data directory, connection cap, timeouts and clock, as a sink's; its table and column settings are
    /// not used. The table gets its own pool of <see cref="SqlSinkOptions.MaxConnections"/>. No connection is made until
    /// the first call. Throws <see cref="ArgumentException"/> naming the problem.
    /// </summary>
    public static IAggregateTable CreateAggregateTable(SqlSinkOptions database, AggregateShape shape)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(shape);
        if (string.IsNullOrWhiteSpace(database.Name))
        {
            throw new ArgumentException("Name is required.", nameof(database));
        }

        RequireConnections(database.MaxConnections);
        RequirePositive(database.BorrowTimeout, nameof(database.BorrowTimeout));
        RequirePositive(database.ConnectTimeout, nameof(database.ConnectTimeout));
        RequirePositive(database.CommandTimeout, nameof(database.CommandTimeout));
        ArgumentNullException.ThrowIfNull(database.TimeProvider, nameof(database.TimeProvider));

        // The dialect is made for a sink table; the results table uses only its connections, quoting, error rules and
        // its aggregate statements, so the sink's table settings are set to defaults that always validate.
        var (url, dialect) = CreateDialect(new SqlSinkOptions
        {
            Name = database.Name,
            DatabaseUrl = database.DatabaseUrl,
            DataDirectory = database.DataDirectory,
            MaxConnections = database.MaxConnections,
            BorrowTimeout = database.BorrowTimeout,
            ConnectTimeout = database.ConnectTimeout,
            CommandTimeout = database.CommandTimeout,
            TimeProvider = database.TimeProvider,
            Table = shape.Table,
            CreateTable = false,
        });
        return new SqlAggregateTable(database.Name, database, url, dialect, shape);
    }

    private static (DatabaseUrl Url, SqlDialect Dialect) CreateDialect(SqlSinkOptions options)
    {
        var shape = TableShape.From(options);
        var url = DatabaseUrl.Parse(options.DatabaseUrl, options.DataDirectory);
        SqlDialect dialect = url.Provider switch
        {
            DatabaseUrl.PostgreSql => new PostgreSqlDialect(shape, url, options),
            DatabaseUrl.MySql => new MySqlDialect(shape, url, options),
            _ => new SqliteDialect(shape, url, options),
        };
        return (url, dialect);
    }

    private static void RequireConnections(int maxConnections)
    {
        if (maxConnections is < 1 or > MaxConnectionsLimit)
        {
            throw new ArgumentException(
                $"MaxConnections is {maxConnections}; it must be from 1 to {MaxConnectionsLimit}.", nameof(SqlSinkOptions.MaxConnections));
        }
    }

    private static void RequirePositive(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero || value > TimeSpan.FromHours(1))
        {
            throw new ArgumentException($"{name} is {value}; it must be more than zero and at most one hour.", name);
        }
    }
}
