namespace Spillway.Storage;

/// <summary>Small-file operations built from the primitives of an <see cref="IStorageDevice"/>.</summary>
public static class StorageDeviceExtensions
{
    /// <summary>
    /// Replaces the small file <paramref name="path"/> with <paramref name="bytes"/> so that a crash leaves the old or the
    /// new content: writes <c>&lt;path&gt;.tmp</c>, fsyncs it, renames it over <paramref name="path"/> (the rename fsyncs
    /// the directory).
    /// </summary>
    public static void WriteAtomically(this IStorageDevice device, string path, ReadOnlySpan<byte> bytes)
    {
        ArgumentNullException.ThrowIfNull(device);
        var temporary = path + ".tmp";
        using (var file = device.Open(temporary, create: true))
        {
            file.Truncate(0);
            file.Write(0, bytes);
            file.Sync();
        }

        device.Rename(temporary, path);
    }
}
