namespace Spillway.Bench.Topic;

/// <summary>What <c>spillway bench topic</c> measures; every contender gets the same messages and the same selection.</summary>
public sealed record TopicBenchmarkOptions
{
    /// <summary>Empty directory for the engine's data. Required.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>Publishes per run. Defaults to 20,000.</summary>
    public int Messages { get; init; } = 20_000;

    /// <summary>Bytes of each message body. Defaults to 256.</summary>
    public int MessageBytes { get; init; } = 256;

    /// <summary>Queues subscribed; each one's filter passes half of the messages. Defaults to 10.</summary>
    public int Queues { get; init; } = 10;

    /// <summary>Concurrent publishers, each with one publish in flight, as an API's clients have. Defaults to 64.</summary>
    public int Publishers { get; init; } = 64;

    /// <summary>Rounds; each runs every contender once, in an order that rotates. Defaults to 3.</summary>
    public int Rounds { get; init; } = 3;

    /// <summary>The RabbitMQ broker for the headers-exchange baseline; null skips it.</summary>
    public Uri? Amqp { get; init; }

    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Messages, 1, "--messages");
        ArgumentOutOfRangeException.ThrowIfLessThan(MessageBytes, 1, "--message-bytes");
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MessageBytes, 200 * 1024, "--message-bytes");
        ArgumentOutOfRangeException.ThrowIfLessThan(Queues, 2, "--queues");
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Queues, 100, "--queues");
        ArgumentOutOfRangeException.ThrowIfLessThan(Publishers, 1, "--publishers");
        ArgumentOutOfRangeException.ThrowIfLessThan(Rounds, 1, "--rounds");
    }
}
