using System.Buffers;
using System.Buffers.Text;

namespace Spillway.Sqs.Internal;

/// <summary>
/// Tells a receipt handle the engine could have issued (16 bytes in unpadded base64url) from garbage: SQS answers
/// ReceiptHandleIsInvalid for the latter, but succeeds silently for a well-formed handle that is merely stale.
/// </summary>
internal static class ReceiptHandles
{
    public static bool IsWellFormed(string? handle)
    {
        if (handle is not { Length: 22 })
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[18];
        return Base64Url.DecodeFromChars(handle, bytes, out var consumed, out var written) == OperationStatus.Done
            && consumed == handle.Length && written == 16;
    }

    public static SqsException Invalid(string? handle) =>
        new(SqsError.ReceiptHandleIsInvalid, $"The input receipt handle \"{handle}\" is not a valid receipt handle.");
}
