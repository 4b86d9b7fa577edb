using System.Diagnostics.Metrics;
using Spillway.Messaging.Streams;
using Spillway.Storage.Tests;

namespace Spillway.Messaging.Tests.Streams;

/// <summary>The engine measures its streams per stream and shard on its own meter.</summary>
public sealed class StreamMetricsTests : IAsyncLifetime
{
    private readonly TempDirectory temp = new();
    private readonly ScopedMeters meters = new();
    private QueueEngine engine = null!;

    public async Task InitializeAsync() =>
        engine = await QueueEngine.OpenAsync(new QueueEngineOptions { DataDirectory = temp.Path, MeterFactory = meters });

    public async Task DisposeAsync()
    {
        await engine.DisposeAsync();
        meters.Dispose();
        temp.Dispose();
    }

    [Fact]
    public async Task Incoming_records_bytes_and_reads_are_counted_per_shard()
    {
        var stream = await engine.Streams.CreateAsync(new StreamDefinition { Name = "measured", ShardCount = 2 });
        await stream.PutAsync([new("abc"u8.ToArray(), "k", UInt128.Zero), new("de"u8.ToArray(), "k", UInt128.Zero), new("f"u8.ToArray(), "k", UInt128.MaxValue)]);
        stream.Read(stream.Seek("shardId-000000000000", IteratorStart.TrimHorizon), 10);

        var seen = new List<(string Name, string Shard, long Value)>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (ReferenceEquals(instrument.Meter.Scope, meters) && instrument.Name.StartsWith("spillway.stream.", StringComparison.Ordinal))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var tagged = tags.ToArray().ToDictionary(t => t.Key, t => (string)t.Value!);
            seen.Add((instrument.Name, $"{tagged["stream"]}/{tagged["shard"]}", value));
        });
        listener.Start();
        listener.RecordObservableInstruments();

        Assert.Contains(("spillway.stream.incoming.records", "measured/shardId-000000000000", 2L), seen);
        Assert.Contains(("spillway.stream.incoming.records", "measured/shardId-000000000001", 1L), seen);
        Assert.Contains(("spillway.stream.incoming.bytes", "measured/shardId-000000000000", 5L), seen);
        Assert.Contains(("spillway.stream.read.calls", "measured/shardId-000000000000", 1L), seen);
        Assert.Contains(("spillway.stream.records.read", "measured/shardId-000000000000", 2L), seen);
        Assert.Contains(("spillway.stream.records.kept", "measured/shardId-000000000001", 1L), seen);
        Assert.Equal(3, stream.TotalRecords);
        Assert.Equal(6, stream.TotalBytes);
    }
}
