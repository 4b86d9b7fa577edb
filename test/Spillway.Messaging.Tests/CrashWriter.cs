using System.Text;

namespace Spillway.Messaging.Tests;

/// <summary>
/// The process the kill-9 test kills: sends unique messages from 16 concurrent senders and deletes two thirds of what
/// it receives, printing "S id" after each acknowledged send, "R id" before asking to delete and "D id" after each
/// acknowledged delete.
/// </summary>
public static class CrashWriter
{
    public const string Command = "crash-writer";
    public const string QueueName = "kill9";

    public static async Task<int> Main(string[] args)
    {
        if (args.Length != 2 || args[0] != Command)
        {
            return 2;
        }

        // The smallest segments, so compaction runs (the third of each receive left in flight pins the head) while kills land.
        var engine = await QueueEngine.OpenAsync(
            new QueueEngineOptions { DataDirectory = args[1], MinimumFreeDiskBytes = 0, SegmentSize = 64 * 1024 });
        var queue = await engine.CreateQueueAsync(new QueueDefinition { Name = QueueName, VisibilityTimeout = TimeSpan.FromHours(1) });
        var run = Guid.NewGuid().ToString("N")[..8];
        var output = TextWriter.Synchronized(new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = true });
        var senders = Enumerable.Range(0, 16).Select(sender => Task.Run(async () =>
        {
            for (var i = 0; ; i++)
            {
                var text = $"{run}-{sender}-{i}";
                await queue.SendBatchAsync([new OutgoingMessage(Encoding.UTF8.GetBytes(text))]);
                output.WriteLine("S " + text);
            }
        }));
        var consumer = Task.Run(async () =>
        {
            while (true)
            {
                var received = await queue.ReceiveAsync(new ReceiveOptions { MaxMessages = 100, WaitTime = TimeSpan.FromSeconds(1) });
                var chosen = received.Where((_, i) => i % 3 != 0).ToList();

                // Announced first: a delete that is durable when the kill lands was asked for, not lost.
                foreach (var message in chosen)
                {
                    output.WriteLine("R " + Encoding.UTF8.GetString(message.Body.Span));
                }

                var results = await queue.DeleteBatchAsync(chosen.Select(m => m.ReceiptHandle).ToList());
                for (var i = 0; i < chosen.Count; i++)
                {
                    if (results[i])
                    {
                        output.WriteLine("D " + Encoding.UTF8.GetString(chosen[i].Body.Span));
                    }
                }
            }
        });
        await Task.WhenAll(senders.Append(consumer));
        return 0;
    }
}
