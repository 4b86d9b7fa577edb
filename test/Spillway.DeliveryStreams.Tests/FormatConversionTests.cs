using System.Text;
using System.Text.Json;
using ParquetSharp;
using ParquetSharp.IO;
using Encoding = System.Text.Encoding;
using Spillway.DeliveryStreams.Conversion;
using Spillway.TestKit;

namespace Spillway.DeliveryStreams.Tests;

/// <summary>JSON records converted to Parquet files, read back with Apache's parquet-cpp (through ParquetSharp).</summary>
public sealed class FormatConversionTests : DeliveryStoreTestBase
{
    private static readonly ParquetColumn[] Columns =
    [
        new("device", ParquetColumnType.String),
        new("reading", ParquetColumnType.Int),
        new("sequence", ParquetColumnType.BigInt),
        new("celsius", ParquetColumnType.Double),
        new("ok", ParquetColumnType.Boolean),
        new("at", ParquetColumnType.Timestamp),
    ];


    private static DeliveryStreamDefinition Readings(ParquetCompression compression = ParquetCompression.Snappy) => new()
    {
        Name = "readings",
        Bucket = "lake",
        BufferInterval = TimeSpan.FromSeconds(60),
        Conversion = new ParquetConversion { Columns = Columns, Compression = compression },
    };

    private static ReadOnlyMemory<byte> Json(string text) => Encoding.UTF8.GetBytes(text);

    [Fact]
    public async Task Json_records_become_one_parquet_file_that_a_standard_reader_reads_back()
    {
        var stream = await Store.CreateAsync(Readings());
        await stream.PutAsync(
        [
            Json("{\"device\":\"d1\",\"reading\":7,\"sequence\":9000000000,\"celsius\":21.5,\"ok\":true,\"at\":1772600767123,\"extra\":[1]}"),
            Json("{\"Device\":\"d2\",\"READING\":\"-3\",\"celsius\":\"0.25\",\"ok\":\"false\",\"at\":\"2026-03-04T05:06:07Z\"}\n"),
            Json("{\"device\":null,\"reading\":2147483647,\"at\":\"2026-03-04 05:06:08.5\"}"),
        ]);

        var key = Assert.Single(await stream.FlushAsync());

        Assert.Matches(@"^2026/03/04/05/readings-1-2026-03-04-05-06-07-[0-9a-f-]{36}\.parquet$", key);
        using var file = Read(key);
        var schema = file.FileMetaData.Schema;
        Assert.Equal(["device", "reading", "sequence", "celsius", "ok", "at"], Enumerable.Range(0, schema.NumColumns).Select(i => schema.Column(i).Name));
        using var group = file.RowGroup(0);
        Assert.Equal(3, group.MetaData.NumRows);
        Assert.Equal(Compression.Snappy, group.MetaData.GetColumnChunkMetaData(0).Compression);
        Assert.Equal(new string?[] { "d1", "d2", null }, Column<string?>(group, 0));
        Assert.Equal([7, -3, int.MaxValue], Column<int?>(group, 1));
        Assert.Equal([9_000_000_000L, null, null], Column<long?>(group, 2));
        Assert.Equal([21.5, 0.25, null], Column<double?>(group, 3));
        Assert.Equal([true, false, null], Column<bool?>(group, 4));
        Assert.Equal(
            [
                DateTimeOffset.FromUnixTimeMilliseconds(1772600767123).UtcDateTime,
                new DateTime(2026, 3, 4, 5, 6, 7, DateTimeKind.Utc),
                new DateTime(2026, 3, 4, 5, 6, 8, 500, DateTimeKind.Utc),
            ],
            Column<DateTime?>(group, 5));
    }

    [Theory]
    [InlineData(ParquetCompression.Gzip, Compression.Gzip)]
    [InlineData(ParquetCompression.Uncompressed, Compression.Uncompressed)]
    public async Task The_compression_is_inside_the_parquet_file(ParquetCompression compression, Compression expected)
    {
        var stream = await Store.CreateAsync(Readings(compression));
        await stream.PutAsync([Json("{\"device\":\"d1\",\"reading\":1}")]);

        var key = Assert.Single(await stream.FlushAsync());

        using var file = Read(key);
        using var group = file.RowGroup(0);
        Assert.Equal(expected, group.MetaData.GetColumnChunkMetaData(0).Compression);
        Assert.Equal(new string?[] { "d1" }, Column<string?>(group, 0));
    }

