using System.Diagnostics.Metrics;
using Spillway.DeliveryStreams;
using Spillway.Objects;
using Spillway.Storage;

namespace Spillway.Hosting;

/// <summary>Opens the delivery streams, whose files go into the server's object store.</summary>
internal static class DeliveryStreamsHosting
{
    public static DeliveryStreamStore Open(IObjectStore objects, string dataDirectory, TimeProvider time, IMeterFactory meterFactory) =>
        DeliveryStreamStore.Open(
            FileStorageDevice.Instance,
            Path.Combine(dataDirectory, "delivery-streams"),
            WriterFor(objects),
            time,
            meterFactory);

    /// <summary>Delivery into <paramref name="objects"/>: what the server's delivery streams (and the benchmark's) write with.</summary>
    public static DeliveryWriter WriterFor(IObjectStore objects) => (file, cancellationToken) => WriteAsync(objects, file, cancellationToken);

    /// <summary>Stores one delivered file, creating its bucket when it does not exist yet, as Firehose users expect of a
    /// destination they name before making it.</summary>
    private static async Task WriteAsync(IObjectStore objects, DeliveredObject file, CancellationToken cancellationToken)
    {
        if (!await objects.BucketExistsAsync(file.Bucket, cancellationToken).ConfigureAwait(false))
        {
            try
            {
                await objects.CreateBucketAsync(file.Bucket, cancellationToken).ConfigureAwait(false);
            }
            catch (ObjectStoreException e) when (e.Error == ObjectError.BucketAlreadyOwnedByYou)
            {
                // Made meanwhile by another writer: as good.
            }
        }

        await objects.PutAsync(file.Bucket, file.Key, file.WriteAsync, cancellationToken: cancellationToken).ConfigureAwait(false);
    }
}
