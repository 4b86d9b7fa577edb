using System.Diagnostics.Metrics;
using Spillway.DeliveryStreams;
using Spillway.DeliveryStreams.Destinations;
using Spillway.DeliveryStreams.Transform;
using Spillway.Objects;
using Spillway.Storage;

namespace Spillway.Hosting;

/// <summary>Opens the delivery streams, whose files go into the server's object store.</summary>
internal static class DeliveryStreamsHosting
{
    public static DeliveryStreamStore Open(
        IObjectStore objects,
        string dataDirectory,
        TimeProvider time,
        IMeterFactory meterFactory,
        DeliveryFunctions? functions = null,
        DeliveryDatabases? databases = null) =>
        DeliveryStreamStore.Open(
            FileStorageDevice.Instance,
            Path.Combine(dataDirectory, "delivery-streams"),
            WriterFor(objects),
            time,
            meterFactory,
            functions,
            databases);

    /// <summary>The databases SQL table destinations can name: the configured sinks (<c>Spillway:Sinks:&lt;name&gt;</c>),
    /// each table with a small pool of its own.</summary>
    public static DeliveryDatabases Databases(ResolvedConfiguration configuration) => new()
    {
        Named = configuration.Sinks.ToDictionary(
            s => s.Name,
            s => s with { MaxConnections = Math.Min(s.MaxConnections, 2) },
            StringComparer.OrdinalIgnoreCase),
    };

    /// <summary>
    /// The functions transforms can name besides http(s) URLs: <c>arn:aws:lambda:…:function:&lt;name&gt;</c> (or the bare
    /// name) is the worker <c>Spillway:Workers:&lt;name&gt;</c> with an <c>http</c> handler, called at its URL within its
    /// timeout, as <c>lambda</c> subscriptions of topics call it. The event's ARNs carry the SQS API's account and region.
    /// </summary>
    public static DeliveryFunctions Functions(SpillwayOptions options, ResolvedConfiguration configuration) => new()
    {
        Named = configuration.Workers
            .Where(w => w.Config.Handler.Kind == Processing.MessageHandlerOptions.HttpKind && !string.IsNullOrEmpty(w.Config.Handler.Url))
            .ToDictionary(
                w => w.Name,
                w => new FunctionEndpoint(new Uri(w.Config.Handler.Url!), TimeSpan.FromSeconds(w.Config.Handler.TimeoutSeconds)),
                StringComparer.OrdinalIgnoreCase),
        Region = options.Sqs.Region,
        AccountId = options.Sqs.AccountId,
    };

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
