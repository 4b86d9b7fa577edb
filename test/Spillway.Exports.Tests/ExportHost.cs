using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Spillway.Gateway.Reads;
using Spillway.Messaging;
using Spillway.Objects.Local;
using Spillway.Transport;
using Spillway.Sinks;
using Spillway.TestKit;

namespace Spillway.Exports.Tests;

/// <summary>An export service over a real queue engine, local store and table, served over real HTTP.</summary>
internal sealed class ExportHost : IAsyncDisposable
{
    private readonly QueueEngine engine;
    private readonly TestWebHost server;

    private ExportHost(QueueEngine engine, ExportService service, TestWebHost server, LocalObjectStore store)
    {
        this.engine = engine;
        Service = service;
        this.server = server;
        Store = store;
    }

    public ExportService Service { get; }

    public LocalObjectStore Store { get; }

    public HttpClient Client => server.Client;

    public static async Task<ExportHost> StartAsync(
        string directory,
        IReadOnlyDictionary<string, ExposedTable> tables,
        Func<string, ExportOptions>? configure = null,
        IEnumerable<IExportNotifier>? notifiers = null,
        IReadOnlySet<string>? webhookHosts = null,
        Action<ExportService>? beforeStart = null)
    {
        var engine = await QueueEngine.OpenAsync(new QueueEngineOptions { DataDirectory = Path.Combine(directory, "queues") });
        var transport = new EmbeddedTransport(engine);
        await transport.CreateQueuesAsync(
            [new QueueDefinition { Name = "spillway-exports", VisibilityTimeout = TimeSpan.FromMinutes(5) }], CancellationToken.None);
        var options = configure?.Invoke(Path.Combine(directory, "jobs")) ?? new ExportOptions { JobDirectory = Path.Combine(directory, "jobs") };
        var store = new LocalObjectStore(Path.Combine(directory, "objects"));
        var service = new ExportService(options, tables, transport, store, notifiers)
        {
            WebhookHosts = webhookHosts ?? new HashSet<string>(),
        };
        beforeStart?.Invoke(service);
        await service.StartAsync();
        var server = await TestWebHost.StartAsync(app => app.MapExports(service));
        return new ExportHost(engine, service, server, store);
    }

    public async Task<string> SubmitAsync(object request)
    {
        using var response = await Client.PostAsync("/v1/exports", Json(request));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{(int)response.StatusCode}: {text}");
        using var body = JsonDocument.Parse(text);
        Assert.Equal("queued", body.RootElement.GetProperty("state").GetString());
        return body.RootElement.GetProperty("id").GetString()!;
    }

    public async Task<JsonDocument> StatusAsync(string id)
    {
        using var response = await Client.GetAsync($"/v1/exports/{id}");
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync());
    }

    /// <summary>Polls the status endpoint until the job leaves queued/running (a real signal: the API's answer).</summary>
    public async Task<JsonDocument> WaitEndedAsync(string id, TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var status = await StatusAsync(id);
            if (status.RootElement.GetProperty("state").GetString() is not ("queued" or "running"))
            {
                return status;
            }

            status.Dispose();
            await Task.Delay(20, cancel.Token);
        }
    }

    public static StringContent Json(object value) =>
        new(JsonSerializer.Serialize(value), System.Text.Encoding.UTF8, "application/json");

    public async ValueTask DisposeAsync()
    {
        await server.DisposeAsync();
        await Service.DisposeAsync();
        await engine.DisposeAsync();
    }
}
