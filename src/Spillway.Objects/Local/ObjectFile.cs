using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Spillway.Objects.Local;

/// <summary>
/// One object as one file: its content, then its metadata as JSON, then the JSON's length (4 bytes, little-endian) and
/// the magic "SPO1". Content and metadata in one file make a single rename publish both at once: no reader ever sees an
/// object without its metadata or the reverse. The metadata sits at the end because the size and the MD5 are known
/// only once the content has been written.
/// </summary>
internal static class ObjectFile
{
    public const string TemporaryPrefix = ".tmp-";
    private const int TrailerBytes = 8;
    private const int BufferBytes = 1 << 20;
    private static ReadOnlySpan<byte> Magic => "SPO1"u8;

    /// <summary>A file's metadata and how many bytes of content precede it.</summary>
    public sealed record Record(ObjectInfo Info, long ContentLength, bool Compressed);

    /// <summary>A temporary file in <paramref name="directory"/>, fsynced, holding what <paramref name="write"/> produced
    /// and the metadata <paramref name="describe"/> makes of its size and MD5; the caller renames it into place.</summary>
    public static async Task<(string Path, ObjectInfo Info)> WriteTemporaryAsync(
        string directory, Func<Stream, CancellationToken, Task> write, Func<long, byte[], ObjectInfo> describe, bool compressed,
        CancellationToken cancellationToken)
    {
        var path = Path.Combine(directory, TemporaryPrefix + Guid.NewGuid().ToString("N"));
        try
        {
            var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, BufferBytes, FileOptions.None);
            await using (file.ConfigureAwait(false))
            {
                ObjectInfo info;
                var hashing = new HashingStream(file);
                await using (hashing.ConfigureAwait(false))
                {
                    await write(hashing, cancellationToken).ConfigureAwait(false);
                    info = describe(hashing.Length, hashing.Md5());
                }

                var metadata = Serialize(info, compressed);
                var trailer = new byte[TrailerBytes];
                BinaryPrimitives.WriteInt32LittleEndian(trailer, metadata.Length);
                Magic.CopyTo(trailer.AsSpan(4));
                await file.WriteAsync(metadata, cancellationToken).ConfigureAwait(false);
                await file.WriteAsync(trailer, cancellationToken).ConfigureAwait(false);
                await file.FlushAsync(cancellationToken).ConfigureAwait(false);
                file.Flush(flushToDisk: true);
                return (path, info);
            }
        }
        catch
        {
            File.Delete(path);
            throw;
        }
    }

    /// <summary>The metadata of an open file; null when it does not end in a valid trailer (not one of ours).</summary>
    public static Record? ReadRecord(FileStream file)
    {
        var length = file.Length;
        if (length < TrailerBytes)
        {
            return null;
        }

        Span<byte> trailer = stackalloc byte[TrailerBytes];
        file.Position = length - TrailerBytes;
        file.ReadExactly(trailer);
        var metadataLength = BinaryPrimitives.ReadInt32LittleEndian(trailer);
        if (!trailer[4..].SequenceEqual(Magic) || metadataLength <= 0 || metadataLength > length - TrailerBytes)
        {
            return null;
        }

        var metadata = new byte[metadataLength];
        var contentLength = length - TrailerBytes - metadataLength;
        file.Position = contentLength;
        file.ReadExactly(metadata);
        file.Position = 0;
        try
        {
            var (info, compressed) = Deserialize(metadata);
            return new Record(info, contentLength, compressed);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }

    /// <summary>The record of the file at <paramref name="path"/>; null when it is gone or not one of ours.</summary>
    public static Record? TryReadRecord(string path)
    {
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 4096);
            return ReadRecord(file);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Opens the file's content for reading, with its metadata; null when the file is gone.</summary>
    public static StoredObject? Open(string path)
    {
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 64 * 1024, FileOptions.Asynchronous);
        }
        catch (FileNotFoundException)
        {
            return null;
        }

        var record = ReadRecord(file);
        if (record is null)
        {
            file.Dispose();
            throw new InvalidDataException($"The object file '{Path.GetFileName(path)}' has no valid metadata trailer.");
        }

        Stream content = new BoundedStream(file, record.ContentLength);
        if (record.Compressed)
        {
            content = new System.IO.Compression.GZipStream(content, System.IO.Compression.CompressionMode.Decompress);
        }

        return new StoredObject(record.Info, content);
    }

    /// <summary>The content of an open file, without its trailer.</summary>
    public static Stream Content(FileStream file, Record record) => new BoundedStream(file, record.ContentLength);

    private static byte[] Serialize(ObjectInfo info, bool compressed)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("key", info.Key);
            json.WriteNumber("size", info.Size);
            json.WriteString("etag", info.ETag);
            json.WriteNumber("lastModifiedMs", info.LastModified.ToUnixTimeMilliseconds());
            json.WriteString("contentType", info.ContentType);
            json.WriteString("tier", info.Tier.ToString());
            json.WriteBoolean("compressed", compressed);
            json.WriteStartObject("metadata");
            foreach (var (name, value) in info.UserMetadata)
            {
                json.WriteString(name, value);
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static (ObjectInfo Info, bool Compressed) Deserialize(byte[] metadata)
    {
        using var document = JsonDocument.Parse(metadata);
        var root = document.RootElement;
        var user = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in root.GetProperty("metadata").EnumerateObject())
        {
            user[property.Name] = property.Value.GetString() ?? string.Empty;
        }

        var info = new ObjectInfo
        {
            Key = root.GetProperty("key").GetString()!,
            Size = root.GetProperty("size").GetInt64(),
            ETag = root.GetProperty("etag").GetString()!,
            LastModified = DateTimeOffset.FromUnixTimeMilliseconds(root.GetProperty("lastModifiedMs").GetInt64()),
            ContentType = root.GetProperty("contentType").GetString()!,
            Tier = Enum.Parse<StorageTier>(root.GetProperty("tier").GetString()!),
            UserMetadata = user,
        };
        return (info, root.GetProperty("compressed").GetBoolean());
    }

    /// <summary>The MD5 of one part's bytes, and of the whole for a single put: S3's ETag.</summary>
    internal sealed class HashingStream(Stream inner) : Stream
    {
        private readonly IncrementalHash md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        private long length;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => length;

        public override long Position { get => length; set => throw new NotSupportedException(); }

        public byte[] Md5() => md5.GetHashAndReset();

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            md5.AppendData(buffer);
            length += buffer.Length;
            inner.Write(buffer);
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            md5.AppendData(buffer.Span);
            length += buffer.Length;
            await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush() => inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                md5.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
