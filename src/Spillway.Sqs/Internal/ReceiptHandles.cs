using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Spillway.Aws;

namespace Spillway.Sqs.Internal;

/// <summary>
/// SQS receipt handles: a fixed letter, the engine's handle (16 bytes in unpadded base64url), then a tag of the queue that
/// issued it (6 bytes of the SHA-256 of its name). The letter keeps a handle from starting with base64url's '-', which the
/// aws CLI and other command lines would read as an option (`--receipt-handle -…`). The tag lets a handle given to another queue be refused as ReceiptHandleIsInvalid,
/// as SQS refuses it, where the engine alone would take it for a stale handle of its own and answer success. Garbage is
/// ReceiptHandleIsInvalid too; a well-formed handle of this queue that is merely stale succeeds silently, as in SQS.
/// </summary>
internal static class ReceiptHandles
{
    private const char Lead = 'R';
    private const int EngineLength = 22;
    private const int TagLength = 8;

    /// <summary>The handle SQS clients get for an engine handle of <paramref name="queue"/>.</summary>
    public static string Issue(string queue, string engineHandle) => Lead + engineHandle + Tag(queue);

    /// <summary>The engine handle inside <paramref name="handle"/>; throws ReceiptHandleIsInvalid for garbage or for a
    /// handle another queue issued.</summary>
    public static string Open(string queue, string? handle) =>
        TryOpen(queue, handle) ?? throw Invalid(handle);

    /// <summary>As <see cref="Open"/>, for batch entries: null instead of throwing.</summary>
    public static string? TryOpen(string queue, string? handle)
    {
        if (handle is not { Length: 1 + EngineLength + TagLength } || handle[0] != Lead
            || !handle.AsSpan(1 + EngineLength).SequenceEqual(Tag(queue)))
        {
            return null;
        }

        Span<byte> bytes = stackalloc byte[18];
        var engine = handle.Substring(1, EngineLength);
        return Base64Url.DecodeFromChars(engine, bytes, out var consumed, out var written) == OperationStatus.Done
            && consumed == EngineLength && written == 16
            ? engine
            : null;
    }

    public static AwsException Invalid(string? handle) =>
        new(SqsError.ReceiptHandleIsInvalid, $"The input receipt handle \"{handle}\" is not a valid receipt handle.");

    private static string Tag(string queue)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(queue), hash);
        return Base64Url.EncodeToString(hash[..6]);
    }
}
