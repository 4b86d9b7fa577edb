using System.Text.RegularExpressions;

namespace Spillway.DeliveryStreams;

/// <summary>Firehose's limits and name rule, stated once for the engine and every API over it.</summary>
public static partial class DeliveryLimits
{
    /// <summary>A delivery stream's name: 1–64 letters, digits, underscores, dots and hyphens.</summary>
    public const string NameRule = "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+ and have length between 1 and 64";

    /// <summary>The largest record, before base64: 1,000 KiB.</summary>
    public const int MaxRecordBytes = 1000 * 1024;

    /// <summary>Records in one PutRecordBatch.</summary>
    public const int MaxBatchRecords = 500;

    /// <summary>Bytes in one PutRecordBatch: 4 MiB.</summary>
    public const int MaxBatchBytes = 4 * 1024 * 1024;

    /// <summary>The buffering size hint's range and default, in MiB.</summary>
    public const int MinBufferMiB = 1, MaxBufferMiB = 128, DefaultBufferMiB = 5;

    /// <summary>The buffering interval hint's range and default, in seconds.</summary>
    public const int MinIntervalSeconds = 0, MaxIntervalSeconds = 900, DefaultIntervalSeconds = 300;

    /// <summary>Partitions with records waiting at once; records of a further partition go to the error prefix.</summary>
    public const int MaxActivePartitions = 500;

    /// <summary>Whether <paramref name="name"/> follows <see cref="NameRule"/>.</summary>
    public static bool IsValidName(string? name) => name is { Length: >= 1 and <= 64 } && NamePattern().IsMatch(name);

    [GeneratedRegex("^[a-zA-Z0-9_.-]+$")]
    private static partial Regex NamePattern();
}
