namespace Spillway.Messaging.Tests;

public sealed class QueueAttributeTests : EngineTestBase
{
    [Fact]
    public async Task Changed_attributes_apply_and_survive_a_crash()
    {
        var queue = await Engine.CreateQueueAsync(new QueueDefinition { Name = "orders" });
        await Engine.SetQueueAttributesAsync("orders", d => d with
        {
            VisibilityTimeout = TimeSpan.FromSeconds(5),
            DeliveryDelay = TimeSpan.FromSeconds(7),
            MessageRetentionPeriod = TimeSpan.FromMinutes(10),
            MaximumMessageSize = 2048,
        });

        // The new delay and visibility timeout apply to the next send and receive.
        await Send(queue, "a");
        Assert.Empty(await Receive(queue));
        Clock.Advance(TimeSpan.FromSeconds(7));
        Assert.Single(await Receive(queue));
        Clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Single(await Receive(queue));
        await Assert.ThrowsAsync<ArgumentException>(async () => await queue.SendBatchAsync([new OutgoingMessage(new byte[2049])]));
        await Engine.SetQueueAttributesAsync("orders", d => d with { ReceiveMessageWaitTime = TimeSpan.FromSeconds(3) });

        await CrashAndRestart();
        var reopened = Queue("orders").Definition;
        Assert.Equal(TimeSpan.FromSeconds(5), reopened.VisibilityTimeout);
        Assert.Equal(TimeSpan.FromSeconds(7), reopened.DeliveryDelay);
        Assert.Equal(TimeSpan.FromMinutes(10), reopened.MessageRetentionPeriod);
        Assert.Equal(2048, reopened.MaximumMessageSize);
        Assert.Equal(TimeSpan.FromSeconds(3), reopened.ReceiveMessageWaitTime);
    }

    [Fact]
    public async Task A_receive_without_a_wait_long_polls_for_the_queues_receive_wait_time()
    {
        var queue = await Engine.CreateQueueAsync(new QueueDefinition { Name = "orders", ReceiveMessageWaitTime = TimeSpan.FromSeconds(20) });

        var polling = queue.ReceiveAsync(new ReceiveOptions()).AsTask();
        Assert.False(polling.IsCompleted);
        await Send(queue, "late");
        Assert.Equal("late", Text(Assert.Single(await polling.WaitAsync(TimeSpan.FromSeconds(30)))));

        // An explicit zero wait still short-polls.
        Assert.Empty(await queue.ReceiveAsync(new ReceiveOptions { WaitTime = TimeSpan.Zero }));
    }

    public static TheoryData<string> BadChanges() =>
    [
        "visibility", "delay", "retention-low", "retention-high", "size-low", "size-high", "wait", "max-receive", "rename",
        "tags", "self-dlq", "allow-bad",
    ];

