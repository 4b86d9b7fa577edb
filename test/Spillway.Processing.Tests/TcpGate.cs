using System.Net;
using System.Net.Sockets;

namespace Spillway.Processing.Tests;

/// <summary>
/// Fault injection for a real database: a loopback port that first refuses connections (a database that is down) and,
/// once opened, forwards every connection to the real server.
/// </summary>
internal sealed class TcpGate : IAsyncDisposable
{
    private readonly IPEndPoint target;
    private readonly CancellationTokenSource closing = new();
    private TcpListener? listener;
    private Task? acceptLoop;

    public TcpGate(IPEndPoint target)
    {
        this.target = target;
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        Port = ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    /// <summary>The gate's port: refused until <see cref="Open"/>.</summary>
    public int Port { get; }

    public void Open()
    {
        listener = new TcpListener(IPAddress.Loopback, Port);
        listener.Start();
        acceptLoop = AcceptAsync(listener);
    }

    private async Task AcceptAsync(TcpListener server)
    {
        while (!closing.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await server.AcceptTcpClientAsync(closing.Token);
            }
            catch (Exception) when (closing.IsCancellationRequested)
            {
                return;
            }

            _ = ForwardAsync(client);
        }
    }

    private async Task ForwardAsync(TcpClient client)
    {
        using (client)
        using (var upstream = new TcpClient())
        {
            try
            {
                await upstream.ConnectAsync(target, closing.Token);
                var a = client.GetStream();
                var b = upstream.GetStream();
                await Task.WhenAny(a.CopyToAsync(b, closing.Token), b.CopyToAsync(a, closing.Token));
            }
            catch (Exception)
            {
                // A torn forwarded connection looks to the client like a dropped database connection, which is the point.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        closing.Cancel();
        listener?.Stop();
        if (acceptLoop is not null)
        {
            await acceptLoop;
        }

        closing.Dispose();
    }
}
