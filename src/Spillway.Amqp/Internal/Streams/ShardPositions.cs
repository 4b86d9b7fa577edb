namespace Spillway.Amqp.Internal.Streams;

/// <summary>
/// What a <see cref="Spillway.Messaging.Streams.ShardPosition"/> holds on RabbitMQ: a stream offset (0 and up), or,
/// until a read pins it down to an offset, where to attach: the oldest record kept, the next one to arrive, or the
/// first one at or after a time (in Unix milliseconds, stored below <see cref="Latest"/>).
/// </summary>
internal static class ShardPositions
{
    public const long First = -1;
    public const long Latest = -2;
    private const long TimeBase = -3;

    public static long AtTime(DateTimeOffset time) => TimeBase - Math.Max(0, time.ToUnixTimeMilliseconds());

    public static bool TryGetTime(long position, out DateTimeOffset time)
    {
        time = position <= TimeBase ? DateTimeOffset.FromUnixTimeMilliseconds(TimeBase - position) : default;
        return position <= TimeBase;
    }
}
