using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Spillway.Aws.Protocols;

/// <summary>
/// An answer sent as an AWS event stream (<c>application/vnd.amazon.eventstream</c>), as Kinesis's SubscribeToShard
/// answers: a sequence of binary messages, each a prelude (total and header lengths, their CRC-32), string headers
/// (<c>:message-type</c>, <c>:event-type</c> or <c>:exception-type</c>, <c>:content-type</c>), a payload in the request's
/// protocol written with the call's <see cref="AwsResponse"/>, and a CRC-32 of the whole message. Each message is
/// flushed as it is written, so the client sees every event when it happens.
/// </summary>
public sealed class AwsEventStream
{
    private const string ContentType = "application/vnd.amazon.eventstream";

    private readonly AwsCall call;

    private AwsEventStream(AwsCall call) => this.call = call;

    /// <summary>Starts the answer of <paramref name="call"/> (status 200) as an event stream; the router then sends nothing more.</summary>
    public static async ValueTask<AwsEventStream> OpenAsync(AwsCall call)
    {
        ArgumentNullException.ThrowIfNull(call);
        var http = call.Context.Response;
        http.StatusCode = StatusCodes.Status200OK;
        http.ContentType = ContentType;
        http.Headers["x-amzn-RequestId"] = call.RequestId;
        await http.StartAsync(call.Aborted).ConfigureAwait(false);
        return new AwsEventStream(call);
    }

    /// <summary>Sends one event of type <paramref name="eventType"/> whose payload's members <paramref name="write"/> writes.</summary>
    public ValueTask SendAsync(string eventType, Action<AwsResponse> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        var response = call.Response;
        response.Restart();
        response.Begin(eventType);
        write(response);
        response.End(eventType, call.RequestId);
        return WriteAsync([(":message-type", "event"), (":event-type", eventType), (":content-type", response.ContentType)], response.Written);
    }

    /// <summary>Sends an exception message (the stream's last): the error's shape and its message.</summary>
    public ValueTask SendErrorAsync(AwsError error, string message)
    {
        ArgumentNullException.ThrowIfNull(error);
        var response = call.Response;
        response.Restart();
        response.Error(error, message, call.RequestId);
        return WriteAsync([(":message-type", "exception"), (":exception-type", error.Shape), (":content-type", response.ContentType)], response.Written);
    }

    private async ValueTask WriteAsync((string Name, string Value)[] headers, ReadOnlyMemory<byte> payload)
    {
        var message = Encode(headers, payload.Span);
        var body = call.Context.Response.Body;
        await body.WriteAsync(message, call.Aborted).ConfigureAwait(false);
        await body.FlushAsync(call.Aborted).ConfigureAwait(false);
    }

    /// <summary>One message: prelude, its CRC, headers (all of type 7, a string), payload, and the CRC of all before.</summary>
    internal static byte[] Encode((string Name, string Value)[] headers, ReadOnlySpan<byte> payload)
    {
        var headerLength = headers.Sum(h => 1 + Encoding.UTF8.GetByteCount(h.Name) + 1 + 2 + Encoding.UTF8.GetByteCount(h.Value));
        var total = 12 + headerLength + payload.Length + 4;
        var message = new byte[total];
        var span = message.AsSpan();
        BinaryPrimitives.WriteInt32BigEndian(span, total);
        BinaryPrimitives.WriteInt32BigEndian(span[4..], headerLength);
        BinaryPrimitives.WriteUInt32BigEndian(span[8..], Crc32.HashToUInt32(span[..8]));
        var at = 12;
        foreach (var (name, value) in headers)
        {
            span[at] = (byte)Encoding.UTF8.GetBytes(name, span[(at + 1)..]);
            at += 1 + span[at];
            span[at++] = 7;
            var length = Encoding.UTF8.GetBytes(value, span[(at + 2)..]);
            BinaryPrimitives.WriteUInt16BigEndian(span[at..], (ushort)length);
            at += 2 + length;
        }

        payload.CopyTo(span[at..]);
        BinaryPrimitives.WriteUInt32BigEndian(span[(total - 4)..], Crc32.HashToUInt32(span[..(total - 4)]));
        return message;
    }
}
