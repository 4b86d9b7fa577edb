using System.Security.Cryptography;
using System.Text;

namespace Spillway.Objects.Tests;

public sealed class LocalObjectStoreTests : StoreFixture
{
    [Fact]
    public async Task A_put_object_reads_back_with_its_md5_etag_size_type_and_metadata()
    {
        await Store.CreateBucketAsync("files");
        var content = RandomNumberGenerator.GetBytes(100_000);

        var stored = await PutAsync("files", "a/b.bin", content, new ObjectProperties
        {
            ContentType = "application/x-test",
            UserMetadata = new Dictionary<string, string> { ["origin"] = "unit" },
        });

        Assert.Equal(Convert.ToHexStringLower(MD5.HashData(content)), stored.ETag);
        Assert.Equal(content, await ReadAsync("files", "a/b.bin"));
        var head = await Store.HeadAsync("files", "a/b.bin");
        Assert.NotNull(head);
        Assert.Equal(100_000, head.Size);
        Assert.Equal("application/x-test", head.ContentType);
        Assert.Equal("unit", head.UserMetadata["origin"]);
        Assert.Equal(Clock.GetUtcNow(), head.LastModified);
        Assert.Equal("STANDARD", head.StorageClass);
    }

    [Fact]
    public async Task A_put_that_fails_midway_leaves_the_previous_object_and_no_temporary_file()
    {
        await Store.CreateBucketAsync("files");
        await PutAsync("files", "report.csv", "old");

        await Assert.ThrowsAsync<IOException>(() => Store.PutAsync("files", "report.csv", async (stream, ct) =>
        {
            await stream.WriteAsync(Encoding.UTF8.GetBytes("new and half"), ct);
            throw new IOException("the client went away");
        }));

        Assert.Equal("old", Encoding.UTF8.GetString((await ReadAsync("files", "report.csv"))!));
        Assert.DoesNotContain(FilesUnder(Root), f => Path.GetFileName(f).StartsWith(".tmp-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_temporary_file_a_crash_left_is_removed_at_open_and_objects_are_read_back_from_disk()
    {
        await Store.CreateBucketAsync("files");
        await PutAsync("files", "kept", "bytes");
        var stray = Path.Combine(Root, "files", ".tmp-0123");
        await File.WriteAllTextAsync(stray, "half an object");

        Reopen();

        Assert.False(File.Exists(stray));
        Assert.Equal("bytes", Encoding.UTF8.GetString((await ReadAsync("files", "kept"))!));
        Assert.Equal(["files"], (await Store.ListBucketsAsync()).Select(b => b.Name));
    }

    [Theory]
    [InlineData("../../escaped")]
    [InlineData("/etc/passwd")]
    [InlineData("a/../../b")]
    [InlineData("..")]
    [InlineData(".bucket")]
    [InlineData("dir/with space/and+plus%41")]
    [InlineData("日本語/キー")]
    [InlineData("emoji 🎉 key")]
    public async Task Any_key_stays_a_file_inside_its_bucket_and_reads_back_after_a_restart(string key)
    {
        await Store.CreateBucketAsync("files");
        await PutAsync("files", key, key);

        Assert.All(FilesUnder(Root), f => Assert.StartsWith("files" + Path.DirectorySeparatorChar, f, StringComparison.Ordinal));
        Assert.Single(Directory.EnumerateFiles(Path.Combine(Root, "files")), f => !Path.GetFileName(f).StartsWith('.'));
        Reopen();
        Assert.Equal(key, Encoding.UTF8.GetString((await ReadAsync("files", key))!));
        Assert.Equal([key], (await Store.ListAsync("files", new ListRequest())).Objects.Select(o => o.Key));
    }

    [Fact]
    public async Task A_key_of_1024_bytes_is_kept_under_a_hashed_name_and_a_longer_one_is_refused()
    {
        await Store.CreateBucketAsync("files");
        var longest = new string('k', 1024);

        await PutAsync("files", longest, "x");
        var refused = await Assert.ThrowsAsync<ObjectStoreException>(() => PutAsync("files", longest + "k", "x"));

        Assert.Equal(ObjectError.KeyTooLongOrInvalid, refused.Error);
        Assert.All(Directory.EnumerateFiles(Path.Combine(Root, "files")), f => Assert.True(Path.GetFileName(f).Length <= 200));
        Assert.Equal("x", Encoding.UTF8.GetString((await ReadAsync("files", longest))!));
    }

    [Theory]
    [InlineData("ab")]
    [InlineData("UPPER")]
    [InlineData("../up")]
    [InlineData("a..b")]
    [InlineData("192.168.1.1")]
    [InlineData("-dash")]
    public async Task A_bucket_name_s3_would_refuse_is_refused(string name)
    {
        var refused = await Assert.ThrowsAsync<ObjectStoreException>(() => Store.CreateBucketAsync(name));

        Assert.Equal(ObjectError.InvalidBucketName, refused.Error);
        Assert.Equal(["objects"], Directory.EnumerateFileSystemEntries(Path.GetDirectoryName(Root)!).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Buckets_are_created_once_deleted_only_when_empty_and_missing_ones_are_named()
    {
        await Store.CreateBucketAsync("files");
        Assert.Equal(ObjectError.BucketAlreadyOwnedByYou, (await Assert.ThrowsAsync<ObjectStoreException>(() => Store.CreateBucketAsync("files"))).Error);
        await PutAsync("files", "a", "1");

        Assert.Equal(ObjectError.BucketNotEmpty, (await Assert.ThrowsAsync<ObjectStoreException>(() => Store.DeleteBucketAsync("files"))).Error);
        Assert.True(await Store.DeleteAsync("files", "a"));
        Assert.False(await Store.DeleteAsync("files", "a"));
        await Store.DeleteBucketAsync("files");

        Assert.Equal(ObjectError.NoSuchBucket, (await Assert.ThrowsAsync<ObjectStoreException>(() => PutAsync("files", "a", "1"))).Error);
        Reopen();
        Assert.Empty(await Store.ListBucketsAsync());
    }

    [Fact]
    public async Task Listing_rolls_keys_up_by_delimiter_and_pages_through_continuations()
    {
        await Store.CreateBucketAsync("files");
        foreach (var key in (string[])["2026/01/a", "2026/01/b", "2026/02/c", "2027/x", "readme", "z/"])
        {
            await PutAsync("files", key, key);
        }

        var top = await Store.ListAsync("files", new ListRequest { Delimiter = "/" });
        Assert.Equal(["2026/", "2027/", "z/"], top.CommonPrefixes);
        Assert.Equal(["readme"], top.Objects.Select(o => o.Key));

        var months = await Store.ListAsync("files", new ListRequest { Prefix = "2026/", Delimiter = "/" });
        Assert.Equal(["2026/01/", "2026/02/"], months.CommonPrefixes);

        var seen = new List<string>();
        string? next = null;
        do
        {
            var page = await Store.ListAsync("files", new ListRequest { Delimiter = "/", MaxKeys = 1, StartAfter = next });
            seen.AddRange(page.CommonPrefixes);
            seen.AddRange(page.Objects.Select(o => o.Key));
            next = page.NextStartAfter;
        }
        while (next is not null);

        Assert.Equal(["2026/", "2027/", "readme", "z/"], seen);
    }

    [Fact]
    public async Task Keys_are_listed_in_utf8_byte_order_as_s3_lists_them()
    {
        await Store.CreateBucketAsync("files");
        string[] keys = ["\uFF5Ewide", "🎉party", "Z", "a"];
        foreach (var key in keys)
        {
            await PutAsync("files", key, key);
        }

        var listed = (await Store.ListAsync("files", new ListRequest())).Objects.Select(o => o.Key).ToList();

        var byBytes = keys.OrderBy(k => Encoding.UTF8.GetBytes(k), Comparer<byte[]>.Create((a, b) => a.AsSpan().SequenceCompareTo(b))).ToList();
        Assert.Equal(byBytes, listed);
        Assert.Equal("🎉party", listed[^1]);
    }
}
