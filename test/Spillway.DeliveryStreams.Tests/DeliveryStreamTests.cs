using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Spillway.TestKit;

namespace Spillway.DeliveryStreams.Tests;

/// <summary>Buffering by the hints, the files a delivery stream writes, and what it keeps across a restart.</summary>
public sealed class DeliveryStreamTests : DeliveryStoreTestBase
{
    private static DeliveryStreamDefinition Readings(int sizeMiB = 1, int intervalSeconds = 60) => new()
    {
        Name = "readings",
        Bucket = "lake",
        BufferSizeBytes = sizeMiB * 1024L * 1024,
        BufferInterval = TimeSpan.FromSeconds(intervalSeconds),
    };

    private static ReadOnlyMemory<byte> Json(string text) => Encoding.UTF8.GetBytes(text);

    [Fact]
    public async Task The_time_hint_delivers_exactly_when_the_oldest_record_is_that_old()
    {
        var stream = await Store.CreateAsync(Readings(intervalSeconds: 60));
        var start = Clock.GetUtcNow();
        await stream.PutAsync([Json("{\"n\":1}"), Json("{\"n\":2}")]);
        await Clock.WhenTimerDueBy(start.AddSeconds(60));

        Clock.Advance(TimeSpan.FromSeconds(60) - TimeSpan.FromMilliseconds(1));
        Assert.Equal(0, stream.Statistics.FilesWritten);
        Assert.Equal(2, stream.Statistics.BufferedRecords);

        Clock.Advance(TimeSpan.FromMilliseconds(1));
        var key = await Destination.NextAsync();

        Assert.Matches(@"^2026/03/04/05/readings-1-2026-03-04-05-06-07-[0-9a-f-]{36}$", key);
        Assert.Equal("{\"n\":1}{\"n\":2}", Encoding.UTF8.GetString(Destination.Read("lake", key)));
    }

    [Fact]
    public async Task The_size_hint_delivers_without_waiting_for_the_time_hint()
    {
        var stream = await Store.CreateAsync(Readings(sizeMiB: 1, intervalSeconds: 900));
        var record = new byte[100 * 1024];
        Array.Fill(record, (byte)'x');

        for (var i = 0; i < 10; i++)
        {
            await stream.PutAsync([record]);
        }

        Assert.Equal(0, stream.Statistics.FilesWritten);
        await stream.PutAsync([record]);
        var key = await Destination.NextAsync();

        Assert.Equal(11 * record.Length, Destination.Read("lake", key).Length);

        // The destination announces the file while it is still being stored; a flush waits until it is recorded.
        await stream.FlushAsync();
        Assert.Equal(0, stream.Statistics.BufferedRecords);
    }

    [Fact]
    public async Task Gzip_files_with_newlines_read_back_with_a_standard_reader()
    {
        var stream = await Store.CreateAsync(Readings() with { Compression = DeliveryCompression.Gzip, AppendNewline = true, Prefix = "raw/" });
        await stream.PutAsync([Json("{\"n\":1}"), Json("{\"n\":2}")]);

        var keys = await stream.FlushAsync();

        var key = Assert.Single(keys);
        Assert.StartsWith("raw/2026/03/04/05/readings-1-", key, StringComparison.Ordinal);
        Assert.EndsWith(".gz", key, StringComparison.Ordinal);
        await using var gzip = new GZipStream(new MemoryStream(Destination.Read("lake", key)), CompressionMode.Decompress);
        using var reader = new StreamReader(gzip);
        Assert.Equal("{\"n\":1}\n{\"n\":2}\n", await reader.ReadToEndAsync());
    }

    [Fact]
    public async Task Dynamic_partitioning_writes_a_file_per_key_and_unreadable_records_to_the_error_prefix()
    {
        var stream = await Store.CreateAsync(Readings() with
        {
            Prefix = "customer=!{partitionKeyFromQuery:customer}/!{timestamp:yyyy}/",
            ErrorOutputPrefix = "errors/!{firehose:error-output-type}/",
            PartitionQueries = new Dictionary<string, string> { ["customer"] = ".order.customer" },
            AppendNewline = true,
        });

        await stream.PutAsync(
        [
            Json("{\"order\":{\"customer\":\"a\"},\"n\":1}"),
            Json("{\"order\":{\"customer\":7},\"n\":2}"),
            Json("{\"order\":{\"customer\":\"a\"},\"n\":3}"),
            Json("not json"),
        ]);
        var keys = await stream.FlushAsync();

        Assert.Equal(3, keys.Count);
        var byPrefix = keys.ToDictionary(k => k[..k.LastIndexOf('/')], k => Encoding.UTF8.GetString(Destination.Read("lake", k)));
        Assert.Equal("{\"order\":{\"customer\":\"a\"},\"n\":1}\n{\"order\":{\"customer\":\"a\"},\"n\":3}\n", byPrefix["customer=a/2026"]);
        Assert.Equal("{\"order\":{\"customer\":7},\"n\":2}\n", byPrefix["customer=7/2026"]);
        using var error = JsonDocument.Parse(byPrefix["errors/partitioning-failed"]);
        Assert.Equal("DynamicPartitioning.MetadataExtractionFailed", error.RootElement.GetProperty("errorCode").GetString());
        Assert.Equal("not json", Encoding.UTF8.GetString(error.RootElement.GetProperty("rawData").GetBytesFromBase64()));
        Assert.Equal(1, stream.Statistics.RecordsFailed);
    }

