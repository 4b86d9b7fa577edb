using System.Buffers.Binary;
using System.Numerics;

namespace Spillway.Storage.Internal;

/// <summary>CRC-32C (Castagnoli) over spans, on the CPU's CRC instruction where it has one.</summary>
/// <remarks>Spillway's own because the BCL's System.IO.Hashing offers CRC-32 (IEEE) and CRC-64, not the Castagnoli
/// polynomial the segment format uses; the CPU instruction itself is the BCL's BitOperations.Crc32C.</remarks>
internal static class Crc32C
{
    public static uint Compute(ReadOnlySpan<byte> data) => ~Append(uint.MaxValue, data);

    public static uint Compute(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second) => ~Append(Append(uint.MaxValue, first), second);

    private static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }

        if (data.Length >= 4)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt32LittleEndian(data));
            data = data[4..];
        }

        foreach (var b in data)
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        return crc;
    }
}
