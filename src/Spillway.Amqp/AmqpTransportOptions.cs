using Spillway.Messaging;
using Spillway.Messaging.Streams;

namespace Spillway.Amqp;

/// <summary>Settings of the RabbitMQ transport. Immutable; <see cref="Validate"/> runs when the transport opens.</summary>
public sealed record AmqpTransportOptions
{
    /// <summary>The broker, <c>amqp://user:pass@host:port/vhost</c> (or <c>amqps://</c>). Required; its password is
    /// never logged (see <see cref="RedactedUri"/>).</summary>
    public required Uri Uri { get; init; }

    /// <summary>The queues to declare, each as a quorum queue; a redrive policy becomes a delivery limit and a
    /// dead-letter route into its dead-letter queue.</summary>
    public required IReadOnlyList<QueueDefinition> Queues { get; init; }

    /// <summary>The streams to declare: each shard a RabbitMQ stream queue (<c>x-queue-type: stream</c>) with the
    /// stream's retention as <c>x-max-age</c>. Defaults to none.</summary>
    public IReadOnlyList<StreamDefinition> Streams { get; init; } = [];

    /// <summary>Topics whose subscriptions are queues of this broker: a gateway evaluates the filters and sends to every
    /// matching queue (<see cref="Transport.BrokerTopicTransport"/>). Standard topics only.</summary>
    public IReadOnlyList<Transport.ConfiguredTopic> Topics { get; init; } = [];

    /// <summary>What a topic's subscription receives (the SNS envelope from the host); null sends the raw body.</summary>
    public Messaging.Topics.NotificationRenderer? NotificationRenderer { get; init; }

    /// <summary>Records a stream reader holds unacknowledged per shard (RabbitMQ requires a prefetch on a stream
    /// consumer; the acknowledgement only returns credit). Defaults to 1,000: a read of Kinesis's default batch of 100
    /// finds it waiting, and a few shards' worth stays a few megabytes of memory.</summary>
    public int StreamPrefetch { get; init; } = 1000;

    /// <summary>Connection name shown in RabbitMQ's management UI. Defaults to <c>spillway</c>.</summary>
    public string ConnectionName { get; init; } = "spillway";

    /// <summary>Publisher channels per node; batches are spread over them. Defaults to 4: one channel's confirms are
    /// in order, so several keep one slow batch from holding up the others.</summary>
    public int PublisherChannels { get; init; } = 4;

    /// <summary>How long a publish waits for the broker's confirm before it is reported as not acknowledged.
    /// Defaults to 30 seconds.</summary>
    public TimeSpan ConfirmTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest wait between reconnection attempts (they start at 200 ms and double). Defaults to 5 seconds.</summary>
    public TimeSpan MaxReconnectDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The URI with its password replaced by <c>***</c>, for logs and messages.</summary>
    public string RedactedUri => Redact(Uri);

    /// <summary>Parses an <c>amqp://</c> or <c>amqps://</c> URL; the message of the exception never carries the password.</summary>
    /// <exception cref="ArgumentException">Not such a URL.</exception>
    public static Uri ParseUri(string url)
    {
        if (!Uri.TryCreate(url?.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("amqp" or "amqps") || uri.Host.Length == 0)
        {
            throw new ArgumentException("must be a URL like amqp://user:password@host:5672/vhost (or amqps://).");
        }

        return uri;
    }

    /// <summary>The URI with its password replaced by <c>***</c>.</summary>
    public static string Redact(Uri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        var user = uri.UserInfo;
        var colon = user.IndexOf(':', StringComparison.Ordinal);
        var shown = colon < 0 ? user : user[..colon] + ":***";
        var port = uri.IsDefaultPort ? string.Empty : ":" + uri.Port;
        return $"{uri.Scheme}://{(shown.Length > 0 ? shown + "@" : string.Empty)}{uri.Host}{port}{uri.AbsolutePath}";
    }

    /// <summary>Checks every setting and the queues' fit to RabbitMQ.</summary>
    /// <exception cref="ArgumentException">A setting is out of range, or a queue uses a feature only the embedded engine has.</exception>
    public void Validate()
    {
        ParseUri(Uri.OriginalString);
        if (PublisherChannels is < 1 or > 64)
        {
            throw new ArgumentException("PublisherChannels must be 1-64.");
        }

        if (StreamPrefetch is < 1 or > ushort.MaxValue)
        {
            throw new ArgumentException($"StreamPrefetch must be 1-{ushort.MaxValue}.");
        }

        if (ConfirmTimeout <= TimeSpan.Zero || MaxReconnectDelay <= TimeSpan.Zero)
        {
            throw new ArgumentException("ConfirmTimeout and MaxReconnectDelay must be positive.");
        }

        var names = Queues.Select(q => q.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var queue in Queues)
        {
            if (queue.FifoQueue)
            {
                throw new ArgumentException($"queue '{queue.Name}' is FIFO; FIFO queues need the embedded engine.");
            }

            if (queue.DeliveryDelay > TimeSpan.Zero)
            {
                throw new ArgumentException($"queue '{queue.Name}' has a delivery delay; delays need the embedded engine.");
            }

            if (queue.RedrivePolicy is { } policy && !names.Contains(policy.DeadLetterQueue))
            {
                throw new ArgumentException($"queue '{queue.Name}' dead-letters into '{policy.DeadLetterQueue}', which is not configured.");
            }
        }

        foreach (var stream in Streams)
        {
            stream.Validate();
            if (names.Contains(stream.Name))
            {
                throw new ArgumentException($"'{stream.Name}' is both a queue and a stream; on RabbitMQ they share one namespace.");
            }
        }
    }

    /// <summary>The URI redacted: a record's generated ToString would print the password.</summary>
    public override string ToString() => $"AmqpTransportOptions {{ Uri = {RedactedUri}, Queues = {Queues.Count}, Streams = {Streams.Count} }}";
}
