using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Spillway.Messaging.Internal;

/// <summary>
/// Time-ordered message ids (UUID version 7, RFC 9562): 48 bits of Unix milliseconds, then 74 random bits.
/// <see cref="Guid.CreateVersion7(DateTimeOffset)"/> asks the kernel for fresh random bytes on every call, a system
/// call per message on the send path; this draws the same cryptographically strong bytes from a per-thread buffer
/// that is refilled once every few hundred ids.
/// </summary>
internal static class MessageIds
{
    private const int RandomBytesPerId = 10;
    private const int BufferBytes = RandomBytesPerId * 256;

    [ThreadStatic]
    private static byte[]? buffer;

    [ThreadStatic]
    private static int used;

    public static Guid Create(DateTimeOffset timestamp)
    {
        var pool = buffer;
        if (pool is null || used + RandomBytesPerId > BufferBytes)
        {
            pool = buffer ??= new byte[BufferBytes];
            RandomNumberGenerator.Fill(pool);
            used = 0;
        }

        var random = pool.AsSpan(used, RandomBytesPerId);
        used += RandomBytesPerId;

        Span<byte> bytes = stackalloc byte[16];
        var milliseconds = timestamp.ToUnixTimeMilliseconds();
        BinaryPrimitives.WriteInt64BigEndian(bytes, milliseconds << 16); // the 48-bit timestamp, then two bytes we overwrite
        random.CopyTo(bytes[6..]);
        bytes[6] = (byte)(0x70 | (bytes[6] & 0x0F)); // version 7
        bytes[8] = (byte)(0x80 | (bytes[8] & 0x3F)); // variant 10
        return new Guid(bytes, bigEndian: true);
    }
}
