using System.Net;
using System.Net.Sockets;

namespace Spillway.EndToEnd.Tests.Support;

/// <summary>
/// Fault injection for "the database is down": a loopback port that refuses connections until <see cref="Open"/>
/// starts forwarding it to the real database.
/// </summary>
public sealed class TcpProxy : IAsyncDisposable
{
    private readonly IPEndPoint target;
    private readonly CancellationTokenSource stop = new();
    private TcpListener? listener;
    private Task? acceptLoop;

    public TcpProxy(IPEndPoint target)
    {
        this.target = target;
        Port = SpillwayProcess.FreePort();
    }

    public int Port { get; }

    public void Open()
    {
        listener = new TcpListener(IPAddress.Loopback, Port);
        listener.Start();
        acceptLoop = AcceptAsync(listener);
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        listener?.Stop();
        if (acceptLoop is not null)
        {
            try
            {
                await acceptLoop;
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                // Stopped.
            }
        }

        stop.Dispose();
    }

    private async Task AcceptAsync(TcpListener server)
    {
        while (!stop.IsCancellationRequested)
        {
            var client = await server.AcceptTcpClientAsync(stop.Token);
            _ = PipeAsync(client);
        }
    }

    private async Task PipeAsync(TcpClient client)
    {
        using (client)
        using (var upstream = new TcpClient())
        {
            try
            {
                await upstream.ConnectAsync(target, stop.Token);
                var a = client.GetStream().CopyToAsync(upstream.GetStream(), stop.Token);
                var b = upstream.GetStream().CopyToAsync(client.GetStream(), stop.Token);
                await Task.WhenAny(a, b);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
            {
                // A dropped connection is what this proxy is for.
            }
        }
    }
}
