using Spillway.S3.Tests.Support;
using Spillway.TestKit;

namespace Spillway.S3.Tests;

/// <summary>
/// A real <c>spillway serve</c> with access key "test" and its secret, so the clients' signatures are verified, not
/// merely accepted; one per test class.
/// </summary>
public sealed class SignedServer : IAsyncLifetime
{
    public const string Secret = "s3-client-secret";
    private readonly DirectoryInfo work = Directory.CreateTempSubdirectory("spillway-s3-clients-");
    private SpillwayProcess? process;

    public SpillwayProcess Process => process ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync() => process = await SpillwayProcess.StartAsync(
        Path.Combine(work.FullName, "data"),
        environment: new Dictionary<string, string> { ["SPILLWAY_ACCESS_KEY_ID"] = "test", ["SPILLWAY_SECRET_ACCESS_KEY"] = Secret });

    public async Task DisposeAsync()
    {
        if (process is not null)
        {
            await process.DisposeAsync();
        }

        work.Delete(recursive: true);
    }
}

/// <summary>The aws CLI's <c>aws s3</c> commands against a real server: mb, ls, cp (a multipart upload and download of
/// 20 MiB, compared byte for byte), rm, rb, and its errors.</summary>
public sealed class AwsCliS3Scenarios(SignedServer server) : IClassFixture<SignedServer>
{
    [Fact]
    public async Task Mb_ls_cp_a_multipart_file_up_and_down_rm_and_rb()
    {
        var result = await S3Client.RunAsync(S3Client.AwsCli, "copy", server.Process.BaseAddress, SignedServer.Secret);

        Assert.True(result.ExitCode == 0 && result.Stdout.Contains("SCENARIO OK copy", StringComparison.Ordinal),
            $"aws CLI scenario failed: {result}\n--- server\n{server.Process.Output}");
        var observed = result.Observed;
        Assert.Matches("^\"[0-9a-f]{32}-3\"$", (string)observed["etag"]!);
        Assert.Equal(["data/2026/big.bin", "docs/small.txt"], observed["keys"]!.AsArray().Select(k => (string)k!));
        Assert.Equal(13, (int)observed["small"]!);
        Assert.Equal((20 * 1024 * 1024) + 12345, (int)observed["big"]!);
        Assert.Equal(["404", "NoSuchKey", "BucketNotEmpty"], observed["errors"]!.AsArray().Select(e => (string)e!));
    }
}

/// <summary>The aws CLI's bucket notifications against a real server: a queue gets S3's test event, then the event of
/// the one upload the filter takes, in S3's shape; a missing queue and overlapping rules are refused.</summary>
public sealed class AwsCliS3EventScenarios(SignedServer server) : IClassFixture<SignedServer>
{
    [Fact]
    public async Task An_upload_sends_s3s_event_to_the_queue_the_bucket_names()
    {
        var result = await S3Client.RunAsync(S3Client.AwsCli, "events", server.Process.BaseAddress, SignedServer.Secret);

        Assert.True(result.ExitCode == 0 && result.Stdout.Contains("SCENARIO OK events", StringComparison.Ordinal),
            $"aws CLI scenario failed: {result}\n--- server\n{server.Process.Output}");
        var observed = result.Observed;
        Assert.Equal("ObjectCreated:Put", (string)observed["name"]!);
        Assert.Equal("incoming/day+1.csv", (string)observed["key"]!);
        Assert.Equal(8, (int)observed["size"]!);
        Assert.Equal("[\"csv-files\",true,\"s3:ObjectCreated:*\"]", observed["configured"]!.ToJsonString());
        Assert.Equal(["InvalidArgument", "InvalidArgument"], observed["errors"]!.AsArray().Select(e => (string)e!));
    }
}

/// <summary>boto3 against a real server: puts with metadata, listings by delimiter and in pages, ranges, heads, batch
/// delete, and its errors.</summary>
public sealed class Boto3S3Scenarios(SignedServer server) : IClassFixture<SignedServer>
{
    [Fact]
    public async Task Put_get_list_by_delimiter_and_page_ranges_and_errors()
    {
        var result = await S3Client.RunAsync(S3Client.Boto3, "objects", server.Process.BaseAddress, SignedServer.Secret);

        Assert.True(result.ExitCode == 0 && result.Stdout.Contains("SCENARIO OK objects", StringComparison.Ordinal),
            $"boto3 scenario failed: {result}\n--- server\n{server.Process.Output}");
        var observed = result.Observed;
        Assert.Equal(["2026/", "日本/"], observed["prefixes"]!.AsArray().Select(p => (string)p!));
        Assert.Equal(["readme", "spaces and+plus"], observed["plain"]!.AsArray().Select(p => (string)p!));
        Assert.Equal("4567", (string)observed["middle"]!);
        Assert.Equal("def", (string)observed["tail"]!);
        Assert.Equal("body of 日本/語.txt", (string)observed["unicode"]!);
        Assert.Equal(["NoSuchKey", "NoSuchBucket", "BucketNotEmpty", "InvalidRange"], observed["errors"]!.AsArray().Select(e => (string)e!));
    }
}
