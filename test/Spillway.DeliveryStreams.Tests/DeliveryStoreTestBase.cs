using Spillway.Storage;
using Spillway.TestKit;

namespace Spillway.DeliveryStreams.Tests;

/// <summary>
/// A delivery-stream store over a fresh data directory on a manual clock, its files caught by a
/// <see cref="DirectoryDestination"/>; the servers a test starts through <see cref="Own{T}"/> are disposed with it.
/// </summary>
public abstract class DeliveryStoreTestBase : IAsyncLifetime
{
    private readonly List<IAsyncDisposable> owned = [];

    protected ManualTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.Zero));

    protected DirectoryDestination Destination { get; } = new();

    protected string Data { get; } = Directory.CreateTempSubdirectory("spillway-delivery-data-").FullName;

    protected DeliveryStreamStore Store { get; set; } = null!;

    public Task InitializeAsync()
    {
        Store = Open();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await Store.DisposeAsync();
        foreach (var resource in owned)
        {
            await resource.DisposeAsync();
        }

        Destination.Dispose();
        Directory.Delete(Data, recursive: true);
    }

    /// <summary>Opens the store over <see cref="Data"/> (again, after a test disposed it to restart).</summary>
    protected virtual DeliveryStreamStore Open() => DeliveryStreamStore.Open(FileStorageDevice.Instance, Data, Destination.WriteAsync, Clock);

    protected T Own<T>(T resource)
        where T : IAsyncDisposable
    {
        owned.Add(resource);
        return resource;
    }
}
