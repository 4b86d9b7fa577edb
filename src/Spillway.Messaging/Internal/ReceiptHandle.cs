using System.Buffers.Binary;
using System.Buffers.Text;

namespace Spillway.Messaging.Internal;

/// <summary>
/// A receipt handle names one receive of one message: the queue's incarnation (changes at every open), the message's
/// sequence number and its receive count. A handle of an earlier receive therefore never deletes a later delivery.
/// </summary>
internal static class ReceiptHandle
{
    private const int Size = 16;

    public static string Encode(int incarnation, long seq, int receiveCount)
    {
        Span<byte> bytes = stackalloc byte[Size];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, incarnation);
        BinaryPrimitives.WriteInt64LittleEndian(bytes[4..], seq);
        BinaryPrimitives.WriteInt32LittleEndian(bytes[12..], receiveCount);
        return Base64Url.EncodeToString(bytes);
    }

    public static bool TryDecode(string? handle, out int incarnation, out long seq, out int receiveCount)
    {
        incarnation = 0;
        seq = 0;
        receiveCount = 0;
        Span<byte> bytes = stackalloc byte[Size + 2];
        if (handle is null || handle.Length != 22
            || Base64Url.DecodeFromChars(handle, bytes, out var consumed, out var written) != System.Buffers.OperationStatus.Done
            || consumed != handle.Length || written != Size)
        {
            return false;
        }

        incarnation = BinaryPrimitives.ReadInt32LittleEndian(bytes);
        seq = BinaryPrimitives.ReadInt64LittleEndian(bytes[4..]);
        receiveCount = BinaryPrimitives.ReadInt32LittleEndian(bytes[12..]);
        return seq > 0 && receiveCount > 0;
    }
}
