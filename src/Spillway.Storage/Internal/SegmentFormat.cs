using System.Buffers.Binary;
using System.Globalization;

namespace Spillway.Storage.Internal;

/// <summary>Byte layout of segment files (see docs/storage-format.md). All integers little-endian.</summary>
internal static class SegmentFormat
{
    /// <summary>"SPWL" read as a little-endian u32.</summary>
    public const uint Magic = 0x4C575053;

    public const ushort Version = 1;

    public const int HeaderSize = 32;

    public const int FrameSize = 12;

    public const string Suffix = ".seg";

    public static string FileName(long basePosition) => basePosition.ToString("D20", CultureInfo.InvariantCulture) + Suffix;

    public static bool TryParseFileName(string name, out long basePosition)
    {
        basePosition = 0;
        return name.Length == 20 + Suffix.Length
            && name.EndsWith(Suffix, StringComparison.Ordinal)
            && long.TryParse(name.AsSpan(0, 20), NumberStyles.None, CultureInfo.InvariantCulture, out basePosition);
    }

    public static void WriteHeader(Span<byte> destination, long basePosition, long createdUnixMs)
    {
        destination[..HeaderSize].Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(destination, Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[4..], Version);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[6..], HeaderSize);
        BinaryPrimitives.WriteInt64LittleEndian(destination[8..], basePosition);
        BinaryPrimitives.WriteInt64LittleEndian(destination[16..], createdUnixMs);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[28..], Crc32C.Compute(destination[..28]));
    }

    /// <summary>Null when the header is intact and names <paramref name="expectedBase"/>; otherwise what is wrong.</summary>
    public static string? CheckHeader(ReadOnlySpan<byte> header, long expectedBase)
    {
        if (header.Length < HeaderSize)
        {
            return "segment header is incomplete";
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(header[28..]) != Crc32C.Compute(header[..28]))
        {
            return "segment header checksum mismatch";
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(header) != Magic)
        {
            return "not a segment file (bad magic)";
        }

        var version = BinaryPrimitives.ReadUInt16LittleEndian(header[4..]);
        if (version != Version)
        {
            return $"unsupported segment format version {version}";
        }

        return BinaryPrimitives.ReadInt64LittleEndian(header[8..]) == expectedBase ? null : "segment base does not match its file name";
    }

    public static void WriteFrame(Span<byte> destination, byte type, ReadOnlySpan<byte> payload)
    {
        BinaryPrimitives.WriteInt32LittleEndian(destination, payload.Length);
        destination[4] = type;
        destination[5] = 0;
        destination[6] = 0;
        destination[7] = 0;
        payload.CopyTo(destination[FrameSize..]);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], Crc32C.Compute(destination[..8], payload));
    }

    /// <summary>
    /// Length of the payload when <paramref name="frame"/> starts a plausible frame (known type, zero reserved bytes,
    /// length within the limit and the bytes left); -1 otherwise. The checksum is checked separately.
    /// </summary>
    public static int PlausibleLength(ReadOnlySpan<byte> frame, long bytesLeft, int maxRecordSize)
    {
        var length = BinaryPrimitives.ReadInt32LittleEndian(frame);
        return frame[4] != 0 && frame[5] == 0 && frame[6] == 0 && frame[7] == 0
            && length >= 0 && length <= maxRecordSize && FrameSize + (long)length <= bytesLeft
            ? length
            : -1;
    }

    public static bool ChecksumMatches(ReadOnlySpan<byte> frame, ReadOnlySpan<byte> payload) =>
        BinaryPrimitives.ReadUInt32LittleEndian(frame[8..]) == Crc32C.Compute(frame[..8], payload);
}
