namespace Spillway.Messaging;

/// <summary>Settings of a <see cref="QueueEngine"/>; immutable once built.</summary>
public sealed class QueueEngineOptions
{
    /// <summary>Directory that holds every queue's segments. Required.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>Clock for visibility timeouts, delays and retention. Defaults to <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// Sends are refused (with <see cref="Storage.StorageFullException"/>) when the disk holding the data directory has
    /// less free space than this. Defaults to 256 MiB, so the process and the operating system keep room to breathe.
    /// </summary>
    public long MinimumFreeDiskBytes { get; init; } = 256L * 1024 * 1024;
}
