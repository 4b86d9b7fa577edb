using System.Text;
using RabbitMQ.Client;
using Spillway.Messaging.Streams;
using Spillway.Transport;

namespace Spillway.Amqp.Internal.Streams;

/// <summary>
/// Puts records into a stream's shard queues on the publishing connection's confirmed channels, and completes only
/// once the broker confirmed every record of the call, that is once the stream's replicas wrote it. The partition key
/// and the arrival time travel as headers, the data as the body, byte for byte.
/// </summary>
internal sealed class StreamPublisher(ConnectionKeeper keeper, ShardLayout layout, TimeSpan confirmTimeout, TimeProvider time)
    : IStreamProducer
{
    public const string PartitionKeyHeader = "spillway-partition-key";
    public const string ArrivalHeader = "spillway-arrival-ms";

    public string StreamName => layout.StreamName;

    public TransportStatus Status => keeper.Status;

    /// <summary>Publishes the records, each to the shard its key routes to, and waits for the confirms. A put on
    /// RabbitMQ learns no offset (AMQP 0-9-1's confirm carries none), so each outcome names the shard and no sequence
    /// number; the sequence number is the offset a reader sees.</summary>
    /// <exception cref="ArgumentException">A record breaks the stream's limits; nothing was published.</exception>
    /// <exception cref="TransportUnavailableException">The broker is unreachable or did not confirm every record in
    /// time; none of the call counts as put (the ones confirmed stay in the stream).</exception>
    public async ValueTask<IReadOnlyList<PutOutcome>> PutAsync(IReadOnlyList<StreamRecordInput> records, CancellationToken cancellationToken)
    {
        Validate(records);
        var session = keeper.Current ?? throw new TransportUnavailableException(keeper.Status.Reason ?? "RabbitMQ is unreachable");
        // One channel for the whole call: its confirms come in publishing order, and records of one key stay in order.
        var channel = session.NextPublisher();
        var outcomes = new PutOutcome[records.Count];
        var confirms = new Task[records.Count];
        var arrival = time.GetUtcNow().ToUnixTimeMilliseconds();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(confirmTimeout);
        try
        {
            for (var i = 0; i < records.Count; i++)
            {
                var record = records[i];
                var shard = layout.ShardFor(record.PartitionKey, record.ExplicitHashKey);
                outcomes[i] = new PutOutcome(shard.ShardId, null, Throttled: false);
                var properties = new BasicProperties
                {
                    Persistent = true,
                    Headers = new Dictionary<string, object?>
                    {
                        [PartitionKeyHeader] = Encoding.UTF8.GetBytes(record.PartitionKey),
                        [ArrivalHeader] = arrival,
                    },
                };
                confirms[i] = channel
                    .BasicPublishAsync(string.Empty, layout.QueueOf(shard), mandatory: true, properties, record.Data, timeout.Token)
                    .AsTask();
            }

            await Task.WhenAll(confirms).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            foreach (var confirm in confirms)
            {
                _ = confirm?.Exception;
            }

            throw new TransportUnavailableException(
                e is OperationCanceledException
                    ? $"RabbitMQ did not confirm within {confirmTimeout.TotalSeconds:0} s"
                    : "RabbitMQ did not confirm the records: " + e.Message,
                e);
        }

        return outcomes;
    }

    // The limits the engine checks on a put (StreamLimits), so a record refused embedded is refused here too.
    private static void Validate(IReadOnlyList<StreamRecordInput> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        if (records.Count is < 1 or > StreamLimits.MaxPutRecords)
        {
            throw new ArgumentException($"A put takes 1-{StreamLimits.MaxPutRecords} records, not {records.Count}.", nameof(records));
        }

        long total = 0;
        for (var i = 0; i < records.Count; i++)
        {
            var record = records[i];
            if (string.IsNullOrEmpty(record.PartitionKey) || record.PartitionKey.Length > StreamLimits.MaxPartitionKeyLength)
            {
                throw new ArgumentException(
                    $"A partition key has 1-{StreamLimits.MaxPartitionKeyLength} characters, not {record.PartitionKey?.Length ?? 0}.",
                    nameof(records));
            }

            var size = record.Data.Length + Encoding.UTF8.GetByteCount(record.PartitionKey);
            if (size > StreamLimits.MaxRecordBytes)
            {
                throw new ArgumentException(
                    $"Record {i} has {size} bytes of data and partition key; the limit is {StreamLimits.MaxRecordBytes}.", nameof(records));
            }

            total += size;
        }

        if (total > StreamLimits.MaxPutRecordsBytes)
        {
            throw new ArgumentException($"A put carries at most {StreamLimits.MaxPutRecordsBytes} bytes, not {total}.", nameof(records));
        }
    }
}
