using System.Collections.Concurrent;

namespace Spillway.Storage.Tests;

/// <summary>
/// The real file device whose file fsyncs each wait until the test lets that one through, in any order, and then
/// succeed or fail as the test says: to line up groups whose fsyncs overlap.
/// </summary>
public sealed class SteppedSyncDevice : ForwardingStorageDevice
{
    private readonly BlockingCollection<HeldSync> entered = [];

    /// <summary>The next fsync to arrive, once it is waiting; null if none arrives in time.</summary>
    public HeldSync? NextSync(TimeSpan timeout) => entered.TryTake(out var held, timeout) ? held : null;

    public override IStorageFile Open(string path, bool create) => new SteppedFile(this, Inner.Open(path, create));

    /// <summary>One fsync waiting for the test.</summary>
    public sealed class HeldSync
    {
        private readonly ManualResetEventSlim released = new();
        private bool fail;

        /// <summary>Set once the fsync has returned to the log (succeeded or failed).</summary>
        public ManualResetEventSlim Done { get; } = new();

        public void Release() => released.Set();

        public void Fail()
        {
            fail = true;
            released.Set();
        }

        internal void Wait(IStorageFile file)
        {
            try
            {
                if (!released.Wait(TimeSpan.FromSeconds(30)))
                {
                    throw new TimeoutException("The test never released this fsync.");
                }

                if (fail)
                {
                    throw new IOException("injected fsync failure (EIO)");
                }

                file.Sync();
            }
            finally
            {
                Done.Set();
            }
        }
    }

    private sealed class SteppedFile(SteppedSyncDevice device, IStorageFile inner) : ForwardingStorageFile(inner)
    {
        public override void Sync()
        {
            var held = new HeldSync();
            device.entered.Add(held);
            held.Wait(Inner);
        }
    }
}