    [Fact]
    public async Task Records_that_do_not_fit_the_schema_go_to_the_error_prefix_as_format_conversion_failed()
    {
        var stream = await Store.CreateAsync(Readings());
        await stream.PutAsync(
        [
            Json("{\"device\":\"d1\",\"reading\":1}"),
            Json("{\"device\":\"d2\",\"reading\":\"many\"}"),
            Json("not json"),
            Json("[1,2]"),
            Json("{\"device\":\"d3\",\"reading\":3000000000}"),
        ]);

        var keys = await stream.FlushAsync();

        Assert.Equal(2, keys.Count);
        var parquet = Assert.Single(keys, k => k.EndsWith(".parquet", StringComparison.Ordinal));
        using (var file = Read(parquet))
        using (var group = file.RowGroup(0))
        {
            Assert.Equal(new string?[] { "d1" }, Column<string?>(group, 0));
        }

        var errors = Assert.Single(keys, k => k != parquet);
        Assert.Matches(@"^format-conversion-failed/2026/03/04/05/readings-1-2026-03-04-05-06-07-[0-9a-f-]{36}$", errors);
        var lines = Encoding.UTF8.GetString(Destination.Read("lake", errors)).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(
            ["{\"device\":\"d2\",\"reading\":\"many\"}", "not json", "[1,2]", "{\"device\":\"d3\",\"reading\":3000000000}"],
            lines.Select(l => Encoding.UTF8.GetString(l.GetProperty("rawData").GetBytesFromBase64())));
        Assert.All(lines, l => Assert.Equal("DataFormatConversion.MalformedData", l.GetProperty("errorCode").GetString()));
        Assert.Contains("'reading'", lines[0].GetProperty("errorMessage").GetString(), StringComparison.Ordinal);
        Assert.Equal(4, stream.Statistics.RecordsFailed);
        Assert.Equal(1, stream.Statistics.RecordsDelivered - stream.Statistics.RecordsFailed);
    }

    [Fact]
    public async Task A_parquet_file_written_again_after_a_stop_has_the_same_key_and_bytes()
    {
        var stream = await Store.CreateAsync(Readings() with { BufferInterval = TimeSpan.Zero });
        Destination.FailAfterWriting(1);
        var start = Clock.GetUtcNow();
        await stream.PutAsync([Json("{\"device\":\"d1\",\"reading\":1}"), Json("{\"device\":\"d2\",\"celsius\":2.5}")]);
        var first = await Destination.NextAsync();
        var bytes = Destination.Read("lake", first);
        await Clock.WhenTimerDueBy(start.AddSeconds(1));

        await Store.DisposeAsync();
        Store = Open();
        var again = await Destination.NextAsync();

        Assert.Equal(first, again);
        Assert.Equal([first], Destination.Keys("lake"));
        Assert.Equal(bytes, Destination.Read("lake", again));
    }

    [Fact]
    public async Task Conversion_needs_uncompressed_files_and_a_valid_schema()
    {
        var gzip = await Assert.ThrowsAsync<ArgumentException>(async () =>
            await Store.CreateAsync(Readings() with { Compression = DeliveryCompression.Gzip }));
        Assert.Contains("UNCOMPRESSED", gzip.Message, StringComparison.Ordinal);

        var twice = await Assert.ThrowsAsync<ArgumentException>(async () => await Store.CreateAsync(Readings() with
        {
            Conversion = new ParquetConversion { Columns = [new("a", ParquetColumnType.Int), new("A", ParquetColumnType.String)] },
        }));
        Assert.Contains("'A' twice", twice.Message, StringComparison.Ordinal);

        await Assert.ThrowsAsync<ArgumentException>(async () =>
            await Store.CreateAsync(Readings() with { Conversion = new ParquetConversion { Columns = [] } }));
        Assert.Empty(Store.List());
    }

    [Fact]
    public async Task The_schema_survives_a_restart()
    {
        await Store.CreateAsync(Readings(ParquetCompression.Gzip));
        await Store.DisposeAsync();

        Store = Open();

        Assert.True(Store.TryGet("readings", out var reopened));
        Assert.Equal(Columns, reopened.Definition.Conversion!.Columns);
        Assert.Equal(ParquetCompression.Gzip, reopened.Definition.Conversion.Compression);
    }

    private ParquetFileReader Read(string key) =>
        new(new ManagedRandomAccessFile(new MemoryStream(Destination.Read("lake", key)), leaveOpen: false));

    private static T[] Column<T>(RowGroupReader group, int index)
    {
        using var column = group.Column(index).LogicalReader<T>();
        return column.ReadAll((int)group.MetaData.NumRows);
    }
}
