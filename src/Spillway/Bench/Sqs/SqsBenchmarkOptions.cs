namespace Spillway.Bench.Sqs;

/// <summary>
/// Settings of <c>spillway bench sqs</c>: SendMessageBatch + ReceiveMessage + DeleteMessageBatch over HTTP with the JSON
/// protocol, from concurrent clients, against a fresh standard queue.
/// </summary>
public sealed record SqsBenchmarkOptions
{
    /// <summary>A running Spillway to measure (<c>http://host:port</c>); null starts <c>spillway serve</c> as a child
    /// process on a free loopback port with a temporary data directory. Defaults to null.</summary>
    public Uri? Endpoint { get; init; }

    /// <summary>Where the child server keeps its data; null for a temp directory. Defaults to null.</summary>
    public string? DataDirectory { get; init; }

    /// <summary>Messages sent, received and deleted in each measured phase. Defaults to 200,000, as the RabbitMQ baseline.</summary>
    public int Messages { get; init; } = 200_000;

    /// <summary>Concurrent senders, each with one SendMessageBatch of 10 in flight. Defaults to 16: 160 messages in flight,
    /// in the range of the baseline's 64 publishers each awaiting one confirm.</summary>
    public int Senders { get; init; } = 16;

    /// <summary>Concurrent receivers, each looping ReceiveMessage (10, long poll 1 s) then DeleteMessageBatch. Defaults to 8.</summary>
    public int Receivers { get; init; } = 8;

    /// <summary>Message body size in bytes. Defaults to 100, as the RabbitMQ baseline.</summary>
    public int BodyBytes { get; init; } = 100;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting out of range.</summary>
    public void Validate()
    {
        if (Endpoint is { } endpoint && endpoint.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException("--endpoint must be an http:// or https:// address");
        }

        if (Messages < 10)
        {
            throw new ArgumentException("--messages must be at least 10");
        }

        if (Senders < 1 || Receivers < 1)
        {
            throw new ArgumentException("--senders and --receivers must be at least 1");
        }

        if (BodyBytes is < 1 or > 1024 * 1024)
        {
            throw new ArgumentException("--body-bytes must be between 1 and 1048576");
        }
    }
}
