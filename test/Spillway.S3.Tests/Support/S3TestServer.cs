using Amazon.Runtime;
using Amazon.S3;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Spillway.Aws.Signing;
using Spillway.Objects.Local;
using Spillway.TestKit;

namespace Spillway.S3.Tests.Support;

/// <summary>
/// The S3 API in process over a local store in a fresh directory, with access key "test"/"secret" (or none), beside two
/// routes of another API (<c>GET /healthz</c>, <c>POST /</c>) that S3 must leave alone; and the .NET SDK pointed at it.
/// </summary>
internal sealed class S3TestServer : IAsyncDisposable
{
    public const string AccessKeyId = "test";
    public const string Secret = "secret";
    private readonly DirectoryInfo work;
    private readonly TestWebHost host;

    private S3TestServer(DirectoryInfo work, TestWebHost host, LocalObjectStore store)
    {
        this.work = work;
        this.host = host;
        Store = store;
    }

    public LocalObjectStore Store { get; }

    public HttpClient Http => host.Client;

    public Uri BaseAddress => host.Client.BaseAddress!;

    public static async Task<S3TestServer> StartAsync(bool signed = true)
    {
        var work = Directory.CreateTempSubdirectory("spillway-s3-");
        var store = new LocalObjectStore(Path.Combine(work.FullName, "objects"));
        var host = await TestWebHost.StartAsync(app =>
        {
            app.UseS3Api(store, new S3ApiSettings
            {
                Credentials = signed ? SigningCredentials.Create([new(AccessKeyId, Secret)]) : SigningCredentials.None,
            });
            app.MapGet("/healthz", () => "healthy");
            app.MapPost("/", () => Results.Text("another API"));
        });
        return new S3TestServer(work, host, store);
    }

    /// <summary>The .NET SDK, path style, signing with <paramref name="secret"/>.</summary>
    public AmazonS3Client Client(string secret = Secret, string accessKeyId = AccessKeyId) => new(
        new BasicAWSCredentials(accessKeyId, secret),
        new AmazonS3Config { ServiceURL = BaseAddress.ToString(), ForcePathStyle = true, AuthenticationRegion = "us-east-1", MaxErrorRetry = 0 });

    public async ValueTask DisposeAsync()
    {
        await host.DisposeAsync();
        work.Delete(recursive: true);
    }
}
