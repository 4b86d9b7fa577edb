using Spillway.DeliveryStreams.Internal;
using Xunit;

namespace Spillway.DeliveryStreams.Tests;

/// <summary>A file's records gathered into large writes, in order, newlines where asked.</summary>
public sealed class ChunkWriterTests
{
    [Fact]
    public async Task Pieces_with_and_without_newlines_arrive_in_order_in_chunks_of_a_megabyte()
    {
        var destination = new CountingStream();
        var expected = new MemoryStream();
        using (var chunks = new ChunkWriter(destination))
        {
            for (var i = 0; i < 3000; i++)
            {
                var piece = new byte[1000];
                Array.Fill(piece, (byte)('a' + (i % 26)));
                var newline = i % 3 != 0;
                await chunks.WriteAsync(piece, newline, CancellationToken.None);
                expected.Write(piece);
                if (newline)
                {
                    expected.WriteByte((byte)'\n');
                }
            }

            await chunks.FlushAsync(CancellationToken.None);
        }

        Assert.Equal(expected.ToArray(), destination.ToArray());
        Assert.InRange(destination.Writes, 1, 3); // 2.9 MB in chunks of at least 1 MiB, not 3,000 writes
    }

    [Fact]
    public async Task A_piece_larger_than_a_chunk_goes_straight_through_after_what_came_before()
    {
        var destination = new CountingStream();
        var large = new byte[3 * 1024 * 1024];
        Array.Fill(large, (byte)'L');
        using (var chunks = new ChunkWriter(destination))
        {
            await chunks.WriteAsync("first"u8.ToArray(), newline: true, CancellationToken.None);
            await chunks.WriteAsync(large, newline: true, CancellationToken.None);
            await chunks.WriteAsync("last"u8.ToArray(), newline: false, CancellationToken.None);
            await chunks.FlushAsync(CancellationToken.None);
        }

        byte[] expected = [.. "first\n"u8, .. large, .. "\nlast"u8];
        Assert.Equal(expected, destination.ToArray());
    }

    private sealed class CountingStream : MemoryStream
    {
        public int Writes { get; private set; }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Writes++;
            return base.WriteAsync(buffer, cancellationToken);
        }
    }
}
