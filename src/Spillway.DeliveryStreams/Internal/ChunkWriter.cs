using System.Buffers;

namespace Spillway.DeliveryStreams.Internal;

/// <summary>
/// Gathers a file's many small pieces (records of a few hundred bytes, their newlines) into chunks of a megabyte, so
/// the stream below (the object file with its MD5, or gzip) is written a chunk at a time instead of a record at a time.
/// </summary>
internal sealed class ChunkWriter(Stream destination) : IDisposable
{
    private const int ChunkBytes = 1024 * 1024;

    private byte[]? chunk = ArrayPool<byte>.Shared.Rent(ChunkBytes);
    private int length;

    /// <summary>Adds <paramref name="data"/> and, when asked, a newline after it.</summary>
    public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, bool newline, CancellationToken cancellationToken)
    {
        var buffer = chunk ?? throw new ObjectDisposedException(nameof(ChunkWriter));
        var needed = data.Length + (newline ? 1 : 0);
        if (length + needed > buffer.Length)
        {
            await FlushAsync(cancellationToken).ConfigureAwait(false);
            if (needed > buffer.Length)
            {
                // Larger than a chunk (an error line holds its record in base64): it goes down as it is, its newline after.
                await destination.WriteAsync(data, cancellationToken).ConfigureAwait(false);
                data = ReadOnlyMemory<byte>.Empty;
            }
        }

        data.Span.CopyTo(buffer.AsSpan(length));
        length += data.Length;
        if (newline)
        {
            buffer[length++] = (byte)'\n';
        }
    }

    /// <summary>Writes what is gathered to the stream below.</summary>
    public async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        if (length > 0 && chunk is { } buffer)
        {
            await destination.WriteAsync(buffer.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
            length = 0;
        }
    }

    public void Dispose()
    {
        if (chunk is { } buffer)
        {
            chunk = null;
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
