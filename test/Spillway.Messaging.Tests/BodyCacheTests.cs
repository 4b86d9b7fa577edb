using Spillway.Messaging.Internal;

namespace Spillway.Messaging.Tests;

public sealed class BodyCacheTests
{
    [Fact]
    public void A_payload_stays_until_every_message_in_it_was_received()
    {
        var cache = new BodyCache(1024 * 1024);
        var payload = new byte[100];
        cache.Add(10, payload, messages: 2, messagesAhead: 0);

        cache.Release(10);
        Assert.Same(payload, cache.Get(10));
        cache.Release(10);
        Assert.Null(cache.Get(10));
        cache.Release(10); // a stale release (a redelivery) changes nothing
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public void Released_payloads_give_their_bytes_back_to_the_budget()
    {
        var cache = new BodyCache(10 * (100 + 64));
        for (var position = 0; position < 100; position++)
        {
            cache.Add(position, new byte[100], messages: 1, messagesAhead: 0);
            if (position != 0)
            {
                cache.Release(position);
            }
        }

        // Everything but the first was received: the first is still cached, nothing pushed it out.
        Assert.NotNull(cache.Get(0));
        Assert.Equal(1, cache.Count);
    }

    [Fact]
    public void A_payload_waiting_at_the_front_does_not_let_the_eviction_order_grow_without_bound()
    {
        var cache = new BodyCache(1024L * 1024 * 1024);
        cache.Add(0, new byte[10], messages: 1, messagesAhead: 0); // a delayed message: not received for a long time
        for (var position = 1; position <= 100_000; position++)
        {
            cache.Add(position, new byte[10], messages: 1, messagesAhead: 0);
            cache.Release(position);
        }

        Assert.Equal(1, cache.Count);
        Assert.True(cache.OrderLength <= 2048, $"order holds {cache.OrderLength} positions");
    }

    [Fact]
    public void Over_budget_the_oldest_payload_is_evicted()
    {
        var cache = new BodyCache(3 * (100 + 64));
        for (var position = 0; position < 4; position++)
        {
            cache.Add(position, new byte[100], messages: 1, messagesAhead: 0);
        }

        Assert.Null(cache.Get(0));
        Assert.NotNull(cache.Get(3));
    }

    [Fact]
    public void A_payload_behind_a_backlog_larger_than_the_budget_is_not_cached()
    {
        var cache = new BodyCache(100 * (100 + 64));
        cache.Add(1, new byte[100], messages: 1, messagesAhead: 99);
        cache.Add(2, new byte[100], messages: 1, messagesAhead: 101);

        Assert.NotNull(cache.Get(1));
        Assert.Null(cache.Get(2));
    }
}
