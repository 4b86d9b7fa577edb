using System.Globalization;
using System.Text;
using Npgsql;
using Spillway.Sinks.Internal;

namespace Spillway.Sinks.PostgreSql;

/// <summary>
/// An export through <c>COPY (SELECT …) TO STDOUT (FORMAT binary)</c>: the server sends its stored values as they are
/// and <see cref="BinaryCopyCsvSource"/> writes the CSV here, by the same rules as every other export.
/// COPY takes no bind parameters, so the conditions' values travel as transaction-local settings (set with a bound
/// <c>set_config</c>) that the query reads back with <c>current_setting</c> and casts to the column's type: a value
/// is never part of the SQL text.
/// </summary>
internal static class PostgreSqlCsvCopy
{
    private const string SettingPrefix = "spillway.export_";

    public static async Task RunAsync(
        NpgsqlConnection connection, CsvCopyQuery query, Func<ICsvRecordSource, CancellationToken, Task> consume, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var values = Values(query);
        if (values.Count > 0)
        {
            await using var set = connection.CreateCommand();
            set.CommandText = "SELECT " + string.Join(", ", values.Select((_, i) => $"set_config('{SettingPrefix}{i}', ${i + 1}, true)"));
            foreach (var value in values)
            {
                set.Parameters.Add(new NpgsqlParameter { Value = value });
            }

            await set.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var copy = await connection.BeginRawBinaryCopyAsync(Sql(query), cancellationToken).ConfigureAwait(false);
        await using (copy.ConfigureAwait(false))
        {
            await consume(new BinaryCopyCsvSource(copy, query.Columns), cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    public static string Sql(CsvCopyQuery query)
    {
        var sql = new StringBuilder("COPY (SELECT ");
        sql.AppendJoin(", ", query.Columns.Select(c => $"{Column(c)} AS {Quote(c.Name)}"));
        sql.Append(" FROM ").Append(Quote(query.Table));
        var where = " WHERE ";
        var index = 0;
        if (query.After is not null)
        {
            sql.Append(where).Append(Quote(query.IdColumn)).Append(" > ").Append(Setting(index++, "uuid"));
            where = " AND ";
        }

        foreach (var (column, op, _) in query.Conditions)
        {
            sql.Append(where).Append(Quote(column.Name)).Append(SqlTableReader.Operator(op)).Append(Setting(index++, TypeOf(column)));
            where = " AND ";
        }

        sql.Append(" ORDER BY ").Append(Quote(query.IdColumn));
        if (query.Limit is { } limit)
        {
            sql.Append(" LIMIT ").Append(limit.ToString(CultureInfo.InvariantCulture));
        }

        return sql.Append(") TO STDOUT (FORMAT binary)").ToString();
    }

    // Each in the binary layout BinaryCopyCsvSource reads, whatever type a table made by another tool gave it.
    private static string Column(ReadColumn column)
    {
        var name = Quote(column.Name);
        return column.IsId ? name : $"{name}::{TypeOf(column)}";
    }

    private static string TypeOf(ReadColumn column) => column.IsId ? "uuid" : column.Type switch
    {
        ColumnType.Integer => "bigint",
        ColumnType.Real => "double precision",
        ColumnType.Boolean => "boolean",
        ColumnType.Timestamp => "timestamptz",
        _ => "text",
    };

    private static List<string> Values(CsvCopyQuery query)
    {
        var values = new List<string>();
        if (query.After is { } after)
        {
            values.Add(after.ToString("D"));
        }

        values.AddRange(query.Conditions.Select(c => c.Value switch
        {
            Guid id => id.ToString("D"),
            // Microseconds, truncated as a bound DateTime is: PostgreSQL would round a seventh digit.
            DateTime time => time.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture),
            double real => real.ToString("R", CultureInfo.InvariantCulture),
            long integer => integer.ToString(CultureInfo.InvariantCulture),
            bool boolean => boolean ? "true" : "false",
            string text => text,
            var other => throw new ArgumentException($"A condition on '{c.Column.Name}' has a value of type {other.GetType().Name}.", nameof(query)),
        }));
        return values;
    }

    private static string Setting(int index, string type) => $"CAST(current_setting('{SettingPrefix}{index}') AS {type})";

    private static string Quote(string identifier) => PostgreSqlDialect.QuoteIdentifier(identifier);
}
