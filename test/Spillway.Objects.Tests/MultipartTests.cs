using System.Security.Cryptography;

namespace Spillway.Objects.Tests;

public sealed class MultipartTests : StoreFixture
{
    private const int FiveMiB = 5 * 1024 * 1024;

    private Task<PartInfo> PartAsync(string uploadId, int number, byte[] content) =>
        Store.PutPartAsync("files", "big.bin", uploadId, number, (stream, ct) => stream.WriteAsync(content, ct).AsTask());

    [Fact]
    public async Task Completed_parts_join_into_one_object_with_s3s_multipart_etag()
    {
        await Store.CreateBucketAsync("files");
        var first = RandomNumberGenerator.GetBytes(FiveMiB);
        var second = RandomNumberGenerator.GetBytes(1234);
        var upload = await Store.StartUploadAsync("files", "big.bin", new ObjectProperties { ContentType = "application/x-big" });

        var one = await PartAsync(upload, 1, first);
        var two = await PartAsync(upload, 2, second);
        Assert.Null(await Store.HeadAsync("files", "big.bin"));
        var info = await Store.CompleteUploadAsync("files", "big.bin", upload, [new(1, $"\"{one.ETag}\""), new(2, two.ETag)]);

        var expected = Convert.ToHexStringLower(MD5.HashData([.. MD5.HashData(first), .. MD5.HashData(second)])) + "-2";
        Assert.Equal(expected, info.ETag);
        Assert.Equal("application/x-big", info.ContentType);
        byte[] joined = [.. first, .. second];
        var read = await ReadAsync("files", "big.bin");
        Assert.Equal(joined, read);
        Assert.False(Directory.EnumerateFileSystemEntries(Path.Combine(Root, "files", ".uploads")).Any());
    }

    [Fact]
    public async Task Completion_refuses_a_small_middle_part_a_wrong_etag_and_parts_out_of_order()
    {
        await Store.CreateBucketAsync("files");
        var upload = await Store.StartUploadAsync("files", "big.bin");
        var one = await PartAsync(upload, 1, [1, 2, 3]);
        var two = await PartAsync(upload, 2, [4]);

        async Task<ObjectError> Refused(params PartReference[] parts) =>
            (await Assert.ThrowsAsync<ObjectStoreException>(() => Store.CompleteUploadAsync("files", "big.bin", upload, parts))).Error;

        Assert.Equal(ObjectError.EntityTooSmall, await Refused(new PartReference(1, one.ETag), new PartReference(2, two.ETag)));
        Assert.Equal(ObjectError.InvalidPart, await Refused(new PartReference(1, two.ETag)));
        Assert.Equal(ObjectError.InvalidPart, await Refused(new PartReference(3, two.ETag)));
        Assert.Equal(ObjectError.InvalidPartOrder, await Refused(new PartReference(2, two.ETag), new PartReference(1, one.ETag)));
        Assert.Null(await Store.HeadAsync("files", "big.bin"));
    }

    [Fact]
    public async Task An_aborted_upload_is_gone_and_its_id_is_no_longer_known()
    {
        await Store.CreateBucketAsync("files");
        var upload = await Store.StartUploadAsync("files", "big.bin");
        await PartAsync(upload, 1, [1]);

        await Store.AbortUploadAsync("files", "big.bin", upload);

        Assert.Equal(ObjectError.NoSuchUpload, (await Assert.ThrowsAsync<ObjectStoreException>(() => PartAsync(upload, 2, [2]))).Error);
        Assert.Equal(ObjectError.NoSuchUpload, (await Assert.ThrowsAsync<ObjectStoreException>(
            () => Store.CompleteUploadAsync("files", "big.bin", upload, [new(1, "x")]))).Error);
        Assert.Equal(ObjectError.NoSuchUpload, (await Assert.ThrowsAsync<ObjectStoreException>(
            () => Store.AbortUploadAsync("files", "big.bin", "../../etc"))).Error);
    }
}
