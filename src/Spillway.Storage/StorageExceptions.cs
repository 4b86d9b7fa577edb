namespace Spillway.Storage;

/// <summary>The disk is (nearly) full: new writes are refused; reads and deletes go on.</summary>
public sealed class StorageFullException(string message) : IOException(message);

/// <summary>
/// A write or fsync failed. The writer has stopped (fail-stop): nothing after the failure was acknowledged, and a
/// restart recovers what was durable.
/// </summary>
public sealed class StorageFaultedException(string message, Exception? inner = null) : IOException(message, inner);
