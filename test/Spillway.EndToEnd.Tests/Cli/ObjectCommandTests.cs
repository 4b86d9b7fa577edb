using System.Net;
using System.Security.Cryptography;
using Spillway.EndToEnd.Tests.Support;

namespace Spillway.EndToEnd.Tests.Cli;

/// <summary><c>spillway objects …</c> against a real server process whose store was filled through its S3 API.</summary>
public sealed class ObjectCommandTests : IDisposable
{
    private readonly DirectoryInfo work = Directory.CreateTempSubdirectory("spillway-e2e-objects-");

    [Fact]
    public async Task Objects_ls_lists_buckets_prefixes_and_keys_and_get_downloads_the_bytes()
    {
        await using var server = await SpillwayProcess.StartAsync(
            Path.Combine(work.FullName, "data"),
            ["--Spillway:Objects:Buckets:logs:Lifecycle:seed:ArchiveAfterDays=10", "--Spillway:Objects:Buckets:logs:Lifecycle:seed:ExpireAfterDays=30"],
            environment: AnySignature);
        var content = RandomNumberGenerator.GetBytes(300_000);
        using (var s3 = new HttpClient { BaseAddress = server.BaseAddress })
        {
            // Virtual-host style: the S3 API claims a request by its host name, here without a signature the server needs.
            await Send(s3, HttpMethod.Put, "/", []);
            await Send(s3, HttpMethod.Put, "/2026/12/06/part-1.bin", content);
            await Send(s3, HttpMethod.Put, "/readme.txt", "hello"u8.ToArray());
        }

        var (_, buckets, _) = await RunAsync(["objects", "ls", .. Server(server)]);
        var (_, top, _) = await RunAsync(["objects", "ls", "deliveries", .. Server(server)]);
        var (_, all, _) = await RunAsync(["objects", "ls", "s3://deliveries/2026/", "--recursive", .. Server(server)]);
        var file = Path.Combine(work.FullName, "part-1.bin");
        await RunAsync(["objects", "get", "deliveries/2026/12/06/part-1.bin", file, .. Server(server)]);
        var (_, printed, _) = await RunAsync(["objects", "get", "deliveries/readme.txt", .. Server(server)]);
        var (missing, _, missingErrors) = await CliProcess.RunAsync(["objects", "get", "deliveries/nothing", .. Server(server)]);

        Assert.Contains(" deliveries", buckets, StringComparison.Ordinal);
        Assert.Contains(" spillway-exports", buckets, StringComparison.Ordinal);
        Assert.Contains(" logs", buckets, StringComparison.Ordinal);
        Assert.Matches(@"PRE 2026/\n", top);
        Assert.Matches(@" 5 readme\.txt\n", top);
        Assert.Matches(@" 300000 2026/12/06/part-1\.bin\n", all);
        Assert.Equal(content, await File.ReadAllBytesAsync(file));
        // The test reads the CLI's output line by line, so the five bytes come back as one line.
        Assert.Equal("hello\n", printed);
        Assert.NotEqual(0, missing);
        Assert.Contains("404", missingErrors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_an_s3_backend_the_store_lives_in_the_s3_compatible_service()
    {
        var service = Environment.GetEnvironmentVariable("SPILLWAY_TEST_S3") is { Length: > 0 } url
            ? url
            : throw new InvalidOperationException("SPILLWAY_TEST_S3 is not set. Run the tests through ./test.sh, which starts moto's S3 server and sets it.");
        var bucket = "deliveries";
        await using (var server = await SpillwayProcess.StartAsync(
            Path.Combine(work.FullName, "data"), [$"--Spillway:Objects:S3:ServiceUrl={service}", .. MotoKeys], environment: AnySignature))
        {
            using var s3 = new HttpClient { BaseAddress = server.BaseAddress };
            await Send(s3, HttpMethod.Put, "/", []);
            await Send(s3, HttpMethod.Put, "/in-s3.txt", "kept by the service"u8.ToArray());
        }

        // A second node with its own data directory sees what the first one stored.
        await using var other = await SpillwayProcess.StartAsync(
            Path.Combine(work.FullName, "other"), [$"--Spillway:Objects:S3:ServiceUrl={service}", .. MotoKeys], environment: AnySignature);
        var (_, listing, _) = await RunAsync(["objects", "ls", bucket, .. Server(other)]);
        var (_, printed, _) = await RunAsync(["objects", "get", $"{bucket}/in-s3.txt", .. Server(other)]);

        Assert.Contains(" in-s3.txt", listing, StringComparison.Ordinal);
        Assert.Equal("kept by the service\n", printed);
        Assert.False(Directory.Exists(Path.Combine(work.FullName, "other", "objects", bucket)));
    }

    // moto takes any key; without one the SDK would look for the machine's own credentials.
    private static readonly string[] MotoKeys = ["--Spillway:Objects:S3:AccessKeyId=test", "--Spillway:Objects:S3:SecretAccessKey=test"];

    private static Dictionary<string, string> AnySignature => SpillwayProcess.AnySignature();

    private static async Task Send(HttpClient client, HttpMethod method, string path, byte[] body)
    {
        using var request = new HttpRequestMessage(method, path) { Content = new ByteArrayContent(body), Headers = { Host = "deliveries.localhost" } };
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static string[] Server(SpillwayProcess server) => ["--server", server.BaseAddress.ToString()];

    private static async Task<(int Exit, string Output, string Errors)> RunAsync(string[] arguments)
    {
        var result = await CliProcess.RunAsync(arguments);
        Assert.True(result.ExitCode == 0, $"spillway {string.Join(' ', arguments)} failed: {result.Errors}");
        return result;
    }

    public void Dispose() => work.Delete(recursive: true);
}