    [Fact]
    public async Task A_failing_destination_is_retried_with_back_off_under_the_same_key()
    {
        var stream = await Store.CreateAsync(Readings(intervalSeconds: 0));
        Destination.FailNext(2);
        var start = Clock.GetUtcNow();

        await stream.PutAsync([Json("{\"n\":1}")]);
        await Clock.WhenTimerDueBy(start.AddSeconds(1));
        Clock.Advance(TimeSpan.FromSeconds(1));
        await Clock.WhenTimerDueBy(start.AddSeconds(3));
        Clock.Advance(TimeSpan.FromSeconds(2));
        var key = await Destination.NextAsync();

        Assert.Equal(3, Destination.Attempts);
        Assert.Equal(2, stream.Statistics.DeliveryFailures);
        Assert.Equal([key], Destination.Keys("lake"));
    }

    [Fact]
    public async Task Records_buffered_at_a_restart_are_delivered_after_it_in_one_file()
    {
        var stream = await Store.CreateAsync(Readings(intervalSeconds: 60));
        await stream.PutAsync([Json("a")]);
        await Store.DisposeAsync();

        Store = Open();
        Assert.True(Store.TryGet("readings", out var reopened));
        await reopened.PutAsync([Json("b")]);
        var keys = await reopened.FlushAsync();

        Assert.Equal("ab", Encoding.UTF8.GetString(Destination.Read("lake", Assert.Single(keys))));
    }

    [Fact]
    public async Task A_sourced_stream_knows_each_shards_position_after_a_restart_delivered_or_not_and_refuses_puts()
    {
        var stream = await Store.CreateAsync(Readings() with { Source = new DeliveryStreamSource("readings", FromOldest: true) });
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await stream.PutAsync([Json("put")]));
        await stream.PutFromSourceAsync("shardId-000000000000", ["49000000000000000000000000000000000000000000000000000001", "49000000000000000000000000000000000000000000000000000009"], [Json("a"), Json("b")]);
        await stream.PutFromSourceAsync("shardId-000000000001", ["49000000000000000000000000000000000000000000000000000100"], [Json("c")]);
        var first = Assert.Single(await stream.FlushAsync());
        await stream.PutFromSourceAsync("shardId-000000000000", ["49000000000000000000000000000000000000000000000000000012"], [Json("d")]);
        await Store.DisposeAsync();

        Store = Open();
        Assert.True(Store.TryGet("readings", out var reopened));
        Assert.Equal(new DeliveryStreamSource("readings", FromOldest: true), reopened.Definition.Source);
        Assert.Equal("49000000000000000000000000000000000000000000000000000012", reopened.SourcePosition("shardId-000000000000"));
        Assert.Equal("49000000000000000000000000000000000000000000000000000100", reopened.SourcePosition("shardId-000000000001"));
        Assert.Null(reopened.SourcePosition("shardId-000000000002"));
        var second = Assert.Single(await reopened.FlushAsync());

        // The source positions ride in the log beside the records, never in the files.
        Assert.Equal("abc", Encoding.UTF8.GetString(Destination.Read("lake", first)));
        Assert.Equal("d", Encoding.UTF8.GetString(Destination.Read("lake", second)));
        Assert.Equal("49000000000000000000000000000000000000000000000000000012", reopened.SourcePosition("shardId-000000000000"));
    }

    [Fact]
    public async Task A_file_stored_but_not_recorded_before_a_stop_is_written_again_under_the_same_key()
    {
        var stream = await Store.CreateAsync(Readings(intervalSeconds: 0));
        Destination.FailAfterWriting(1);
        var start = Clock.GetUtcNow();
        await stream.PutAsync([Json("a"), Json("b")]);
        var first = await Destination.NextAsync();
        await Clock.WhenTimerDueBy(start.AddSeconds(1));

        // The stop comes while the stream still believes the file unwritten: it is owed in the log.
        await Store.DisposeAsync();
        Store = Open();
        var again = await Destination.NextAsync();

        Assert.Equal(first, again);
        Assert.Equal([first], Destination.Keys("lake"));
        Assert.Equal("ab", Encoding.UTF8.GetString(Destination.Read("lake", first)));
    }

    [Fact]
    public async Task A_changed_destination_applies_to_later_records_with_a_new_version()
    {
        var stream = await Store.CreateAsync(Readings());
        await stream.PutAsync([Json("before")]);

        var changed = await Store.UpdateAsync("readings", d => d with { Prefix = "v2/" });
        await stream.PutAsync([Json("after")]);
        var later = Assert.Single(await stream.FlushAsync());

        Assert.Equal(2, changed!.Version);
        var keys = Destination.Keys("lake");
        Assert.Equal(2, keys.Count);
        Assert.Contains(keys, k => k.StartsWith("2026/03/04/05/readings-1-", StringComparison.Ordinal));
        Assert.StartsWith("v2/2026/03/04/05/readings-2-", later, StringComparison.Ordinal);
        Assert.Equal("after", Encoding.UTF8.GetString(Destination.Read("lake", later)));
    }

    [Fact]
    public async Task Bad_definitions_and_records_are_refused_and_change_nothing()
    {
        await Assert.ThrowsAsync<ArgumentException>(async () => await Store.CreateAsync(Readings() with { Name = "bad name" }));
        await Assert.ThrowsAsync<ArgumentException>(async () => await Store.CreateAsync(Readings(sizeMiB: 129)));
        await Assert.ThrowsAsync<ArgumentException>(async () => await Store.CreateAsync(Readings() with { Prefix = "!{partitionKeyFromQuery:id}/" }));
        Assert.Empty(Store.List());

        var stream = await Store.CreateAsync(Readings());
        await Assert.ThrowsAsync<DeliveryStreamExistsException>(async () => await Store.CreateAsync(Readings()));
        await Assert.ThrowsAsync<ArgumentException>(async () => await stream.PutAsync([Json("ok"), new byte[DeliveryLimits.MaxRecordBytes + 1]]));
        Assert.Equal(0, stream.Statistics.IncomingRecords);
    }
}
