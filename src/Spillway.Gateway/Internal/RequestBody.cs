using System.Buffers;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Spillway.Gateway.Internal;

/// <summary>Why a request body could not be read.</summary>
internal enum BodyFault
{
    None,

    /// <summary>Larger than the endpoint's limit, declared or as it streamed in: 413.</summary>
    TooLarge,

    /// <summary>Its framing is broken (a chunk size that is not hex or overflows, say): 400, never worth a retry.</summary>
    Malformed,
}

/// <summary>
/// A whole request body read into a pooled buffer, or the fault that stopped the read. One way for every endpoint
/// that takes a body, so a malformed body is a 400 and an oversized one a 413 wherever it arrives, and never a 5xx
/// that tells a client to retry what can never succeed. Give the buffer back with <see cref="Return"/>.
/// </summary>
internal readonly record struct RequestBody(byte[]? Buffer, int Length, BodyFault Fault, string? Detail)
{
    public ReadOnlyMemory<byte> Memory => Buffer.AsMemory(0, Length);

    public ReadOnlySpan<byte> Span => Buffer.AsSpan(0, Length);

    public void Return()
    {
        if (Buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(Buffer);
        }
    }

    /// <summary>
    /// Reads the whole body, enforcing <paramref name="maxBytes"/> on the declared length and again as the body streams
    /// in (a chunked body declares none). Throws only when the client went away (the request is aborted).
    /// </summary>
    public static async ValueTask<RequestBody> ReadAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
    {
        var declared = request.ContentLength;
        if (declared > maxBytes)
        {
            return new RequestBody(null, 0, BodyFault.TooLarge, null);
        }

        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = maxBytes;
        }

        if (declared == 0)
        {
            return default;
        }

        var reader = request.BodyReader;
        var buffer = ArrayPool<byte>.Shared.Rent(declared is > 0 ? (int)declared.Value : 4096);
        var length = 0;
        try
        {
            while (true)
            {
                var read = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                var data = read.Buffer;
                if (length + data.Length > maxBytes)
                {
                    reader.AdvanceTo(data.End);
                    ArrayPool<byte>.Shared.Return(buffer);
                    return new RequestBody(null, 0, BodyFault.TooLarge, null);
                }

                if (length + data.Length > buffer.Length)
                {
                    var size = Math.Min(maxBytes, Math.Max(buffer.Length * 2L, length + data.Length));
                    var larger = ArrayPool<byte>.Shared.Rent((int)size);
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                data.CopyTo(buffer.AsSpan(length));
                length += (int)data.Length;
                reader.AdvanceTo(data.End);

                // With a declared length, the body is whole once that many bytes arrived: no extra read to see the end.
                if (read.IsCompleted || length == declared)
                {
                    return new RequestBody(buffer, length, BodyFault.None, null);
                }
            }
        }
        catch (BadHttpRequestException e)
        {
            // Kestrel enforcing MaxRequestBodySize (413), or a malformed chunked body (400).
            ArrayPool<byte>.Shared.Return(buffer);
            return e.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? new RequestBody(null, 0, BodyFault.TooLarge, null)
                : new RequestBody(null, 0, BodyFault.Malformed, e.Message);
        }
        catch (IOException e) when (!request.HttpContext.RequestAborted.IsCancellationRequested)
        {
            // Kestrel reports some broken framing (a chunk size that overflows) as an IOException of the body stream.
            // The client is still there to hear that its request is malformed; a reset or abort is not answered.
            ArrayPool<byte>.Shared.Return(buffer);
            return new RequestBody(null, 0, BodyFault.Malformed, e.Message);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }
}
