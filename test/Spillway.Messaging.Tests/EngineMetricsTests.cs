using System.Diagnostics.Metrics;
using Spillway.Storage.Tests;

namespace Spillway.Messaging.Tests;

/// <summary>The engine measures its queues on its own meter; each collection reads them afresh.</summary>
public sealed class EngineMetricsTests : IAsyncLifetime
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
    public async Task Every_collection_reads_the_queues_afresh_however_soon_it_follows_the_last()
    {
        var queue = await engine.CreateQueueAsync(new QueueDefinition { Name = "measured" });
        using var listener = Listen(out var sent, out var visible);

        listener.RecordObservableInstruments();
        await queue.SendBatchAsync([new OutgoingMessage("1"u8.ToArray()), new OutgoingMessage("2"u8.ToArray())]);
        listener.RecordObservableInstruments();
        await queue.SendBatchAsync([new OutgoingMessage("3"u8.ToArray())]);
        listener.RecordObservableInstruments();

        Assert.Equal([0, 2, 3], sent);
        Assert.Equal([0, 2, 3], visible);
    }

    private MeterListener Listen(out List<long> sent, out List<long> visible)
    {
        var sentValues = sent = [];
        var visibleValues = visible = [];
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                // Only this test's engine: its meter was made by this test's factory.
                if (ReferenceEquals(instrument.Meter.Scope, meters) && instrument.Name is "spillway.queue.messages.sent" or "spillway.queue.messages.visible")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
            (instrument.Name == "spillway.queue.messages.sent" ? sentValues : null)?.Add(value));
        listener.SetMeasurementEventCallback<double>((instrument, value, _, _) => visibleValues.Add((long)value));
        listener.Start();
        return listener;
    }
}

/// <summary>A host's meter factory in miniature: each meter it makes carries it as the scope.</summary>
internal sealed class ScopedMeters : IMeterFactory
{
    private readonly List<Meter> made = [];

    public Meter Create(MeterOptions options)
    {
        var meter = new Meter(new MeterOptions(options.Name) { Version = options.Version, Scope = this });
        made.Add(meter);
        return meter;
    }

    public void Dispose() => made.ForEach(m => m.Dispose());
}
