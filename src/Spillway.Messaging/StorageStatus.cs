namespace Spillway.Messaging;

/// <summary>Whether the engine's storage accepts writes.</summary>
/// <param name="Writable">True when new messages can be stored.</param>
/// <param name="FreeBytes">Free bytes on the disk holding the data directory.</param>
/// <param name="Reason">Why the storage is not writable (disk nearly full, a failed fsync); null when writable.</param>
public sealed record StorageStatus(bool Writable, long FreeBytes, string? Reason);
