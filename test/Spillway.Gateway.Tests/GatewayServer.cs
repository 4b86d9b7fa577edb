using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Spillway.Gateway.Internal;
using Spillway.Messaging;

namespace Spillway.Gateway.Tests;

/// <summary>A real Kestrel on 127.0.0.1 with a free port, serving the ingest routes, and a client pointed at it.</summary>
internal sealed class GatewayServer : IAsyncDisposable
{
    private readonly WebApplication app;

    private GatewayServer(WebApplication app, Uri address)
    {
        this.app = app;
        Client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public HttpClient Client { get; }

    public static Task<GatewayServer> StartAsync(QueueEngine engine, GatewayOptions? options = null, params IngestRouteOptions[] routes)
        => StartAsync(endpoints => endpoints.MapIngestRoutes(engine, Routes(routes), options));

    public static Task<GatewayServer> StartAsync(IIngestTarget target, GatewayOptions? options = null, params IngestRouteOptions[] routes)
        => StartAsync(endpoints => endpoints.MapIngestRoutes(Routes(routes), _ => target, options));

    private static IngestRouteOptions[] Routes(IngestRouteOptions[] routes)
        => routes.Length == 0 ? [IngestRouteOptions.CreateSubmitRoute()] : routes;

    public static async Task<GatewayServer> StartAsync(Action<WebApplication> map)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        map(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new GatewayServer(app, new Uri(address));
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
