using Spillway.Messaging.Streams;
using Spillway.Storage;

namespace Spillway.Messaging.Tests.Streams;

public sealed class StreamDurabilityTests : StreamTestBase
{
    private const string Shard0 = "shardId-000000000000";

    [Fact]
    public async Task Restart_keeps_every_record_with_its_sequence_number_and_arrival_time()
    {
        var stream = await Streams.CreateAsync(new StreamDefinition { Name = "kept", ShardCount = 2 });
        var outcomes = await stream.PutAsync([.. Enumerable.Range(0, 200).Select(i => Record($"r{i}", $"k{i % 7}"))]);
        var before = stream.Shards.SelectMany(s => ReadAll(stream, s.ShardId)).ToList();

        await Restart();
        stream = Stream("kept");
        var after = stream.Shards.SelectMany(s => ReadAll(stream, s.ShardId)).ToList();
        Assert.Equal(200, after.Count);
        Assert.Equal(before.Select(r => (r.SequenceNumber, r.PartitionKey, Text(r), r.ApproximateArrivalTimestamp)),
            after.Select(r => (r.SequenceNumber, r.PartitionKey, Text(r), r.ApproximateArrivalTimestamp)));
        Assert.Equal(outcomes.Select(o => o.SequenceNumber).Order(), after.Select(r => r.SequenceNumber).Order());
    }

    [Fact]
    public async Task Crash_keeps_every_acknowledged_record()
    {
        var stream = await Streams.CreateAsync(new StreamDefinition { Name = "crash" });
        for (var i = 0; i < 20; i++)
        {
            await Put(stream, "k", $"r{i}");
        }

        await CrashAndRestart();
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"r{i}"), ReadAll(Stream("crash"), Shard0).Select(Text));
    }

    [Fact]
    public async Task Torn_put_is_cut_at_recovery_and_the_acknowledged_records_stay()
    {
        var stream = await Streams.CreateAsync(new StreamDefinition { Name = "torn" });
        await Put(stream, "k", "acknowledged");
        Device.TearNextWriteAfter = 20; // inside the first record of the put
        await Assert.ThrowsAsync<StorageFaultedException>(() => Put(stream, "k", "one", "two", "three"));
        await Assert.ThrowsAsync<StorageFaultedException>(() => Put(stream, "k", "refused"));
        Assert.False(Engine.Status.Writable);

        await CrashAndRestart();
        stream = Stream("torn");
        Assert.Equal(["acknowledged"], ReadAll(stream, Shard0).Select(Text));
        Assert.Equal(20, stream.Log.Recovery.TruncatedBytes);
        await Put(stream, "k", "after");
        Assert.Equal(["acknowledged", "after"], ReadAll(stream, Shard0).Select(Text));
    }

    [Fact]
    public async Task Checkpoints_are_durable_per_consumer_and_shard()
    {
        var stream = await Streams.CreateAsync(new StreamDefinition { Name = "checkpoints", ShardCount = 2 });
        var outcomes = await stream.PutAsync([Record("a", "x", UInt128.Zero), Record("b", "y", UInt128.MaxValue)]);
        await stream.SaveCheckpointAsync("writer", outcomes[0].ShardId!, outcomes[0].SequenceNumber!);
        await stream.SaveCheckpointAsync("writer", outcomes[1].ShardId!, outcomes[1].SequenceNumber!);
        await stream.SaveCheckpointAsync("auditor", outcomes[0].ShardId!, outcomes[0].SequenceNumber!);

        await CrashAndRestart();
        stream = Stream("checkpoints");
        Assert.Equal(outcomes[0].SequenceNumber, stream.GetCheckpoint("writer", outcomes[0].ShardId!));
        Assert.Equal(outcomes[1].SequenceNumber, stream.GetCheckpoint("writer", outcomes[1].ShardId!));
        Assert.Equal(outcomes[0].SequenceNumber, stream.GetCheckpoint("auditor", outcomes[0].ShardId!));
        Assert.Null(stream.GetCheckpoint("auditor", outcomes[1].ShardId!));
        var resumed = stream.Read(stream.Seek(outcomes[0].ShardId!, IteratorStart.AfterSequenceNumber, stream.GetCheckpoint("writer", outcomes[0].ShardId!)), 10);
        Assert.Empty(resumed.Records);
    }

    [Fact]
    public async Task Checkpoint_of_another_shard_is_refused_and_changes_nothing()
    {
        var stream = await Streams.CreateAsync(new StreamDefinition { Name = "wrong", ShardCount = 2 });
        var outcome = (await stream.PutAsync([Record("a", "x", UInt128.Zero)]))[0];
        var error = await Assert.ThrowsAsync<ArgumentException>(
            () => stream.SaveCheckpointAsync("c", "shardId-000000000001", outcome.SequenceNumber!).AsTask());
        Assert.Equal("sequenceNumber", error.ParamName);
        Assert.Equal("consumer", (await Assert.ThrowsAsync<ArgumentException>(
            () => stream.SaveCheckpointAsync("", Shard0, outcome.SequenceNumber!).AsTask())).ParamName);
        Assert.Null(stream.GetCheckpoint("c", "shardId-000000000001"));
    }

    [Fact]
    public async Task Settings_survive_a_restart()
    {
        var stream = await Streams.CreateAsync(new StreamDefinition { Name = "settings", EnforceShardQuotas = true });
        await stream.SetRetentionAsync(TimeSpan.FromHours(48));
        await stream.SetModeAsync(StreamMode.OnDemand);
        Assert.Equal("retention", (await Assert.ThrowsAsync<ArgumentException>(
            () => stream.SetRetentionAsync(TimeSpan.FromMinutes(90)).AsTask())).ParamName);

        await Restart();
        var definition = Stream("settings").Definition;
        Assert.Equal(TimeSpan.FromHours(48), definition.Retention);
        Assert.Equal(StreamMode.OnDemand, definition.Mode);
        Assert.True(definition.EnforceShardQuotas);
        Assert.Equal(Clock.GetUtcNow(), Stream("settings").CreatedAt);
    }

    [Fact]
    public async Task Stream_directory_without_a_catalog_is_discarded_at_open()
    {
        await Streams.CreateAsync(new StreamDefinition { Name = "half" });
        await Engine.DisposeAsync();
        File.Delete(Path.Combine(DataDirectory, "streams", "half", "stream.json"));

        Engine = await OpenEngine();
        Assert.Empty(Streams.List());
        Assert.False(Directory.Exists(Path.Combine(DataDirectory, "streams", "half")));
    }
}
