using System.Net;
using Spillway.EndToEnd.Tests.Support;

namespace Spillway.EndToEnd.Tests;

/// <summary>While the database is down, ingest goes on answering 202 and the backlog drains once it is back.</summary>
public sealed class DatabaseOutageTests : IDisposable
{
    private readonly DirectoryInfo work = Directory.CreateTempSubdirectory("spillway-e2e-");

    [Fact]
    public async Task Ingest_accepts_while_the_database_is_down_at_start_up_and_drains_when_it_returns()
    {
        var database = await TestDatabase.CreateAsync("postgresql");
        var real = new Uri(database.Url);
        await using var proxy = new TcpProxy(new IPEndPoint(IPAddress.Loopback, real.Port));
        var throughProxy = new UriBuilder(real) { Port = proxy.Port }.Uri.ToString();
        await using var server = await SpillwayProcess.StartAsync(Path.Combine(work.FullName, "data"), ["--database", throughProxy]);

        for (var i = 0; i < 50; i++)
        {
            var (status, _) = await SeedPipelineTests.CurlAsync(server.Port, $$"""{"name": "down{{i}}", "email": "down{{i}}@example.com"}""");
            Assert.Equal("202", status);
        }

        Assert.Empty(await database.ReadUsersAsync());
        proxy.Open();

        var rows = await database.WaitForUsersAsync(r => r.Count >= 50, TimeSpan.FromSeconds(90));
        Assert.Equal(50, rows.Count);
        Assert.Equal(50, rows.Select(r => r.Name).Distinct().Count());
    }

    public void Dispose() => work.Delete(recursive: true);
}
