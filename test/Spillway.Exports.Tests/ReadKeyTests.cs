using System.Net;
using System.Net.Http.Json;
using Spillway.Gateway;
using Spillway.Gateway.Reads;
using Spillway.Sinks;
using Spillway.Messaging;
using Spillway.TestKit;

namespace Spillway.Exports.Tests;

public sealed class ReadKeyTests : IAsyncLifetime
{
    private const string IngestKey = "ingest-key-0123456789";
    private const string ReadKey = "read-key-0123456789abc";
    private UsersTable table = null!;
    private ExposedTable exposed = null!;
    private QueueEngine engine = null!;
    private string directory = null!;

    public async Task InitializeAsync()
    {
        table = await UsersTable.CreateAsync("sqlite");
        await table.InsertAsync(2);
        exposed = new ExposedTable("users", table.CreateReader(), ["email"]);
        directory = Directory.CreateTempSubdirectory("spillway-keys-").FullName;
        engine = await QueueEngine.OpenAsync(new QueueEngineOptions { DataDirectory = directory });
        await engine.CreateQueueAsync(new QueueDefinition { Name = "submit" });
    }

    public async Task DisposeAsync()
    {
        await engine.DisposeAsync();
        await exposed.Reader.DisposeAsync();
        await table.DisposeAsync();
        Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public async Task A_read_key_reads_but_cannot_ingest_and_an_ingest_key_cannot_read()
    {
        var options = new GatewayOptions { ApiKeys = [IngestKey], ReadApiKeys = [ReadKey] };
        await using var server = await StartAsync(options);

        Assert.Equal(HttpStatusCode.OK, await GetAsync(server, ReadKey));
        Assert.Equal(HttpStatusCode.Unauthorized, await GetAsync(server, IngestKey));
        Assert.Equal(HttpStatusCode.Unauthorized, await GetAsync(server, null));
        Assert.Equal(HttpStatusCode.Unauthorized, await PostAsync(server, ReadKey));
        Assert.Equal(HttpStatusCode.Accepted, await PostAsync(server, IngestKey));
    }

    [Fact]
    public async Task With_only_ingest_keys_the_read_api_is_closed()
    {
        await using var server = await StartAsync(new GatewayOptions { ApiKeys = [IngestKey] });
        Assert.Equal(HttpStatusCode.Unauthorized, await GetAsync(server, IngestKey));
        Assert.Equal(HttpStatusCode.Unauthorized, await GetAsync(server, null));
    }

    [Fact]
    public async Task Without_any_key_the_read_api_is_open_as_ingest_is()
    {
        await using var server = await StartAsync(new GatewayOptions());
        Assert.Equal(HttpStatusCode.OK, await GetAsync(server, null));
    }

    [Fact]
    public void A_key_that_is_both_a_read_and_an_ingest_key_is_refused()
    {
        var options = new GatewayOptions { ApiKeys = [IngestKey], ReadApiKeys = [IngestKey] };
        var e = Assert.Throws<GatewayConfigurationException>(() => options.ResolveReadApiKeys());
        Assert.DoesNotContain(IngestKey, e.Message, StringComparison.Ordinal);
        Assert.Contains("GatewayOptions", options.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(IngestKey, options.ToString(), StringComparison.Ordinal);
    }

    private Task<TestWebHost> StartAsync(GatewayOptions options) => TestWebHost.StartAsync(app =>
    {
        app.MapIngestRoutes(new Spillway.Transport.EmbeddedTransport(engine), [IngestRouteOptions.CreateSubmitRoute()], options);
        app.MapReadApi(new Dictionary<string, ExposedTable> { ["users"] = exposed }, options);
    });

    private static async Task<HttpStatusCode> GetAsync(TestWebHost server, string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/tables/users");
        if (key is not null)
        {
            request.Headers.Add("X-Api-Key", key);
        }

        using var response = await server.Client.SendAsync(request);
        return response.StatusCode;
    }

    private static async Task<HttpStatusCode> PostAsync(TestWebHost server, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/submit")
        {
            Content = JsonContent.Create(new { name = "a", email = "a@example.com" }),
        };
        request.Headers.Authorization = new("Bearer", key);
        using var response = await server.Client.SendAsync(request);
        return response.StatusCode;
    }
}
