using Spillway.Messaging.Internal;
using Spillway.Storage;

namespace Spillway.Messaging;

public sealed partial class MessageQueue
{
    /// <summary>
    /// A topic's deliveries to this standard queue from one journal group: each message becomes its own send record
    /// under its own idempotency key, exactly as <see cref="SendBatchAsync"/> with one message would write it (so
    /// recovery and a repeated delivery after a crash see the same records), but all of them are handed to the log under
    /// one lock and covered by one task. <paramref name="refused"/>[i] is set for a message the queue refuses as invalid
    /// for it, which is skipped. The task completes once every message handed over (and every earlier send of a key
    /// seen before) is durable; it fails with the log's error, and then forgets the keys it noted.
    /// </summary>
    /// <exception cref="StorageFullException">The disk is nearly full: nothing was handed over.</exception>
    /// <exception cref="StorageFaultedException">The log stopped: nothing was handed over.</exception>
    internal Task AppendDeliveries(IReadOnlyList<OutgoingMessage> messages, IReadOnlyList<string> keys, bool[] refused)
    {
        if (fifo is not null)
        {
            throw new InvalidOperationException("A FIFO queue takes a topic's deliveries one send at a time.");
        }

        var prepared = new (EntryData[] Entries, byte[] Payload, int[] Offsets)?[messages.Count];
        for (var i = 0; i < prepared.Length; i++)
        {
            try
            {
                var entries = PrepareSend([messages[i]], keys[i]);
                var offsets = new int[1];
                prepared[i] = (entries, RecordCodec.EncodeSend(entries, keys[i], entries[0].SentAtMs, offsets), offsets);
            }
            catch (ArgumentException)
            {
                refused[i] = true;
            }
        }

        engine.EnsureWritable(this);
        List<Task>? earlier = null;
        List<(string Key, Task Durable)>? noted = null;
        Task? batch = null;
        lock (gate)
        {
            var now = Now();
            ForgetExpiredKeys(now);
            var fresh = new List<(EntryData[] Entries, byte[] Payload, int[] Offsets, string Key)>(prepared.Length);
            HashSet<string>? seen = null;
            for (var i = 0; i < prepared.Length; i++)
            {
                if (prepared[i] is not { } send)
                {
                    continue;
                }

                if (this.keys.TryGetValue(keys[i], out var replay))
                {
                    // Delivered before (a repeat after a crash): nothing new, but it must be durable before we are.
                    if (replay.Pending is { } first)
                    {
                        (earlier ??= []).Add(first);
                    }

                    continue;
                }

                if (!(seen ??= new HashSet<string>(StringComparer.Ordinal)).Add(keys[i]))
                {
                    continue; // the same delivery twice in one run: the first one stands for both
                }

                fresh.Add((send.Entries, send.Payload, send.Offsets, keys[i]));
            }

            if (fresh.Count > 0)
            {
                // One batch: the whole run enters the log as one group, not as many as the writers can snatch meanwhile.
                var durable = AppendBatchLocked(fresh, now);
                batch = durable;
                noted = fresh.ConvertAll(f => (f.Key, durable));
            }
        }

        if (batch is not null)
        {
            (earlier ??= []).Add(AwaitDurable(batch, noted!));
        }

        return earlier is null ? Task.CompletedTask : earlier.Count == 1 ? earlier[0] : Task.WhenAll(earlier);
    }

    private async Task AwaitDurable(Task durable, List<(string Key, Task Durable)> noted)
    {
        try
        {
            await durable.ConfigureAwait(false);
        }
        catch (StorageFaultedException)
        {
            lock (gate)
            {
                foreach (var (key, task) in noted)
                {
                    if (keys.TryGetValue(key, out var entry) && entry.Pending == task)
                    {
                        keys.Remove(key);
                    }
                }
            }

            throw;
        }
    }
}
