namespace Spillway.Storage.Tests;

/// <summary>
/// The real file device, holding the first zero-fill write (a write of nothing but zeros) until released: the writer
/// releases it when it waits for the fill, and a group written into the held fill's region releases it too, so the
/// fill then lands on that data as it would have without the hold. Every zero write is checked against the data the
/// file already holds.
/// </summary>
public sealed class FillHoldDevice : ForwardingStorageDevice
{
    private readonly ManualResetEventSlim release = new();
    private readonly TaskCompletionSource held = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long heldOffset = long.MaxValue;
    private int holds;

    /// <summary>Completes once the first zero-fill write is being held.</summary>
    public Task FillHeld => held.Task;

    /// <summary>Set when zeros were written over bytes that already held data.</summary>
    public bool ZerosOverData { get; private set; }

    public void ReleaseFill() => release.Set();

    public override IStorageFile Open(string path, bool create) => new File(this, Inner.Open(path, create));

    private sealed class File(FillHoldDevice device, IStorageFile inner) : ForwardingStorageFile(inner)
    {
        private long dataEnd;

        public override void Write(long offset, ReadOnlySpan<byte> data)
        {
            if (data.Length > 0 && !data.ContainsAnyExcept((byte)0))
            {
                if (Interlocked.Increment(ref device.holds) == 1)
                {
                    Volatile.Write(ref device.heldOffset, offset);
                    device.held.TrySetResult();
                    device.release.Wait();
                }

                if (offset < Volatile.Read(ref dataEnd))
                {
                    device.ZerosOverData = true;
                }
            }
            else
            {
                if (offset + data.Length > Volatile.Read(ref device.heldOffset))
                {
                    device.release.Set(); // data went into the fill's region: let the fill run on, as it would unheld
                }

                Volatile.Write(ref dataEnd, Math.Max(Volatile.Read(ref dataEnd), offset + data.Length));
            }

            Inner.Write(offset, data);
        }
    }
}
