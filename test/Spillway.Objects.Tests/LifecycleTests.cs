using System.Security.Cryptography;
using System.Text;
using Spillway.Objects.Lifecycle;

namespace Spillway.Objects.Tests;

public sealed class LifecycleTests : StoreFixture
{
    [Fact]
    public async Task An_object_moves_to_the_compressed_archive_at_the_midnight_after_n_days_and_reads_the_same()
    {
        await Store.CreateBucketAsync("deliveries");
        await Store.PutLifecycleAsync("deliveries", [new LifecycleRule { Id = "archive", Prefix = "logs/", ArchiveAfterDays = 10 }]);
        var content = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("{\"reading\":42}\n", 10_000)));
        await PutAsync("deliveries", "logs/2026/01/01/file", content);
        await PutAsync("deliveries", "other/file", content);

        // Written 1 January 10:30: ten days later is not yet due; S3 rounds up to midnight, 12 January 00:00.
        Clock.Advance(TimeSpan.FromDays(10));
        Assert.Equal(new LifecycleOutcome(0, 0), await Store.ApplyLifecycleAsync());
        Clock.Advance(new DateTimeOffset(2026, 1, 12, 0, 0, 0, TimeSpan.Zero) - Clock.GetUtcNow());
        Assert.Equal(new LifecycleOutcome(1, 0), await Store.ApplyLifecycleAsync());

        var archived = await Store.HeadAsync("deliveries", "logs/2026/01/01/file");
        Assert.Equal("GLACIER_IR", archived!.StorageClass);
        Assert.Equal(content.Length, archived.Size);
        Assert.Equal(Convert.ToHexStringLower(MD5.HashData(content)), archived.ETag);
        Assert.Equal(content, await ReadAsync("deliveries", "logs/2026/01/01/file"));
        Assert.Equal("STANDARD", (await Store.HeadAsync("deliveries", "other/file"))!.StorageClass);
        var archiveFile = Assert.Single(Directory.EnumerateFiles(Path.Combine(Root, ".archive", "deliveries")));
        Assert.True(new FileInfo(archiveFile).Length < content.Length / 10, "the archive copy is compressed");
        Assert.Single(Directory.EnumerateFiles(Path.Combine(Root, "deliveries")), f => !Path.GetFileName(f).StartsWith('.'));

        Reopen();
        Assert.Equal("GLACIER_IR", (await Store.HeadAsync("deliveries", "logs/2026/01/01/file"))!.StorageClass);
        Assert.Equal(content, await ReadAsync("deliveries", "logs/2026/01/01/file"));
    }

    [Fact]
    public async Task An_object_expires_after_m_days_from_either_tier_and_a_newer_put_restarts_its_clock()
    {
        await Store.CreateBucketAsync("deliveries");
        await Store.PutLifecycleAsync("deliveries", [new LifecycleRule { Id = "seed", ArchiveAfterDays = 10, ExpireAfterDays = 30 }]);
        await PutAsync("deliveries", "archived-first", "a");
        await PutAsync("deliveries", "rewritten", "b");

        Clock.Advance(TimeSpan.FromDays(11));
        Assert.Equal(new LifecycleOutcome(2, 0), await Store.ApplyLifecycleAsync());
        await PutAsync("deliveries", "rewritten", "b again");
        Assert.Equal("STANDARD", (await Store.HeadAsync("deliveries", "rewritten"))!.StorageClass);
        Assert.DoesNotContain(Directory.EnumerateFiles(Path.Combine(Root, ".archive", "deliveries")), f => f.Contains("rewritten", StringComparison.Ordinal));

        // Day 31: the first object is past its 30 days; the rewritten one, 20 days old, only moves to the archive.
        Clock.Advance(TimeSpan.FromDays(20));
        Assert.Equal(new LifecycleOutcome(1, 1), await Store.ApplyLifecycleAsync());
        Assert.Null(await Store.HeadAsync("deliveries", "archived-first"));
        Assert.Equal("GLACIER_IR", (await Store.HeadAsync("deliveries", "rewritten"))!.StorageClass);
        Assert.Single(Directory.EnumerateFiles(Path.Combine(Root, ".archive", "deliveries")));
    }

    [Fact]
    public async Task Rules_survive_a_restart_and_a_disabled_rule_does_nothing()
    {
        await Store.CreateBucketAsync("deliveries");
        LifecycleRule[] rules = [new() { Id = "off", Enabled = false, ExpireAfterDays = 1 }, new() { Id = "on", Prefix = "tmp/", ExpireAfterDays = 2 }];
        await Store.PutLifecycleAsync("deliveries", rules);
        await PutAsync("deliveries", "keep", "k");
        await PutAsync("deliveries", "tmp/drop", "d");

        Reopen();
        Assert.Equal(rules, await Store.GetLifecycleAsync("deliveries"));
        Clock.Advance(TimeSpan.FromDays(5));

        Assert.Equal(new LifecycleOutcome(0, 1), await Store.ApplyLifecycleAsync());
        Assert.Equal(["keep"], (await Store.ListAsync("deliveries", new ListRequest())).Objects.Select(o => o.Key));
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData(10, 10)]
    [InlineData(-1, null)]
    [InlineData(null, 0)]
    public async Task A_rule_s3_would_refuse_is_refused(int? archiveDays, int? expireDays)
    {
        await Store.CreateBucketAsync("deliveries");

        var refused = await Assert.ThrowsAsync<ObjectStoreException>(() => Store.PutLifecycleAsync(
            "deliveries", [new LifecycleRule { Id = "r", ArchiveAfterDays = archiveDays, ExpireAfterDays = expireDays }]));

        Assert.Equal(ObjectError.MalformedLifecycle, refused.Error);
        Assert.Empty(await Store.GetLifecycleAsync("deliveries"));
    }
}
