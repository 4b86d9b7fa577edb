using System.Text.Json.Nodes;
using ParquetSharp;
using ParquetSharp.IO;
using Spillway.Firehose.ClientTests.Support;
using Spillway.TestKit;

namespace Spillway.Firehose.ClientTests;

/// <summary>A server whose configuration declares the table <c>readings</c> (device string, reading int) for format conversion.</summary>
public sealed class TableServer : IAsyncLifetime
{
    private readonly DirectoryInfo work = Directory.CreateTempSubdirectory("spillway-firehose-formats-");
    private SpillwayProcess? process;

    public SpillwayProcess Process => process ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync()
    {
        var environment = SpillwayProcess.AnySignature();
        environment["Spillway__Firehose__Tables__readings"] = "device string, reading int";
        process = await SpillwayProcess.StartAsync(Path.Combine(work.FullName, "data"), environment: environment);
    }

    public async Task DisposeAsync()
    {
        if (process is not null)
        {
            await process.DisposeAsync();
        }

        work.Delete(recursive: true);
    }
}

/// <summary>
/// boto3 declares a transform through a function (an HTTP server in the scenario) and a conversion to Parquet, sees both
/// described back, and reads the files through S3; the Parquet file is read here by Apache's parquet-cpp (ParquetSharp).
/// </summary>
public sealed class Boto3RecordFormatScenarios(TableServer server) : IClassFixture<TableServer>
{
    [Fact]
    public async Task Records_transformed_by_a_function_and_converted_to_parquet_read_back_with_a_standard_reader()
    {
        var result = await FirehoseClient.RunAsync(FirehoseClient.Boto3, "record_formats", server.Process.BaseAddress);
        Assert.True(result.ExitCode == 0 && result.Stdout.Contains("SCENARIO OK record_formats", StringComparison.Ordinal),
            $"boto3 scenario record_formats failed: {result}\n--- server\n{server.Process.Output}");
        var observed = result.Observed;

        Assert.Equal(["InvalidArgumentException", "InvalidArgumentException"], observed["errors"]!.AsArray().Select(e => (string)e!));
        Assert.Equal(["broken"], Strings(observed["failed"]!["processing-failed"]!));
        Assert.Equal(["{\"device\": \"d2\", \"reading\": \"many\"}"], Strings(observed["failed"]!["format-conversion-failed"]!));
        using var file = new ParquetFileReader(
            new ManagedRandomAccessFile(new MemoryStream(Convert.FromBase64String((string)observed["parquet"]!)), leaveOpen: false));
        using var group = file.RowGroup(0);
        Assert.Equal(Compression.Gzip, group.MetaData.GetColumnChunkMetaData(0).Compression);
        using var devices = group.Column(0).LogicalReader<string>();
        using var readings = group.Column(1).LogicalReader<int?>();
        Assert.Equal(["d1", "d3"], devices.ReadAll(2));
        Assert.Equal([5, 7], readings.ReadAll(2));
    }

    private static List<string> Strings(JsonNode node) => [.. node.AsArray().Select(n => (string)n!)];
}
