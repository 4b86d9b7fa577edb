using Microsoft.AspNetCore.Builder;

namespace Spillway.Gateway.Tests;

public sealed class MapIngestRoutesTests
{
    private static WebApplication App() => WebApplication.CreateSlimBuilder().Build();

    [Fact]
    public async Task Two_routes_on_one_path_stop_mapping_naming_the_second()
    {
        await using var app = App();
        var e = Assert.Throws<GatewayConfigurationException>(() => app.MapIngestRoutes(
            new FaultyTransport(), [IngestRouteOptions.CreateSubmitRoute(), IngestRouteOptions.CreateSubmitRoute()]));
        Assert.Equal("Spillway:Routes:1:Path", e.Key);
    }

    [Fact]
    public async Task A_route_on_the_health_path_stops_mapping()
    {
        await using var app = App();
        var route = IngestRouteOptions.CreateSubmitRoute();
        route.Path = "/healthz";
        Assert.Equal(
            "Spillway:Routes:0:Path",
            Assert.Throws<GatewayConfigurationException>(() => app.MapIngestRoutes(new FaultyTransport(), [route])).Key);
    }
}
