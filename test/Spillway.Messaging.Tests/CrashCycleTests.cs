using System.Collections.Concurrent;
using System.Text;

namespace Spillway.Messaging.Tests;

/// <summary>
/// Crashes the engine (writers stopped mid-flight, unflushed data dropped, files closed) at random moments while
/// senders and a consumer run, then checks the acknowledged state: every acknowledged send not acknowledged as deleted
/// is back, and no acknowledged delete is undone.
/// </summary>
public sealed class CrashCycleTests : EngineTestBase
{
    // Small segments, so compaction (messages left in flight pin the head) runs while the crashes land.
    protected override long SegmentSize => 64 * 1024;

    [Fact]
    public async Task Acknowledged_messages_survive_crashes_at_random_moments()
    {
        var random = new Random(20261122);
        var acknowledged = new ConcurrentDictionary<string, bool>();
        var deleted = new ConcurrentDictionary<string, bool>();
        await Engine.CreateQueueAsync(new QueueDefinition { Name = "crashy", VisibilityTimeout = TimeSpan.FromHours(1) });

        for (var cycle = 0; cycle < 20; cycle++)
        {
            var queue = Queue("crashy");
            using var stop = new CancellationTokenSource();
            var senders = Enumerable.Range(0, 8).Select(sender => Task.Run(async () =>
            {
                for (var i = 0; !stop.IsCancellationRequested; i++)
                {
                    var text = $"c{cycle}-s{sender}-{i}";
                    try
                    {
                        await queue.SendBatchAsync([Message(text)]);
                    }
                    catch (Exception)
                    {
                        return;
                    }

                    acknowledged[text] = true;
                }
            })).ToList();
            var consumer = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    try
                    {
                        var received = await queue.ReceiveAsync(new ReceiveOptions { MaxMessages = 50 });
                        var keep = received.Where((_, i) => i % 3 != 0).ToList();
                        var results = await queue.DeleteBatchAsync(keep.Select(m => m.ReceiptHandle).ToList());
                        for (var i = 0; i < keep.Count; i++)
                        {
                            Assert.True(results[i]);
                            deleted[Text(keep[i])] = true;
                        }
                    }
                    catch (Exception ex) when (ex is not Xunit.Sdk.XunitException)
                    {
                        return;
                    }
                }
            });

            await Task.Delay(random.Next(5, 60));
            Engine.Crash();
            await stop.CancelAsync();
            await Task.WhenAll(senders.Append(consumer));
            Engine = await OpenEngine();

            var present = Queue("crashy").Peek(1_000_000).Select(p => Encoding.UTF8.GetString(p.Body.Span)).ToHashSet();
            var missing = acknowledged.Keys.Where(k => !deleted.ContainsKey(k) && !present.Contains(k)).ToList();
            var resurrected = deleted.Keys.Where(present.Contains).ToList();
            Assert.True(missing.Count == 0, $"cycle {cycle}: {missing.Count} acknowledged messages lost, e.g. {missing.FirstOrDefault()}");
            Assert.True(
                resurrected.Count == 0,
                $"cycle {cycle}: {resurrected.Count} deleted messages came back, e.g. {resurrected.FirstOrDefault()}");
        }

        Assert.True(acknowledged.Count > 20, $"only {acknowledged.Count} sends were acknowledged across the cycles");
        Assert.NotEmpty(deleted);
    }
}
