namespace Spillway.Objects.Local;

/// <summary>A read-only, seekable view of the first <c>length</c> bytes of a file: an object's content without its
/// metadata trailer. Disposing it closes the file.</summary>
internal sealed class BoundedStream(FileStream file, long length) : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position
    {
        get => file.Position;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            file.Position = Math.Min(value, length);
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer) => file.Read(buffer[..Allowed(buffer.Length)]);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        file.ReadAsync(buffer[..Allowed(buffer.Length)], cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override long Seek(long offset, SeekOrigin origin)
    {
        Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => Position + offset,
            _ => length + offset,
        };
        return Position;
    }

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            file.Dispose();
        }

        base.Dispose(disposing);
    }

    public override ValueTask DisposeAsync() => file.DisposeAsync();

    private int Allowed(int wanted) => (int)Math.Min(wanted, Math.Max(0, length - file.Position));
}
