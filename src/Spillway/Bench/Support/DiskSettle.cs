using System.Runtime.InteropServices;

namespace Spillway.Bench.Support;

/// <summary>
/// Before each contender's run, untimed: writes back every dirty page of every file system (sync(2)), so a run does not
/// pay for the write-back, journal commit and discards the previous contender left behind (a deleted stream, a broker's
/// files). One contender's one fdatasync of the whole run is the most sensitive to that.
/// </summary>
internal static class DiskSettle
{
    public static void Now()
    {
        if (OperatingSystem.IsLinux())
        {
            Sync();
        }
    }

    [DllImport("libc", EntryPoint = "sync")]
    private static extern void Sync();
}
