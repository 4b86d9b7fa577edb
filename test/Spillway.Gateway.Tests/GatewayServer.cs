using Microsoft.AspNetCore.Builder;
using Spillway.Messaging;
using Spillway.TestKit;
using Spillway.Transport;

namespace Spillway.Gateway.Tests;

/// <summary>The ingest routes behind a real Kestrel (<see cref="TestWebHost"/>), over an engine or any transport.</summary>
internal static class GatewayServer
{
    public static Task<TestWebHost> StartAsync(QueueEngine engine, GatewayOptions? options = null, params IngestRouteOptions[] routes)
        => StartAsync(new EmbeddedTransport(engine), options, routes);

    public static Task<TestWebHost> StartAsync(IMessageTransport transport, GatewayOptions? options = null, params IngestRouteOptions[] routes)
        => TestWebHost.StartAsync(endpoints => endpoints.MapIngestRoutes(transport, Routes(routes), options), TimeSpan.FromSeconds(30));

    public static Task<TestWebHost> StartAsync(Action<WebApplication> map) => TestWebHost.StartAsync(map, TimeSpan.FromSeconds(30));

    private static IngestRouteOptions[] Routes(IngestRouteOptions[] routes)
        => routes.Length == 0 ? [IngestRouteOptions.CreateSubmitRoute()] : routes;
}
