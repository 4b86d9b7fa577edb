using System.Text;
using Spillway.Messaging.Streams;

namespace Spillway.Messaging.Tests.Streams;

/// <summary>Helpers for stream tests on the engine fixture (manual clock, fault-injecting device).</summary>
public abstract class StreamTestBase : EngineTestBase
{
    protected StreamStore Streams => Engine.Streams;

    protected DataStream Stream(string name) =>
        Streams.TryGet(name, out var stream) ? stream : throw new InvalidOperationException(name);

    protected static StreamRecordInput Record(string text, string key, UInt128? hashKey = null) =>
        new(Encoding.UTF8.GetBytes(text), key, hashKey);

    protected static string Text(StreamRecord record) => Encoding.UTF8.GetString(record.Data.Span);

    protected static async Task<IReadOnlyList<PutOutcome>> Put(DataStream stream, string key, params string[] texts) =>
        await stream.PutAsync([.. texts.Select(t => Record(t, key))]);

    /// <summary>Every record of a shard from <paramref name="start"/>, reading to the end of what is there.</summary>
    protected static List<StreamRecord> ReadAll(DataStream stream, string shardId, IteratorStart start = IteratorStart.TrimHorizon)
    {
        var records = new List<StreamRecord>();
        ShardPosition? position = stream.Seek(shardId, start);
        while (position is { } at)
        {
            var result = stream.Read(at, 1000);
            records.AddRange(result.Records);
            if (result.Records.Count == 0)
            {
                break;
            }

            position = result.Next;
        }

        return records;
    }
}
