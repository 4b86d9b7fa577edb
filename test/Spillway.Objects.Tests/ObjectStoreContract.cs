using System.Security.Cryptography;
using System.Text;
using Amazon.Runtime;
using Amazon.S3;
using Spillway.Objects.Local;
using Spillway.Objects.S3;

namespace Spillway.Objects.Tests;

/// <summary>
/// What every backend of <see cref="IObjectStore"/> must do alike, run on the local disk and on an S3-compatible server
/// (moto's server mode, a stand-in for S3, started by the test command: <c>SPILLWAY_TEST_S3</c>).
/// </summary>
public abstract class ObjectStoreContract : IDisposable
{
    private readonly string bucket = "contract-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));

    protected abstract IObjectStore Store { get; }

    [Fact]
    public async Task A_put_reads_back_with_its_metadata_and_md5_etag()
    {
        await Store.CreateBucketAsync(bucket);
        var content = RandomNumberGenerator.GetBytes(70_000);

        var put = await Store.PutAsync(bucket, "dir/a b.bin", (s, ct) => s.WriteAsync(content, ct).AsTask(), new ObjectProperties
        {
            ContentType = "application/x-contract", UserMetadata = new Dictionary<string, string> { ["origin"] = "contract" },
        });
        var found = await Store.OpenReadAsync(bucket, "dir/a b.bin");

        Assert.Equal(Convert.ToHexStringLower(MD5.HashData(content)), put.ETag);
        Assert.NotNull(found);
        await using (found)
        {
            using var copy = new MemoryStream();
            await found.Content.CopyToAsync(copy);
            Assert.Equal(content, copy.ToArray());
            Assert.Equal("application/x-contract", found.Info.ContentType);
            Assert.Equal("contract", found.Info.UserMetadata["origin"]);
        }

        Assert.Null(await Store.OpenReadAsync(bucket, "missing"));
        Assert.True(await Store.DeleteAsync(bucket, "dir/a b.bin"));
        Assert.False(await Store.DeleteAsync(bucket, "dir/a b.bin"));
        await Store.DeleteBucketAsync(bucket);
    }

    [Fact]
    public async Task Listings_roll_up_by_delimiter_and_page_by_start_after()
    {
        await Store.CreateBucketAsync(bucket);
        foreach (var key in (string[])["2026/01/a", "2026/02/b", "readme", "z"])
        {
            await Store.PutAsync(bucket, key, (s, ct) => s.WriteAsync(Encoding.UTF8.GetBytes(key), ct).AsTask());
        }

        var top = await Store.ListAsync(bucket, new ListRequest { Delimiter = "/" });
        var seen = new List<string>();
        string? next = null;
        do
        {
            var page = await Store.ListAsync(bucket, new ListRequest { MaxKeys = 3, StartAfter = next });
            seen.AddRange(page.Objects.Select(o => o.Key));
            next = page.NextStartAfter;
        }
        while (next is not null);

        Assert.Equal(["2026/"], top.CommonPrefixes);
        Assert.Equal(["readme", "z"], top.Objects.Select(o => o.Key));
        Assert.Equal(["2026/01/a", "2026/02/b", "readme", "z"], seen);
    }

    [Fact]
    public async Task A_multipart_upload_gets_the_multipart_etag()
    {
        await Store.CreateBucketAsync(bucket);
        var first = RandomNumberGenerator.GetBytes(5 * 1024 * 1024);
        var second = RandomNumberGenerator.GetBytes(10);
        var upload = await Store.StartUploadAsync(bucket, "big");

        var one = await Store.PutPartAsync(bucket, "big", upload, 1, (s, ct) => s.WriteAsync(first, ct).AsTask());
        var two = await Store.PutPartAsync(bucket, "big", upload, 2, (s, ct) => s.WriteAsync(second, ct).AsTask());
        var info = await Store.CompleteUploadAsync(bucket, "big", upload, [new PartReference(1, one.ETag), new PartReference(2, two.ETag)]);

        Assert.Equal(Convert.ToHexStringLower(MD5.HashData([.. MD5.HashData(first), .. MD5.HashData(second)])) + "-2", info.ETag);
        Assert.Equal(first.Length + second.Length, info.Size);
    }

    [Fact]
    public async Task Refusals_name_s3s_errors()
    {
        await Store.CreateBucketAsync(bucket);
        await Store.PutAsync(bucket, "a", (s, ct) => s.WriteAsync("1"u8.ToArray(), ct).AsTask());

        Assert.Equal(ObjectError.BucketAlreadyOwnedByYou, (await Assert.ThrowsAsync<ObjectStoreException>(() => Store.CreateBucketAsync(bucket))).Error);
        Assert.Equal(ObjectError.BucketNotEmpty, (await Assert.ThrowsAsync<ObjectStoreException>(() => Store.DeleteBucketAsync(bucket))).Error);
        Assert.Equal(ObjectError.NoSuchBucket, (await Assert.ThrowsAsync<ObjectStoreException>(
            () => Store.ListAsync(bucket + "-missing", new ListRequest()))).Error);
        Assert.Equal(ObjectError.InvalidBucketName, (await Assert.ThrowsAsync<ObjectStoreException>(() => Store.CreateBucketAsync("Bad_Name"))).Error);
        Assert.False(await Store.BucketExistsAsync(bucket + "-missing"));
    }

    [Fact]
    public async Task Lifecycle_rules_round_trip()
    {
        await Store.CreateBucketAsync(bucket);
        Lifecycle.LifecycleRule[] rules = [new() { Id = "seed", Prefix = "logs/", ArchiveAfterDays = 10, ExpireAfterDays = 30 }];

        await Store.PutLifecycleAsync(bucket, rules);

        Assert.Equal(rules, await Store.GetLifecycleAsync(bucket));
    }

    public virtual void Dispose() => GC.SuppressFinalize(this);
}

public sealed class LocalObjectStoreContract : ObjectStoreContract
{
    private readonly DirectoryInfo work = Directory.CreateTempSubdirectory("spillway-objects-contract-");

    public LocalObjectStoreContract() => Store = new LocalObjectStore(work.FullName);

    protected override IObjectStore Store { get; }

    public override void Dispose()
    {
        work.Delete(recursive: true);
        base.Dispose();
    }
}

public sealed class S3ObjectStoreContract : ObjectStoreContract
{
    private readonly AmazonS3Client client = new(
        new BasicAWSCredentials("test", "test"),
        new AmazonS3Config
        {
            ServiceURL = Environment.GetEnvironmentVariable("SPILLWAY_TEST_S3") is { Length: > 0 } url
                ? url
                : throw new InvalidOperationException("SPILLWAY_TEST_S3 is not set. Run the tests through ./test.sh, which starts moto's S3 server and sets it."),
            ForcePathStyle = true,
            AuthenticationRegion = "us-east-1",
        });

    public S3ObjectStoreContract() => Store = new S3ObjectStore(client);

    protected override IObjectStore Store { get; }

    public override void Dispose()
    {
        client.Dispose();
        base.Dispose();
    }
}
