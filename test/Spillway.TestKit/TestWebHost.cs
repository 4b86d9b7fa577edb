using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Spillway.TestKit;

/// <summary>
/// A real Kestrel on 127.0.0.1 with a free port, serving what a test maps onto it, and a client pointed at it: the one
/// way the library tests stand up a server in process.
/// </summary>
public sealed class TestWebHost : IAsyncDisposable
{
    private TestWebHost(WebApplication app, HttpClient client)
    {
        App = app;
        Client = client;
    }

    public WebApplication App { get; }

    public HttpClient Client { get; }

    public string BaseUrl => Client.BaseAddress!.ToString().TrimEnd('/');

    /// <summary>Maps <paramref name="map"/> onto a new application and starts it.</summary>
    /// <param name="map">The endpoints.</param>
    /// <param name="timeout">The client's timeout; 60 s by default.</param>
    public static async Task<TestWebHost> StartAsync(Action<WebApplication> map, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(map);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        map(app);
        await app.StartAsync().ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new TestWebHost(app, new HttpClient { BaseAddress = new Uri(address), Timeout = timeout ?? TimeSpan.FromSeconds(60) });
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync().ConfigureAwait(false);
        await App.DisposeAsync().ConfigureAwait(false);
    }
}
