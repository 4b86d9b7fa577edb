namespace Spillway.Bench.RabbitMq;

/// <summary>
/// Settings of the RabbitMQ baseline. The defaults mirror <c>spillway bench queue</c> (64 concurrent single-message
/// senders, 2 consumers, 100-byte bodies, batches of up to 1,000) so the two figures compare like with like.
/// </summary>
public sealed record RabbitMqBenchmarkOptions
{
    /// <summary>The broker, <c>amqp://user:password@host:port/vhost</c>. Required.</summary>
    public required Uri Amqp { get; init; }

    /// <summary>Messages published, consumed and acknowledged in each measured phase. Defaults to 200,000.</summary>
    public int Messages { get; init; } = 200_000;

    /// <summary>Concurrent publishers, each waiting for the confirm of its message before the next one (as an HTTP
    /// front end answering 202 only after the broker's confirm would). Defaults to 256, the engine benchmark's senders;
    /// it is also about where the quorum queue peaks on a small machine (docs/benchmarks.md).</summary>
    public int Publishers { get; init; } = 256;

    /// <summary>Channels the publishers share, round robin. Defaults to 32 (8 publishers per channel).</summary>
    public int PublisherChannels { get; init; } = 32;

    /// <summary>Concurrent consumers, each on its own channel. Defaults to 2, the engine benchmark's consumers.</summary>
    public int Consumers { get; init; } = 2;

    /// <summary>Unacknowledged deliveries a consumer may hold (basic.qos per consumer). Defaults to 1,000, the engine
    /// benchmark's receive batch.</summary>
    public int Prefetch { get; init; } = 1000;

    /// <summary>A consumer acknowledges with <c>multiple = true</c> once every this many deliveries (1 acknowledges each
    /// delivery on its own). Defaults to 100: the engine deletes in batches too, and batching acks is what RabbitMQ's
    /// own guidance suggests for throughput.</summary>
    public int AckEvery { get; init; } = 100;

    /// <summary>Message body size in bytes. Defaults to 100, as the engine benchmark.</summary>
    public int BodyBytes { get; init; } = 100;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting out of range.</summary>
    public void Validate()
    {
        if (Amqp.Scheme is not ("amqp" or "amqps"))
        {
            throw new ArgumentException("--amqp must be an amqp:// or amqps:// address");
        }

        Positive(Messages, "--messages");
        Positive(Publishers, "--publishers");
        Positive(PublisherChannels, "--channels");
        Positive(Consumers, "--consumers");
        Positive(BodyBytes, "--body-bytes");
        if (Prefetch is < 1 or > ushort.MaxValue)
        {
            throw new ArgumentException($"--prefetch must be between 1 and {ushort.MaxValue}");
        }

        // A consumer that waits for more deliveries than its prefetch allows would never ack and never get them.
        if (AckEvery < 1 || AckEvery > Prefetch)
        {
            throw new ArgumentException("--ack-every must be between 1 and --prefetch");
        }
    }

    /// <summary>The broker address with its password replaced, for printing.</summary>
    public string RedactedAmqp => Redact(Amqp);

    internal static string Redact(Uri amqp)
    {
        var separator = amqp.UserInfo.IndexOf(':', StringComparison.Ordinal);
        return separator < 0
            ? amqp.ToString()
            : new UriBuilder(amqp) { Password = "***" }.Uri.ToString();
    }

    private static void Positive(int value, string name)
    {
        if (value < 1)
        {
            throw new ArgumentException(name + " must be at least 1");
        }
    }
}
