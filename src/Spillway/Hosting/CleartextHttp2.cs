using System.Buffers;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Spillway.Hosting;

/// <summary>
/// HTTP/2 with prior knowledge (h2c, no Upgrade) beside HTTP/1.1 on a cleartext listener. The AWS SDK for JavaScript's
/// Kinesis client speaks only HTTP/2 and, on an <c>http://</c> endpoint, opens with the HTTP/2 preface; Kestrel's
/// Http1AndHttp2 picks a protocol only by TLS ALPN and falls back to HTTP/1.1 without TLS, failing such clients.
/// This connection middleware reads the connection's first bytes without consuming them: the exact 24-byte HTTP/2
/// preface selects HTTP/2 for that connection, anything else leaves it to Kestrel as before (HTTP/1.1, or TLS).
/// </summary>
internal static class CleartextHttp2
{
    private static readonly byte[] Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray();

    // Kestrel's per-connection protocol choice (what its TLS handshake callback sets) is an internal feature type, the one
    // seam it reads before choosing; Kestrel has no public switch for cleartext negotiation yet (dotnet/aspnetcore#56984).
    private static readonly Type? ProtocolsFeature =
        typeof(KestrelServerOptions).Assembly.GetType("Microsoft.AspNetCore.Server.Kestrel.Core.Internal.HttpProtocolsFeature");

    /// <summary>Whether this Kestrel has the seam; without it the listener serves HTTP/1.1 (and h2 over TLS) only.</summary>
    public static bool Supported => ProtocolsFeature?.GetConstructor([typeof(HttpProtocols)]) is not null;

    /// <summary>Adds the preface detection to every endpoint whose protocols include both HTTP/1.1 and HTTP/2.</summary>
    public static void Use(KestrelServerOptions kestrel)
    {
        if (!Supported)
        {
            return;
        }

        var http2 = Activator.CreateInstance(ProtocolsFeature!, HttpProtocols.Http2)!;
        var headersTimeout = kestrel.Limits.RequestHeadersTimeout;
        kestrel.ConfigureEndpointDefaults(listen => listen.Use(next => async connection =>
        {
            if (listen.Protocols.HasFlag(HttpProtocols.Http1) && listen.Protocols.HasFlag(HttpProtocols.Http2))
            {
                switch (await StartsWithPrefaceAsync(connection, headersTimeout).ConfigureAwait(false))
                {
                    case null:
                        return;
                    case true:
                        connection.Features[ProtocolsFeature!] = http2;
                        break;
                }
            }

            await next(connection).ConfigureAwait(false);
        }));
    }

    /// <summary>True when the connection opens with the HTTP/2 preface, false when it does not, null when it sent nothing
    /// decisive before closing or before <paramref name="timeout"/> (the connection is then dropped, as Kestrel drops a
    /// request whose headers do not arrive in time). The bytes read stay unconsumed for the protocol that follows.</summary>
    private static async ValueTask<bool?> StartsWithPrefaceAsync(ConnectionContext connection, TimeSpan timeout)
    {
        var input = connection.Transport.Input;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed);
        deadline.CancelAfter(timeout);
        try
        {
            while (true)
            {
                var result = await input.ReadAsync(deadline.Token).ConfigureAwait(false);
                var buffer = result.Buffer;
                var decided = Decide(buffer);
                if (decided is null && !result.IsCompleted)
                {
                    input.AdvanceTo(buffer.Start, buffer.End);
                    continue;
                }

                // Nothing consumed and nothing marked examined: the next read returns these bytes again at once.
                input.AdvanceTo(buffer.Start);
                return decided ?? false;
            }
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    private static bool? Decide(ReadOnlySequence<byte> buffer)
    {
        Span<byte> head = stackalloc byte[Preface.Length];
        var length = (int)Math.Min(buffer.Length, Preface.Length);
        buffer.Slice(0, length).CopyTo(head);
        return !head[..length].SequenceEqual(Preface.AsSpan(0, length)) ? false
            : length == Preface.Length ? true
            : null;
    }
}
