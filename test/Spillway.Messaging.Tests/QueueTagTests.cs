namespace Spillway.Messaging.Tests;

public sealed class QueueTagTests : EngineTestBase
{
    [Fact]
    public async Task Tags_are_set_overwritten_listed_and_removed_and_survive_a_restart()
    {
        await Engine.CreateQueueAsync(new QueueDefinition
        {
            Name = "orders",
            Tags = new Dictionary<string, string> { ["team"] = "billing" },
        });

        await Engine.TagQueueAsync("orders", new Dictionary<string, string> { ["env"] = "prod", ["team"] = "payments", ["empty"] = "" });
        await Engine.UntagQueueAsync("orders", ["empty", "not-there"]);
        Assert.Equal(
            new Dictionary<string, string> { ["env"] = "prod", ["team"] = "payments" },
            Engine.ListQueueTags("orders").ToDictionary());

        await CrashAndRestart();
        Assert.Equal(
            new Dictionary<string, string> { ["env"] = "prod", ["team"] = "payments" },
            Engine.ListQueueTags("orders").ToDictionary());
    }

    [Theory]
    [InlineData("", "v")]
    [InlineData("aws:created-by", "v")]
    [InlineData("AWS:x", "v")]
    [InlineData("bad#key", "v")]
    [InlineData("key", "bad;value")]
    public async Task A_bad_tag_is_refused_and_nothing_changes(string key, string value)
    {
        await Engine.CreateQueueAsync(new QueueDefinition { Name = "orders" });
        await Engine.TagQueueAsync("orders", new Dictionary<string, string> { ["keep"] = "1" });

        await Assert.ThrowsAsync<ArgumentException>(
            async () => await Engine.TagQueueAsync("orders", new Dictionary<string, string> { ["other"] = "2", [key] = value }));
        Assert.Equal(["keep"], Engine.ListQueueTags("orders").Keys);
    }

    [Fact]
    public async Task Tag_lengths_follow_sqs_limits()
    {
        await Engine.CreateQueueAsync(new QueueDefinition { Name = "orders" });
        await Engine.TagQueueAsync("orders", new Dictionary<string, string>
        {
            [new string('k', 128)] = new string('v', 256),
            ["cost-centre: 42/a=b+c@d_e.f"] = "Zürich 東京",
        });

        await Assert.ThrowsAsync<ArgumentException>(
            async () => await Engine.TagQueueAsync("orders", new Dictionary<string, string> { [new string('k', 129)] = "v" }));
        await Assert.ThrowsAsync<ArgumentException>(
            async () => await Engine.TagQueueAsync("orders", new Dictionary<string, string> { ["k"] = new string('v', 257) }));
        Assert.Equal(2, Engine.ListQueueTags("orders").Count);
    }

    [Fact]
    public async Task A_queue_has_at_most_fifty_tags()
    {
        await Engine.CreateQueueAsync(new QueueDefinition { Name = "orders" });
        await Engine.TagQueueAsync("orders", Enumerable.Range(0, 50).ToDictionary(i => $"k{i}", i => $"{i}"));

        // Overwriting keeps the count at 50; one more key is refused.
        await Engine.TagQueueAsync("orders", new Dictionary<string, string> { ["k0"] = "new" });
        await Assert.ThrowsAsync<ArgumentException>(
            async () => await Engine.TagQueueAsync("orders", new Dictionary<string, string> { ["k50"] = "x" }));
        Assert.Equal(50, Engine.ListQueueTags("orders").Count);
        Assert.Equal("new", Engine.ListQueueTags("orders")["k0"]);

        await Assert.ThrowsAsync<ArgumentException>(async () => await Engine.CreateQueueAsync(new QueueDefinition
        {
            Name = "too-many",
            Tags = Enumerable.Range(0, 51).ToDictionary(i => $"k{i}", i => $"{i}"),
        }));
        Assert.False(Engine.TryGetQueue("too-many", out _));
    }

    [Fact]
    public async Task Tagging_a_missing_queue_is_refused()
    {
        await Assert.ThrowsAsync<ArgumentException>(
            async () => await Engine.TagQueueAsync("missing", new Dictionary<string, string> { ["k"] = "v" }));
        Assert.Throws<ArgumentException>(() => Engine.ListQueueTags("missing"));
    }
}
