using Spillway.Storage;

namespace Spillway.Messaging.Tests;

/// <summary>
/// The free-space reserve below which sends are refused is a setting: on a small volume (a container's disk) the
/// default 256 MiB would refuse every send, a smaller reserve lets them in and still refuses them before the disk fills.
/// </summary>
public sealed class DiskReserveTests : EngineTestBase
{
    private const long MiB = 1024 * 1024;

    private ValueTask<QueueEngine> OpenOnSmallVolume(string name, long? reserve) => QueueEngine.OpenAsync(
        reserve is { } bytes
            ? new QueueEngineOptions
            {
                DataDirectory = Path.Combine(DataDirectory, name), Device = Device, TimeProvider = Clock, MinimumFreeDiskBytes = bytes,
            }
            : new QueueEngineOptions { DataDirectory = Path.Combine(DataDirectory, name), Device = Device, TimeProvider = Clock });

    [Fact]
    public async Task The_default_reserve_refuses_every_send_on_a_volume_with_less_free_space_than_it()
    {
        Device.FreeBytes = 200 * MiB;
        await using var engine = await OpenOnSmallVolume("default", reserve: null);
        var queue = await engine.CreateQueueAsync(new QueueDefinition { Name = "small" });

        Assert.False(engine.Status.Writable);
        Assert.Contains($"{256 * MiB} required", engine.Status.Reason);
        await Assert.ThrowsAsync<StorageFullException>(() => Send(queue, "refused"));
    }

    [Fact]
    public async Task A_smaller_reserve_lets_a_small_volume_take_sends_and_refuses_them_once_free_space_falls_under_it()
    {
        Device.FreeBytes = 200 * MiB;
        await using var engine = await OpenOnSmallVolume("small", reserve: 32 * MiB);
        var queue = await engine.CreateQueueAsync(new QueueDefinition { Name = "small" });

        Assert.True(engine.Status.Writable);
        await Send(queue, "stored");

        Device.FreeBytes = 31 * MiB;
        Assert.False(engine.Status.Writable);
        await Assert.ThrowsAsync<StorageFullException>(() => Send(queue, "refused"));

        Device.FreeBytes = 33 * MiB;
        Assert.True(engine.Status.Writable);
        await Send(queue, "stored again");
        Assert.Equal(["stored", "stored again"], (await Receive(queue)).Select(Text));
    }
}
