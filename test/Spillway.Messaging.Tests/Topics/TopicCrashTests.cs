using Spillway.Messaging.Topics;

namespace Spillway.Messaging.Tests.Topics;

public sealed class TopicCrashTests : TopicTestBase
{
    private static readonly string[] Queues = ["q1", "q2", "q3"];

    [Fact]
    public async Task A_publish_answered_before_its_queues_fsync_reaches_every_queue_once_after_a_crash()
    {
        var topic = await Topics.CreateAsync(new TopicDefinition { Name = "t" });
        foreach (var queue in Queues)
        {
            await SubscribeQueue(topic, queue);
        }

        // The journal's fsync goes through, so the publisher is told yes; the queues' fsyncs fail; then the engine dies.
        Device.SyncFaultsApply = path => path.Contains($"{Path.DirectorySeparatorChar}queues{Path.DirectorySeparatorChar}", StringComparison.Ordinal);
        Device.FailSyncs = true;
        await topic.PublishAsync(new TopicMessage("cut short"));
        await WaitFor(() => Queue("q1").Log.Fault is not null, "the queue's fsync did not fail");
        Assert.Equal(1, topic.UnfinishedDeliveries);
        Engine.Crash();
        Device.FailSyncs = false;

        Engine = await OpenEngine();
        await WaitFor(() => Topic("t").UnfinishedDeliveries == 0, "the fan-out was not finished after the restart");
        foreach (var queue in Queues)
        {
            Assert.Equal(["cut short"], await Drain(queue));
        }
    }

    [Fact]
    public async Task Crashes_during_publishes_leave_every_message_in_all_matching_queues_or_in_none_and_every_answered_one_in_all()
    {
        var topic = await Topics.CreateAsync(new TopicDefinition { Name = "storm" });
        foreach (var queue in Queues)
        {
            await SubscribeQueue(topic, queue);
        }

        var answered = new HashSet<string>();
        var attempted = new HashSet<string>();
        for (var round = 0; round < 5; round++)
        {
            var publishes = new List<(string Text, Task Task)>();
            for (var i = 0; i < 40; i++)
            {
                var text = $"r{round}-m{i}";
                attempted.Add(text);
                publishes.Add((text, topic.PublishAsync(new TopicMessage(text)).AsTask()));
                if (i == 20 + (round * 3))
                {
                    Engine.Crash(); // mid-stream: some publishes answered, some in flight, some refused
                }
            }

            foreach (var (text, task) in publishes)
            {
                try
                {
                    await task;
                    answered.Add(text);
                }
                catch (Exception e) when (e is not Xunit.Sdk.XunitException)
                {
                    // Refused or cut off by the crash: the publisher was not told yes.
                }
            }

            Engine = await OpenEngine();
            topic = Topic("storm");
            await WaitFor(() => topic.UnfinishedDeliveries == 0, "the fan-out was not finished after the restart");
        }

        var held = new List<List<string>>();
        foreach (var queue in Queues)
        {
            var messages = await Drain(queue);
            Assert.Equal(messages.Count, messages.Distinct().Count()); // never twice in one queue
            held.Add(messages);
        }

        Assert.Equal(held[0].Order(), held[1].Order());
        Assert.Equal(held[0].Order(), held[2].Order());
        Assert.Subset(held[0].ToHashSet(), answered);
        Assert.Subset(attempted, held[0].ToHashSet());
    }
}
