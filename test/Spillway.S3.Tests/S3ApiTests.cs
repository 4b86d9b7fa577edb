using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Amazon.S3;
using Amazon.S3.Model;
using Spillway.Objects;
using Spillway.S3.Tests.Support;

namespace Spillway.S3.Tests;

/// <summary>The S3 API in process: the .NET SDK's signed (and aws-chunked) requests, and hand-made ones it would not send.</summary>
public sealed class S3ApiTests : IAsyncLifetime
{
    private S3TestServer server = null!;

    public async Task InitializeAsync() => server = await S3TestServer.StartAsync();

    public async Task DisposeAsync() => await server.DisposeAsync();

    [Fact]
    public async Task The_sdks_aws_chunked_upload_is_verified_chunk_by_chunk_and_reads_back_whole_and_by_range()
    {
        using var s3 = server.Client();
        await s3.PutBucketAsync("files");
        var content = RandomNumberGenerator.GetBytes(3 * 1024 * 1024 + 17);

        var put = await s3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = "files", Key = "dir/data.bin", InputStream = new MemoryStream(content), UseChunkEncoding = true,
            ContentType = "application/x-test", Metadata = { ["origin"] = "sdk" },
        });

        Assert.Equal($"\"{Convert.ToHexStringLower(MD5.HashData(content))}\"", put.ETag);
        using (var whole = await s3.GetObjectAsync("files", "dir/data.bin"))
        {
            Assert.Equal(content, await ReadAllAsync(whole.ResponseStream));
            Assert.Equal("application/x-test", whole.Headers.ContentType);
            Assert.Equal("sdk", whole.Metadata["origin"]);
        }

        using var part = await s3.GetObjectAsync(new GetObjectRequest { BucketName = "files", Key = "dir/data.bin", ByteRange = new ByteRange(100, 199) });
        Assert.Equal(HttpStatusCode.PartialContent, part.HttpStatusCode);
        Assert.Equal(content[100..200], await ReadAllAsync(part.ResponseStream));
    }

    [Fact]
    public async Task A_multipart_upload_through_the_sdk_gets_s3s_etag_and_the_joined_bytes()
    {
        using var s3 = server.Client();
        await s3.PutBucketAsync("files");
        var first = RandomNumberGenerator.GetBytes(5 * 1024 * 1024);
        var second = RandomNumberGenerator.GetBytes(1000);
        var upload = await s3.InitiateMultipartUploadAsync("files", "joined.bin");

        var etags = new List<PartETag>();
        foreach (var (bytes, number) in new[] { (first, 1), (second, 2) })
        {
            var part = await s3.UploadPartAsync(new UploadPartRequest
            {
                BucketName = "files", Key = "joined.bin", UploadId = upload.UploadId, PartNumber = number, InputStream = new MemoryStream(bytes),
            });
            etags.Add(new PartETag(number, part.ETag));
        }

        var done = await s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
        {
            BucketName = "files", Key = "joined.bin", UploadId = upload.UploadId, PartETags = etags,
        });

        Assert.Equal($"\"{Convert.ToHexStringLower(MD5.HashData([.. MD5.HashData(first), .. MD5.HashData(second)]))}-2\"", done.ETag);
        using var read = await s3.GetObjectAsync("files", "joined.bin");
        byte[] joined = [.. first, .. second];
        Assert.Equal(joined, await ReadAllAsync(read.ResponseStream));
    }

    [Fact]
    public async Task A_chunk_signed_for_other_bytes_is_refused_and_nothing_is_stored()
    {
        await server.Store.CreateBucketAsync("files");
        var signer = new HandSigner(S3TestServer.AccessKeyId, S3TestServer.Secret, DateTimeOffset.UtcNow);
        byte[][] chunks = [RandomNumberGenerator.GetBytes(64 * 1024), RandomNumberGenerator.GetBytes(100)];
        var url = new Uri(server.BaseAddress, "/files/tampered");

        using var request = signer.Sign(
            HttpMethod.Put, url, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", null,
            ("x-amz-decoded-content-length", "65636"));
        request.Content = new ByteArrayContent(signer.ChunkedBody(signer.LastSignature, chunks, (i, bytes) => i == 1 ? [.. bytes, 0] : bytes));
        using var response = await server.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("SignatureDoesNotMatch", XElement.Parse(await response.Content.ReadAsStringAsync()).Element("Code")!.Value);
        Assert.Null(await server.Store.HeadAsync("files", "tampered"));
    }

    [Fact]
    public async Task A_hand_signed_chunked_upload_with_a_good_chain_is_stored()
    {
        await server.Store.CreateBucketAsync("files");
        var signer = new HandSigner(S3TestServer.AccessKeyId, S3TestServer.Secret, DateTimeOffset.UtcNow);
        byte[][] chunks = [RandomNumberGenerator.GetBytes(64 * 1024), RandomNumberGenerator.GetBytes(100)];

        using var request = signer.Sign(
            HttpMethod.Put, new Uri(server.BaseAddress, "/files/chained"), "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", null,
            ("x-amz-decoded-content-length", "65636"));
        request.Content = new ByteArrayContent(signer.ChunkedBody(signer.LastSignature, chunks));
        using var response = await server.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(65636, (await server.Store.HeadAsync("files", "chained"))!.Size);
    }

    [Fact]
    public async Task A_body_that_differs_from_its_signed_hash_is_refused_and_an_unsigned_payload_is_taken()
    {
        await server.Store.CreateBucketAsync("files");
        var signer = new HandSigner(S3TestServer.AccessKeyId, S3TestServer.Secret, DateTimeOffset.UtcNow);

        using var lying = signer.Sign(
            HttpMethod.Put, new Uri(server.BaseAddress, "/files/lie"), HandSigner.Hex(SHA256.HashData("declared"u8.ToArray())),
            new ByteArrayContent("delivered"u8.ToArray()));
        using var refused = await server.Http.SendAsync(lying);
        using var unsigned = signer.Sign(HttpMethod.Put, new Uri(server.BaseAddress, "/files/unsigned"), "UNSIGNED-PAYLOAD", new ByteArrayContent("any"u8.ToArray()));
        using var taken = await server.Http.SendAsync(unsigned);

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("<Code>XAmzContentSHA256Mismatch</Code>", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Null(await server.Store.HeadAsync("files", "lie"));
        Assert.Equal(HttpStatusCode.OK, taken.StatusCode);
        Assert.Equal(3, (await server.Store.HeadAsync("files", "unsigned"))!.Size);
    }

    [Fact]
    public async Task Wrong_secrets_and_unknown_keys_are_refused_with_s3s_codes()
    {
        using var wrongSecret = server.Client(secret: "not-the-secret");
        using var unknownKey = server.Client(accessKeyId: "nobody");

        var mismatch = await Assert.ThrowsAsync<AmazonS3Exception>(() => wrongSecret.ListBucketsAsync());
        var unknown = await Assert.ThrowsAsync<AmazonS3Exception>(() => unknownKey.ListBucketsAsync());
        using var unsigned = await server.Http.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/files") { Headers = { Host = "files.localhost" } });

        Assert.Equal(("SignatureDoesNotMatch", HttpStatusCode.Forbidden), (mismatch.ErrorCode, mismatch.StatusCode));
        Assert.Equal(("InvalidAccessKeyId", HttpStatusCode.Forbidden), (unknown.ErrorCode, unknown.StatusCode));
        Assert.Equal(HttpStatusCode.Forbidden, unsigned.StatusCode);
        Assert.Equal("AccessDenied", XElement.Parse(await unsigned.Content.ReadAsStringAsync()).Element("Code")!.Value);
    }

    [Fact]
    public async Task Errors_carry_s3s_codes_statuses_and_xml()
    {
        using var s3 = server.Client();
        await s3.PutBucketAsync("files");
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = "files", Key = "a", ContentBody = "abc" });

        async Task<(string, HttpStatusCode)> Refused(Func<Task> call)
        {
            var e = await Assert.ThrowsAnyAsync<AmazonS3Exception>(call);
            return (e.ErrorCode, e.StatusCode);
        }

        Assert.Equal(("NoSuchBucket", HttpStatusCode.NotFound), await Refused(() => s3.GetObjectAsync("nobucket", "a")));
        Assert.Equal(("NoSuchKey", HttpStatusCode.NotFound), await Refused(() => s3.GetObjectAsync("files", "missing")));
        Assert.Equal(("BucketNotEmpty", HttpStatusCode.Conflict), await Refused(() => s3.DeleteBucketAsync("files")));
        Assert.Equal(("BucketAlreadyOwnedByYou", HttpStatusCode.Conflict), await Refused(() => s3.PutBucketAsync("files")));
        Assert.Equal(("InvalidBucketName", HttpStatusCode.BadRequest), await Refused(() => s3.PutBucketAsync("No_Such")));
        Assert.Equal(("InvalidRange", HttpStatusCode.RequestedRangeNotSatisfiable), await Refused(
            () => s3.GetObjectAsync(new GetObjectRequest { BucketName = "files", Key = "a", ByteRange = new ByteRange(10, 20) })));
        Assert.Equal(("NoSuchUpload", HttpStatusCode.NotFound), await Refused(
            () => s3.AbortMultipartUploadAsync("files", "a", "0123abcd")));
        Assert.Equal(("NotImplemented", HttpStatusCode.NotImplemented), await Refused(() => s3.GetBucketPolicyAsync("files")));
        var missing = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => s3.GetObjectMetadataAsync("files", "missing"));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Listing_pages_by_continuation_token_with_common_prefixes()
    {
        using var s3 = server.Client();
        await s3.PutBucketAsync("files");
        foreach (var key in (string[])["2026/01/a", "2026/02/b", "top", "z y+x"])
        {
            await s3.PutObjectAsync(new PutObjectRequest { BucketName = "files", Key = key, ContentBody = key });
        }

        var seen = new List<string>();
        var request = new ListObjectsV2Request { BucketName = "files", Delimiter = "/", MaxKeys = 1 };
        ListObjectsV2Response page;
        do
        {
            page = await s3.ListObjectsV2Async(request);
            seen.AddRange(page.CommonPrefixes ?? []);
            seen.AddRange((page.S3Objects ?? []).Select(o => o.Key));
            request.ContinuationToken = page.NextContinuationToken;
        }
        while (page.IsTruncated == true);

        Assert.Equal(["2026/", "top", "z y+x"], seen);
        var months = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = "files", Prefix = "2026/", Delimiter = "/" });
        Assert.Equal(["2026/01/", "2026/02/"], months.CommonPrefixes);
    }

    [Fact]
    public async Task Lifecycle_configuration_round_trips_as_the_stores_rules()
    {
        using var s3 = server.Client();
        await s3.PutBucketAsync("files");

        await s3.PutLifecycleConfigurationAsync(new PutLifecycleConfigurationRequest
        {
            BucketName = "files",
            Configuration = new LifecycleConfiguration
            {
                Rules =
                [
                    new LifecycleRule
                    {
                        Id = "seed", Status = LifecycleRuleStatus.Enabled,
                        Filter = new LifecycleFilter { LifecycleFilterPredicate = new LifecyclePrefixPredicate { Prefix = "logs/" } },
                        Transitions = [new LifecycleTransition { Days = 10, StorageClass = S3StorageClass.Glacier }],
                        Expiration = new LifecycleRuleExpiration { Days = 30 },
                    },
                ],
            },
        });

        var rule = Assert.Single(await server.Store.GetLifecycleAsync("files"));
        Assert.Equal(new Objects.Lifecycle.LifecycleRule { Id = "seed", Prefix = "logs/", ArchiveAfterDays = 10, ExpireAfterDays = 30 }, rule);
        var read = await s3.GetLifecycleConfigurationAsync("files");
        Assert.Equal(10, Assert.Single(Assert.Single(read.Configuration.Rules).Transitions).Days);
    }

    [Fact]
    public async Task Requests_of_other_apis_pass_by_the_s3_api_untouched()
    {
        using var health = await server.Http.GetAsync("/healthz");
        using var other = await server.Http.PostAsync("/", new StringContent("Action=ListQueues"));

        Assert.Equal("healthy", await health.Content.ReadAsStringAsync());
        Assert.Equal("another API", await other.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Virtual_host_style_names_the_bucket_by_the_host()
    {
        await using var open = await S3TestServer.StartAsync(signed: false);
        await open.Store.CreateBucketAsync("files");
        await open.Store.PutAsync("files", "dir/a b.txt", (s, ct) => s.WriteAsync("virtual"u8.ToArray(), ct).AsTask(), new ObjectProperties());

        using var read = await open.Http.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/dir/a%20b.txt") { Headers = { Host = "files.localhost" } });
        using var list = await open.Http.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/?list-type=2") { Headers = { Host = "files.localhost" } });

        Assert.Equal("virtual", await read.Content.ReadAsStringAsync());
        Assert.Contains("<Key>dir/a b.txt</Key>", await list.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static async Task<byte[]> ReadAllAsync(Stream stream)
    {
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }
}
