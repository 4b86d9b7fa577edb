using System.Diagnostics;
using System.Text;
using Npgsql;
using Spillway.TestKit;

namespace Spillway.Sinks.Tests;

/// <summary>A real server stopped and started with pg_ctl, on a cluster of this test's own.</summary>
public sealed class PostgreSqlRestartTests
{
    [Fact]
    public async Task Writes_fail_fast_with_SinkUnavailable_while_PostgreSQL_is_stopped_and_succeed_after_it_restarts()
    {
        await using var server = await PrivatePostgres.StartAsync();
        await server.StopServerAsync();
        await using var sink = SqlSinkFactory.Create(new SqlSinkOptions
        {
            Name = "restart", DatabaseUrl = server.Url, ConnectTimeout = TimeSpan.FromSeconds(3),
        });
        var first = Batch(100);
        var second = Batch(100);

        // Down at start-up.
        var watch = Stopwatch.StartNew();
        await Assert.ThrowsAsync<SinkUnavailableException>(() => sink.EnsureSchemaAsync().AsTask());
        await Assert.ThrowsAsync<SinkUnavailableException>(() => sink.WriteAsync(first).AsTask());
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");

        await server.StartServerAsync();
        await sink.EnsureSchemaAsync();
        Assert.Equal(100, (await sink.WriteAsync(first)).Inserted);

        // Down while the pool holds connections to it.
        await server.StopServerAsync();
        watch.Restart();
        await Assert.ThrowsAsync<SinkUnavailableException>(() => sink.WriteAsync(second).AsTask());
        Assert.False(await sink.PingAsync());
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");

        await server.StartServerAsync();
        Assert.Equal(100, (await sink.WriteAsync(second)).Inserted);
        Assert.Equal(0, (await sink.WriteAsync(first)).Inserted);
        await using var connection = new NpgsqlConnection(
            $"Host=127.0.0.1;Port={server.Port};Username=spillway;Database=postgres;Pooling=false");
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM users", connection);
        Assert.Equal(200L, await count.ExecuteScalarAsync());
    }

    private static List<SinkRecord> Batch(int count) =>
        Enumerable.Range(0, count)
            .Select(i => new SinkRecord(
                Guid.CreateVersion7(), Encoding.UTF8.GetBytes($$"""{"name":"n{{i}}","email":"e{{i}}@x.example"}"""), DateTimeOffset.UtcNow))
            .ToList();
}
