using System.Net;
using System.Text.Json;
using Spillway.EndToEnd.Tests.Support;

namespace Spillway.EndToEnd.Tests.Operations;

/// <summary>/readyz names the check that fails while a sink's database is cut off, and recovers when it is back.</summary>
public sealed class ReadinessTests : IDisposable
{
    private readonly DirectoryInfo work = Directory.CreateTempSubdirectory("spillway-e2e-");

    [Fact]
    public async Task Readyz_is_503_naming_the_sink_while_its_database_is_unreachable_and_200_once_it_answers()
    {
        var database = await TestDatabase.CreateAsync("postgresql");
        var real = new Uri(database.Url);
        await using var proxy = new TcpProxy(new IPEndPoint(IPAddress.Loopback, real.Port));
        var throughProxy = new UriBuilder(real) { Port = proxy.Port }.Uri.ToString();
        await using var server = await SpillwayProcess.StartAsync(Path.Combine(work.FullName, "data"), ["--database", throughProxy]);

        var (status, body) = await ReadyzAsync(server);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.False(body.GetProperty("ready").GetBoolean());
        Assert.Equal(["sink:users"], body.GetProperty("failing").EnumerateArray().Select(e => e.GetString()));
        var checks = body.GetProperty("checks").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!);
        Assert.True(checks["storage"].GetProperty("healthy").GetBoolean());
        Assert.False(checks["sink:users"].GetProperty("healthy").GetBoolean());
        Assert.DoesNotContain("spillway", checks["sink:users"].GetProperty("detail").GetString()!, StringComparison.Ordinal);

        // Alive all the while: liveness must not restart a server whose database is down.
        using (var healthz = await server.Client.GetAsync(new Uri("/healthz", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, healthz.StatusCode);
        }

        proxy.Open();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while ((status, body) is (not HttpStatusCode.OK, _))
        {
            Assert.True(DateTime.UtcNow < deadline, "readyz never turned 200 after the database came back: " + body);
            await Task.Delay(100);
            (status, body) = await ReadyzAsync(server);
        }

        Assert.True(body.GetProperty("ready").GetBoolean());
        Assert.Empty(body.GetProperty("failing").EnumerateArray());
    }

    [Fact]
    public async Task Readyz_is_200_with_every_check_named_on_the_default_pipeline()
    {
        await using var server = await SpillwayProcess.StartAsync(Path.Combine(work.FullName, "data"));

        var (status, body) = await ReadyzAsync(server);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("ready", body.GetProperty("status").GetString());
        Assert.Equal(
            ["storage", "sink:users"],
            body.GetProperty("checks").EnumerateArray().Select(c => c.GetProperty("name").GetString()));
    }

    public void Dispose() => work.Delete(recursive: true);

    private static async Task<(HttpStatusCode Status, JsonElement Body)> ReadyzAsync(SpillwayProcess server)
    {
        using var response = await server.Client.GetAsync(new Uri("/readyz", UriKind.Relative));
        Assert.Equal("application/json; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }
}