    [Theory]
    [MemberData(nameof(BadChanges))]
    public async Task An_attribute_out_of_range_is_refused_and_nothing_changes(string change)
    {
        await Engine.CreateQueueAsync(new QueueDefinition { Name = "orders", VisibilityTimeout = TimeSpan.FromSeconds(45) });
        Func<QueueDefinition, QueueDefinition> bad = change switch
        {
            "visibility" => d => d with { VisibilityTimeout = TimeSpan.FromHours(12) + TimeSpan.FromSeconds(1) },
            "delay" => d => d with { DeliveryDelay = TimeSpan.FromSeconds(901) },
            "retention-low" => d => d with { MessageRetentionPeriod = TimeSpan.FromSeconds(59) },
            "retention-high" => d => d with { MessageRetentionPeriod = TimeSpan.FromDays(14) + TimeSpan.FromSeconds(1) },
            "size-low" => d => d with { MaximumMessageSize = 1023 },
            "size-high" => d => d with { MaximumMessageSize = 1024 * 1024 + 1 },
            "wait" => d => d with { ReceiveMessageWaitTime = TimeSpan.FromSeconds(21) },
            "max-receive" => d => d with { RedrivePolicy = new RedrivePolicy("dlq", 1001) },
            "rename" => d => d with { Name = "renamed" },
            "tags" => d => d with { Tags = new Dictionary<string, string> { ["k"] = "v" } },
            "self-dlq" => d => d with { RedrivePolicy = new RedrivePolicy("orders", 3) },
            _ => d => d with { RedriveAllowPolicy = new RedriveAllowPolicy(RedrivePermission.ByQueue, []) },
        };

        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await Engine.SetQueueAttributesAsync("orders", bad));
        await Restart();
        Assert.Equal(new QueueDefinition { Name = "orders", VisibilityTimeout = TimeSpan.FromSeconds(45) }, Queue("orders").Definition with
        {
            Tags = new QueueDefinition { Name = "x" }.Tags,
        });
    }

    [Fact]
    public async Task A_redrive_policy_added_later_dead_letters_and_can_be_removed()
    {
        var queue = await Engine.CreateQueueAsync(new QueueDefinition { Name = "orders", VisibilityTimeout = TimeSpan.FromSeconds(10) });
        var deadLetters = await Engine.CreateQueueAsync(new QueueDefinition { Name = "orders-dlq" });
        await Engine.SetQueueAttributesAsync("orders", d => d with { RedrivePolicy = new RedrivePolicy("orders-dlq", 1) });
        await Restart();

        await Send(Queue("orders"), "poison");
        Assert.Single(await Receive(Queue("orders")));
        Clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Empty(await Receive(Queue("orders")));
        Assert.Single(Queue("orders-dlq").Peek(10));
        Assert.Equal(["orders"], Engine.ListDeadLetterSourceQueues("orders-dlq"));

        await Engine.SetQueueAttributesAsync("orders", d => d with { RedrivePolicy = null });
        await Restart();
        Assert.Null(Queue("orders").Definition.RedrivePolicy);
        Assert.Empty(Engine.ListDeadLetterSourceQueues("orders-dlq"));
        _ = queue;
        _ = deadLetters;
    }

    [Fact]
    public async Task A_dead_letter_queue_that_denies_all_refuses_every_source()
    {
        await Engine.CreateQueueAsync(new QueueDefinition
        {
            Name = "dlq",
            RedriveAllowPolicy = new RedriveAllowPolicy(RedrivePermission.DenyAll),
        });

        var refused = await Assert.ThrowsAsync<ArgumentException>(async () => await Engine.CreateQueueAsync(new QueueDefinition
        {
            Name = "orders",
            RedrivePolicy = new RedrivePolicy("dlq", 3),
        }));
        Assert.Contains("does not allow 'orders'", refused.Message, StringComparison.Ordinal);
        Assert.False(Engine.TryGetQueue("orders", out _));
    }

    [Fact]
    public async Task A_dead_letter_queue_by_queue_allows_only_the_listed_sources_and_keeps_its_policy_across_restarts()
    {
        await Engine.CreateQueueAsync(new QueueDefinition { Name = "dlq" });
        await Engine.SetQueueAttributesAsync("dlq", d => d with
        {
            RedriveAllowPolicy = new RedriveAllowPolicy(RedrivePermission.ByQueue, ["orders", "payments"]),
        });
        await CrashAndRestart();

        await Engine.CreateQueueAsync(new QueueDefinition { Name = "orders", RedrivePolicy = new RedrivePolicy("dlq", 3) });
        await Engine.CreateQueueAsync(new QueueDefinition { Name = "audit" });
        await Assert.ThrowsAsync<ArgumentException>(
            async () => await Engine.SetQueueAttributesAsync("audit", d => d with { RedrivePolicy = new RedrivePolicy("dlq", 3) }));
        Assert.Null(Queue("audit").Definition.RedrivePolicy);
        Assert.Equal(["orders", "payments"], Queue("dlq").Definition.RedriveAllowPolicy!.SourceQueues!);
    }

    [Fact]
    public async Task A_by_queue_policy_lists_one_to_ten_sources()
    {
        await Assert.ThrowsAsync<ArgumentException>(async () => await Engine.CreateQueueAsync(new QueueDefinition
        {
            Name = "dlq",
            RedriveAllowPolicy = new RedriveAllowPolicy(RedrivePermission.ByQueue, [.. Enumerable.Range(0, 11).Select(i => $"q{i}")]),
        }));
        await Assert.ThrowsAsync<ArgumentException>(async () => await Engine.CreateQueueAsync(new QueueDefinition
        {
            Name = "dlq",
            RedriveAllowPolicy = new RedriveAllowPolicy(RedrivePermission.DenyAll, ["q"]),
        }));
        await Engine.CreateQueueAsync(new QueueDefinition
        {
            Name = "dlq",
            RedriveAllowPolicy = new RedriveAllowPolicy(RedrivePermission.ByQueue, [.. Enumerable.Range(0, 10).Select(i => $"q{i}")]),
        });
    }
}
