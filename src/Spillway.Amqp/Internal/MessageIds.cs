using System.Security.Cryptography;
using System.Text;

namespace Spillway.Amqp.Internal;

/// <summary>
/// The message id of a record sent with an idempotency key is derived from the queue, the key and the record's
/// position, so a retry through any gateway publishes the same ids again and the sink (whose row id is the message
/// id) stores each record once. The broker holds no key table to answer the replay itself, hence no replay header.
/// </summary>
internal static class MessageIds
{
    public static Guid FromIdempotencyKey(string queue, string key, int index)
    {
        Span<byte> hash = stackalloc byte[32];
        var text = Encoding.UTF8.GetBytes($"{queue}\n{key}\n{index}");
        SHA256.HashData(text, hash);
        var bytes = hash[..16];
        // A name-based UUID (version 8, RFC 9562 variant), so it never collides with the time-based ones.
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true);
    }
}
