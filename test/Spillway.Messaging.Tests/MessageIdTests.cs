using Spillway.Messaging.Internal;

namespace Spillway.Messaging.Tests;

public sealed class MessageIdTests
{
    [Fact]
    public void Ids_are_version_7_with_the_RFC_variant_and_the_given_milliseconds()
    {
        var at = DateTimeOffset.FromUnixTimeMilliseconds(1_763_800_000_123);

        var id = MessageIds.Create(at);

        Assert.Equal(7, id.Version);
        Assert.Equal(0x8, id.Variant & 0xC);
        var bytes = id.ToByteArray(bigEndian: true);
        var milliseconds = ((long)bytes[0] << 40) | ((long)bytes[1] << 32) | ((long)bytes[2] << 24)
            | ((long)bytes[3] << 16) | ((long)bytes[4] << 8) | bytes[5];
        Assert.Equal(at.ToUnixTimeMilliseconds(), milliseconds);
    }

    [Fact]
    public void Ids_do_not_repeat_across_buffer_refills_and_threads()
    {
        var at = DateTimeOffset.FromUnixTimeMilliseconds(1_763_800_000_000);
        var seen = new System.Collections.Concurrent.ConcurrentDictionary<Guid, byte>();

        Parallel.For(0, 4, _ =>
        {
            for (var i = 0; i < 50_000; i++)
            {
                Assert.True(seen.TryAdd(MessageIds.Create(at), 0));
            }
        });

        Assert.Equal(200_000, seen.Count);
    }

    [Fact]
    public void Ids_sort_by_time_as_the_engine_expects()
    {
        var earlier = MessageIds.Create(DateTimeOffset.FromUnixTimeMilliseconds(1_000));
        var later = MessageIds.Create(DateTimeOffset.FromUnixTimeMilliseconds(1_001));

        Assert.True(earlier.CompareTo(later) < 0);
        Assert.True(string.CompareOrdinal(earlier.ToString(), later.ToString()) < 0);
    }
}
