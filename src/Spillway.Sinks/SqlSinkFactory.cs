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

        if (options.MaxConnections is < 1 or > MaxConnectionsLimit)
        {
            throw new ArgumentException(
                $"MaxConnections is {options.MaxConnections}; it must be from 1 to {MaxConnectionsLimit}.", nameof(options.MaxConnections));
        }

        RequirePositive(options.BorrowTimeout, nameof(options.BorrowTimeout));
        RequirePositive(options.ConnectTimeout, nameof(options.ConnectTimeout));
        RequirePositive(options.CommandTimeout, nameof(options.CommandTimeout));
        ArgumentNullException.ThrowIfNull(options.TimeProvider, nameof(options.TimeProvider));

        var shape = TableShape.From(options);
        var url = DatabaseUrl.Parse(options.DatabaseUrl, options.DataDirectory);
        SqlDialect dialect = url.Provider switch
        {
            DatabaseUrl.PostgreSql => new PostgreSqlDialect(shape, url, options),
            DatabaseUrl.MySql => new MySqlDialect(shape, url, options),
            _ => new SqliteDialect(shape, url, options),
        };
        return new SqlSink(options, url, dialect);
    }

    private static void RequirePositive(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero || value > TimeSpan.FromHours(1))
        {
            throw new ArgumentException($"{name} is {value}; it must be more than zero and at most one hour.", name);
        }
    }
}
