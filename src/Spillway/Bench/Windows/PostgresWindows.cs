using System.Diagnostics;
using System.Globalization;
using Npgsql;
using NpgsqlTypes;
using Spillway.Aggregations;
using Spillway.Bench.Spike;

namespace Spillway.Bench.Windows;

/// <summary>
/// The baseline: PostgreSQL computing the same windows from the readings already loaded into a table, with
/// <c>date_bin … GROUP BY device, window</c>, <c>count</c>, <c>avg</c> and <c>percentile_cont(0.99)</c>. A hopping
/// window's reading counts in each of its size/slide windows through a lateral join on their offsets. A run times the
/// query alone, its result materialized into a temporary table so every group is computed.
/// </summary>
internal sealed class PostgresWindows : IAsyncDisposable
{
    private const string Table = "bench_windows_readings";
    private const string Result = "bench_windows_result";

    private readonly NpgsqlConnection connection;

    private PostgresWindows(NpgsqlConnection connection) => this.connection = connection;

    /// <summary>Loads the readings (binary COPY, then VACUUM ANALYZE), untimed: the baseline starts from a loaded table.</summary>
    public static async Task<PostgresWindows> LoadAsync(string url, Readings readings, CancellationToken cancellationToken)
    {
        // The queries take seconds, and longer on a busy machine: no command timeout.
        var builder = new NpgsqlConnectionStringBuilder(BenchDatabase.PostgresConnectionString(url)) { CommandTimeout = 0 };
        var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        var windows = new PostgresWindows(connection);
        await windows.ExecuteAsync(
            $"DROP TABLE IF EXISTS {Table}; CREATE TABLE {Table} (device text NOT NULL, ts timestamptz NOT NULL, temp double precision NOT NULL)",
            cancellationToken).ConfigureAwait(false);
        await using (var writer = await connection.BeginBinaryImportAsync(
            $"COPY {Table} (device, ts, temp) FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false))
        {
            for (var i = 0; i < readings.Count; i++)
            {
                await writer.StartRowAsync(cancellationToken).ConfigureAwait(false);
                await writer.WriteAsync(readings.DeviceNames[readings.Device[i]], NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await writer.WriteAsync(DateTimeOffset.FromUnixTimeMilliseconds(readings.Times[i]), NpgsqlDbType.TimestampTz, cancellationToken)
                    .ConfigureAwait(false);
                await writer.WriteAsync(readings.Temps[i], NpgsqlDbType.Double, cancellationToken).ConfigureAwait(false);
            }

            await writer.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }

        await windows.ExecuteAsync($"VACUUM ANALYZE {Table}", cancellationToken).ConfigureAwait(false);
        return windows;
    }

    /// <summary>The seconds the query takes, its rows written into a temporary table that is dropped after.</summary>
    public async Task<double> RunAsync(WindowSpec window, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        await ExecuteAsync($"CREATE TEMP TABLE {Result} AS {Query(window)}", cancellationToken).ConfigureAwait(false);
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        await ExecuteAsync($"DROP TABLE {Result}", cancellationToken).ConfigureAwait(false);
        return seconds;
    }

    /// <summary>The query's count and average per device and window start (epoch milliseconds), untimed.</summary>
    public async Task<Dictionary<(string Device, long Start), (long Count, double Avg)>> ResultsAsync(
        WindowSpec window, CancellationToken cancellationToken)
    {
        var results = new Dictionary<(string, long), (long, double)>();
        await using var command = new NpgsqlCommand(
            $"SELECT device, (extract(epoch FROM window_start) * 1000)::bigint, n, avg_temp FROM ({Query(window)}) q", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            results.Add((reader.GetString(0), reader.GetInt64(1)), (reader.GetInt64(2), reader.GetDouble(3)));
        }

        return results;
    }

    public async ValueTask DisposeAsync()
    {
        await ExecuteAsync($"DROP TABLE IF EXISTS {Table}", CancellationToken.None).ConfigureAwait(false);
        await connection.DisposeAsync().ConfigureAwait(false);
    }

    // Windows aligned to the Unix epoch, as the engine's are.
    private static string Query(WindowSpec window)
    {
        var slide = (long)window.Slide.TotalMilliseconds;
        var panes = (long)(window.Size.TotalMilliseconds / slide);
        var bin = string.Create(CultureInfo.InvariantCulture,
            $"date_bin(interval '{slide} milliseconds', r.ts, timestamptz '1970-01-01 00:00:00+00')");
        var (from, start) = panes == 1
            ? ($"{Table} r", bin)
            : (string.Create(CultureInfo.InvariantCulture,
                $"{Table} r CROSS JOIN LATERAL (SELECT {bin} - k * interval '{slide} milliseconds' AS window_start " +
                $"FROM generate_series(0, {panes - 1}) k) w"),
                "w.window_start");
        return $"SELECT r.device, {start} AS window_start, count(*) AS n, avg(r.temp) AS avg_temp, " +
            $"percentile_cont(0.99) WITHIN GROUP (ORDER BY r.temp) AS p99 FROM {from} GROUP BY 1, 2";
    }

    private async Task ExecuteAsync(string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
