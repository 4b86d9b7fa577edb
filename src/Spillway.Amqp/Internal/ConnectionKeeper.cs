using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using Spillway.Transport;

namespace Spillway.Amqp.Internal;

/// <summary>One live connection and what was opened on it. A new session (a new epoch) after every reconnection:
/// delivery tags and channels of an older one mean nothing to the broker.</summary>
internal sealed class Session(IConnection connection, IChannel[] publishers, long epoch)
{
    private int next;

    public IConnection Connection { get; } = connection;

    public long Epoch { get; } = epoch;

    public bool IsOpen => Connection.IsOpen;

    public IChannel NextPublisher() => publishers[(int)((uint)Interlocked.Increment(ref next) % (uint)publishers.Length)];
}

/// <summary>
/// Keeps one connection to RabbitMQ open: connects, declares the topology, opens the publisher channels, and after a
/// loss reconnects with capped exponential backoff, by itself, for as long as the transport lives. The client's own
/// automatic recovery is off: a reconnection here is a new <see cref="Session"/>, so receivers can tell stale delivery
/// tags from live ones instead of acknowledging the wrong message on a recovered channel.
/// </summary>
internal sealed class ConnectionKeeper : IAsyncDisposable
{
    /// <summary>Publisher confirms tracked by the client, so a publish completes once the broker confirmed it; no
    /// client-side cap on outstanding confirms (the gateway's concurrency is the cap).</summary>
    public static readonly CreateChannelOptions ConfirmedChannel = new(
        publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true, outstandingPublisherConfirmationsRateLimiter: null);

    private readonly AmqpTransportOptions options;
    private readonly string purpose;
    private readonly int publisherChannels;
    private readonly Func<IChannel, CancellationToken, Task> declareTopology;
    private readonly ILogger logger;
    private readonly CancellationTokenSource stopping = new();
    private readonly Task loop;
    private TaskCompletionSource<Session> connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile Session? current;
    private volatile string reason = "not connected yet";
    private long epoch;

    public ConnectionKeeper(
        AmqpTransportOptions options,
        string purpose,
        int publisherChannels,
        Func<IChannel, CancellationToken, Task> declareTopology,
        ILogger logger)
    {
        this.options = options;
        this.purpose = purpose;
        this.publisherChannels = publisherChannels;
        this.declareTopology = declareTopology;
        this.logger = logger;
        loop = Task.Run(RunAsync);
    }

    /// <summary>The live session, or null while disconnected.</summary>
    public Session? Current => current is { IsOpen: true } session ? session : null;

    public TransportStatus Status => Current is not null
        ? TransportStatus.Up
        : new TransportStatus(false, $"RabbitMQ is unreachable ({reason})");

    /// <summary>Waits for a live session; null when none came within <paramref name="timeout"/>.</summary>
    public async Task<Session?> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (Current is { } session)
        {
            return session;
        }

        try
        {
            return await Volatile.Read(ref connected).Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        stopping.Dispose();
    }

    private async Task RunAsync()
    {
        var stop = stopping.Token;
        var first = TimeSpan.FromMilliseconds(200) < options.MaxReconnectDelay ? TimeSpan.FromMilliseconds(200) : options.MaxReconnectDelay;
        var backoff = new Backoff(first, options.MaxReconnectDelay);
        var factory = new ConnectionFactory
        {
            Uri = options.Uri,
            AutomaticRecoveryEnabled = false,
            TopologyRecoveryEnabled = false,
            // A broker that vanished without closing the socket is noticed within about two heartbeats.
            RequestedHeartbeat = TimeSpan.FromSeconds(10),
            RequestedConnectionTimeout = TimeSpan.FromSeconds(10),
        };
        while (!stop.IsCancellationRequested)
        {
            IConnection? connection = null;
            try
            {
                connection = await factory.CreateConnectionAsync($"{options.ConnectionName} ({purpose})", stop).ConfigureAwait(false);
                var lost = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
                connection.ConnectionShutdownAsync += (_, e) =>
                {
                    lost.TrySetResult(e.ReplyText);
                    return Task.CompletedTask;
                };
                await using (var admin = await connection.CreateChannelAsync(cancellationToken: stop).ConfigureAwait(false))
                {
                    await declareTopology(admin, stop).ConfigureAwait(false);
                }

                var channelOptions = ConfirmedChannel;
                var publishers = new IChannel[publisherChannels];
                for (var i = 0; i < publishers.Length; i++)
                {
                    publishers[i] = await connection.CreateChannelAsync(channelOptions, stop).ConfigureAwait(false);
                }

                var session = new Session(connection, publishers, Interlocked.Increment(ref epoch));
                current = session;
                backoff.Reset();
                LogMessages.Connected(logger, options.RedactedUri, purpose);
                Interlocked.Exchange(ref connected, new TaskCompletionSource<Session>(TaskCreationOptions.RunContinuationsAsynchronously))
                    .TrySetResult(session);

                var why = await lost.Task.WaitAsync(stop).ConfigureAwait(false);
                current = null;
                reason = why;
                LogMessages.ConnectionLost(logger, options.RedactedUri, purpose, why);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                current = null;
                reason = Describe(e);
                LogMessages.ConnectFailed(logger, options.RedactedUri, purpose, reason, backoff.Next);
            }
            finally
            {
                if (connection is not null && (current is null || stop.IsCancellationRequested))
                {
                    await CloseQuietlyAsync(connection).ConfigureAwait(false);
                }
            }

            if (!await backoff.WaitAsync(TimeProvider.System, stop).ConfigureAwait(false))
            {
                break;
            }
        }

        current = null;
        reason = "the transport is shutting down";
    }

    // The innermost message names the cause (refused, timed out, access refused); the URI with its password is never in it.
    private static string Describe(Exception e)
    {
        while (e.InnerException is not null)
        {
            e = e.InnerException;
        }

        return e.Message;
    }

    private static async Task CloseQuietlyAsync(IConnection connection)
    {
        try
        {
            await connection.CloseAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Already gone: nothing to close.
        }

        connection.Dispose();
    }
}
