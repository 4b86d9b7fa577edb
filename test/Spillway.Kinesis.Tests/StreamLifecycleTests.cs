using System.Text.Json;

namespace Spillway.Kinesis.Tests;

/// <summary>Creating, describing, listing, changing and deleting streams through the JSON 1.1 protocol.</summary>
public sealed class StreamLifecycleTests : IAsyncLifetime
{
    private KinesisTestServer server = null!;

    public async Task InitializeAsync() => server = await KinesisTestServer.StartAsync();

    public async Task DisposeAsync() => await server.DisposeAsync();

    [Fact]
    public async Task Created_stream_is_described_with_shards_covering_the_whole_hash_key_space()
    {
        await server.CreateStreamAsync("orders", shards: 3);

        var described = await server.JsonAsync("DescribeStream", new { StreamName = "orders" });
        described.AssertOk();
        Assert.Equal("application/x-amz-json-1.1", described.ContentType);
        var description = described.Body.GetProperty("StreamDescription");
        Assert.Equal("ACTIVE", description.GetProperty("StreamStatus").GetString());
        Assert.Equal(KinesisTestServer.StreamArn("orders"), description.GetProperty("StreamARN").GetString());
        Assert.Equal(24, description.GetProperty("RetentionPeriodHours").GetInt32());
        Assert.Equal(JsonValueKind.Number, description.GetProperty("StreamCreationTimestamp").ValueKind);
        var shards = description.GetProperty("Shards").EnumerateArray().ToList();
        Assert.Equal(["shardId-000000000000", "shardId-000000000001", "shardId-000000000002"], shards.Select(s => s.GetProperty("ShardId").GetString()));
        Assert.Equal("0", shards[0].GetProperty("HashKeyRange").GetProperty("StartingHashKey").GetString());
        Assert.Equal("340282366920938463463374607431768211455", shards[2].GetProperty("HashKeyRange").GetProperty("EndingHashKey").GetString());
        Assert.False(description.GetProperty("HasMoreShards").GetBoolean());
    }

    [Fact]
    public async Task DescribeStream_pages_shards_with_Limit_and_ExclusiveStartShardId()
    {
        await server.CreateStreamAsync("paged", shards: 3);

        var first = await server.JsonAsync("DescribeStream", new { StreamName = "paged", Limit = 2 });
        var rest = await server.JsonAsync("DescribeStream", new { StreamName = "paged", Limit = 2, ExclusiveStartShardId = "shardId-000000000001" });

        Assert.Equal(2, first.Body.GetProperty("StreamDescription").GetProperty("Shards").GetArrayLength());
        Assert.True(first.Body.GetProperty("StreamDescription").GetProperty("HasMoreShards").GetBoolean());
        var last = Assert.Single(rest.Body.GetProperty("StreamDescription").GetProperty("Shards").EnumerateArray());
        Assert.Equal("shardId-000000000002", last.GetProperty("ShardId").GetString());
        Assert.False(rest.Body.GetProperty("StreamDescription").GetProperty("HasMoreShards").GetBoolean());
    }

    [Fact]
    public async Task On_demand_stream_starts_with_four_shards_and_switches_mode()
    {
        var created = await server.JsonAsync("CreateStream", new { StreamName = "auto", StreamModeDetails = new { StreamMode = "ON_DEMAND" } });
        created.AssertOk();

        var summary = await server.JsonAsync("DescribeStreamSummary", new { StreamARN = KinesisTestServer.StreamArn("auto") });
        Assert.Equal(4, summary.Body.GetProperty("StreamDescriptionSummary").GetProperty("OpenShardCount").GetInt32());
        Assert.Equal("ON_DEMAND", summary.Body.GetProperty("StreamDescriptionSummary").GetProperty("StreamModeDetails").GetProperty("StreamMode").GetString());

        (await server.JsonAsync("UpdateStreamMode", new
        {
            StreamARN = KinesisTestServer.StreamArn("auto"), StreamModeDetails = new { StreamMode = "PROVISIONED" },
        })).AssertOk();
        var after = await server.JsonAsync("DescribeStreamSummary", new { StreamName = "auto" });
        Assert.Equal("PROVISIONED", after.Body.GetProperty("StreamDescriptionSummary").GetProperty("StreamModeDetails").GetProperty("StreamMode").GetString());
    }

    [Fact]
    public async Task ListStreams_pages_with_NextToken_and_summaries()
    {
        foreach (var name in new[] { "a1", "a2", "a3" })
        {
            await server.CreateStreamAsync(name);
        }

        var first = await server.JsonAsync("ListStreams", new { Limit = 2 });
        Assert.Equal(["a1", "a2"], first.Body.GetProperty("StreamNames").EnumerateArray().Select(e => e.GetString()));
        Assert.True(first.Body.GetProperty("HasMoreStreams").GetBoolean());
        Assert.Equal(KinesisTestServer.StreamArn("a1"), first.Body.GetProperty("StreamSummaries")[0].GetProperty("StreamARN").GetString());

        var second = await server.JsonAsync("ListStreams", new { NextToken = first.String("NextToken") });
        Assert.Equal(["a3"], second.Body.GetProperty("StreamNames").EnumerateArray().Select(e => e.GetString()));
        Assert.False(second.Body.GetProperty("HasMoreStreams").GetBoolean());
    }

    [Fact]
    public async Task ListShards_filters_and_pages_and_its_token_expires_after_300_seconds()
    {
        await server.CreateStreamAsync("listed", shards: 2);
        (await server.JsonAsync("SplitShard", new
        {
            StreamName = "listed", ShardToSplit = "shardId-000000000000", NewStartingHashKey = "85070591730234615865843651857942052864",
        })).AssertOk();

        var latest = await server.JsonAsync("ListShards", new { StreamName = "listed", ShardFilter = new { Type = "AT_LATEST" } });
        var all = await server.JsonAsync("ListShards", new { StreamName = "listed" });
        var page = await server.JsonAsync("ListShards", new { StreamName = "listed", MaxResults = 2 });

        Assert.Equal(
            ["shardId-000000000001", "shardId-000000000002", "shardId-000000000003"],
            latest.Body.GetProperty("Shards").EnumerateArray().Select(s => s.GetProperty("ShardId").GetString()));
        Assert.Equal(4, all.Body.GetProperty("Shards").GetArrayLength());
        var next = await server.JsonAsync("ListShards", new { NextToken = page.String("NextToken"), MaxResults = 5 });
        Assert.Equal(2, next.Body.GetProperty("Shards").GetArrayLength());

        server.Clock.Advance(TimeSpan.FromSeconds(301));
        (await server.JsonAsync("ListShards", new { NextToken = page.String("NextToken") })).AssertError("ExpiredNextTokenException");
    }

    [Fact]
    public async Task ListShards_timestamp_filters_list_the_shards_open_at_or_after_the_time()
    {
        var created = server.Clock.GetUtcNow();
        await server.CreateStreamAsync("dated", shards: 2);
        server.Clock.Advance(TimeSpan.FromHours(1));
        var split = server.Clock.GetUtcNow();
        (await server.JsonAsync("SplitShard", new
        {
            StreamName = "dated", ShardToSplit = "shardId-000000000000", NewStartingHashKey = "85070591730234615865843651857942052864",
        })).AssertOk();
        server.Clock.Advance(TimeSpan.FromHours(1));

        async Task<IEnumerable<string?>> Listed(string type, DateTimeOffset? at = null)
        {
            var answer = await server.JsonAsync("ListShards", new
            {
                StreamName = "dated",
                ShardFilter = at is { } time ? (object)new { Type = type, Timestamp = time.ToUnixTimeMilliseconds() / 1000.0 } : new { Type = type },
            });
            answer.AssertOk();
            return answer.Body.GetProperty("Shards").EnumerateArray().Select(s => s.GetProperty("ShardId").GetString()).ToList();
        }

        string[] before = ["shardId-000000000000", "shardId-000000000001"];
        string[] after = ["shardId-000000000001", "shardId-000000000002", "shardId-000000000003"];
        Assert.Equal(before, await Listed("AT_TIMESTAMP", created.AddMinutes(30)));
        Assert.Equal(after, await Listed("AT_TIMESTAMP", split.AddMinutes(30)));
        Assert.Equal(["shardId-000000000000", .. after], await Listed("FROM_TIMESTAMP", created.AddMinutes(30)));
        Assert.Equal(after, await Listed("FROM_TIMESTAMP", split.AddMinutes(1)));
        Assert.Equal(before, await Listed("AT_TRIM_HORIZON"));
        Assert.Equal(4, (await Listed("FROM_TRIM_HORIZON")).Count());

        // A day after the split, the trim horizon lies after it: only the children were open there.
        server.Clock.Advance(TimeSpan.FromHours(23));
        Assert.Equal(after, await Listed("AT_TRIM_HORIZON"));

        var page = await server.JsonAsync("ListShards", new
        {
            StreamName = "dated", MaxResults = 1, ShardFilter = new { Type = "AT_TIMESTAMP", Timestamp = split.AddMinutes(30).ToUnixTimeMilliseconds() / 1000.0 },
        });
        var rest = await server.JsonAsync("ListShards", new { NextToken = page.String("NextToken") });
        Assert.Equal(after[1..], rest.Body.GetProperty("Shards").EnumerateArray().Select(s => s.GetProperty("ShardId").GetString()));
    }

    [Fact]
    public async Task Retention_increases_and_decreases_only_in_its_direction()
    {
        await server.CreateStreamAsync("kept");

        (await server.JsonAsync("IncreaseStreamRetentionPeriod", new { StreamName = "kept", RetentionPeriodHours = 48 })).AssertOk();
        (await server.JsonAsync("IncreaseStreamRetentionPeriod", new { StreamName = "kept", RetentionPeriodHours = 36 })).AssertError("InvalidArgumentException");
        (await server.JsonAsync("DecreaseStreamRetentionPeriod", new { StreamName = "kept", RetentionPeriodHours = 12 })).AssertError("InvalidArgumentException");
        (await server.JsonAsync("DecreaseStreamRetentionPeriod", new { StreamName = "kept", RetentionPeriodHours = 24 })).AssertOk();

        var summary = await server.JsonAsync("DescribeStreamSummary", new { StreamName = "kept" });
        Assert.Equal(24, summary.Body.GetProperty("StreamDescriptionSummary").GetProperty("RetentionPeriodHours").GetInt32());
    }

    [Fact]
    public async Task Tags_are_added_listed_and_removed_by_name_and_by_ARN()
    {
        await server.CreateStreamAsync("tagged");

        (await server.JsonAsync("AddTagsToStream", new { StreamName = "tagged", Tags = new { team = "iot", env = "dev" } })).AssertOk();
        (await server.JsonAsync("TagResource", new { ResourceARN = KinesisTestServer.StreamArn("tagged"), Tags = new { owner = "ops" } })).AssertOk();
        (await server.JsonAsync("RemoveTagsFromStream", new { StreamName = "tagged", TagKeys = new[] { "env" } })).AssertOk();

        var byName = await server.JsonAsync("ListTagsForStream", new { StreamName = "tagged", Limit = 1 });
        var byArn = await server.JsonAsync("ListTagsForResource", new { ResourceARN = KinesisTestServer.StreamArn("tagged") });
        Assert.Equal("owner", byName.Body.GetProperty("Tags")[0].GetProperty("Key").GetString());
        Assert.True(byName.Body.GetProperty("HasMoreTags").GetBoolean());
        Assert.Equal(
            ["owner=ops", "team=iot"],
            byArn.Body.GetProperty("Tags").EnumerateArray().Select(t => t.GetProperty("Key").GetString() + "=" + t.GetProperty("Value").GetString()));
    }

    [Fact]
    public async Task UpdateShardCount_rescales_uniformly_within_double_and_half()
    {
        await server.CreateStreamAsync("scaled", shards: 2);

        var updated = await server.JsonAsync("UpdateShardCount", new { StreamName = "scaled", TargetShardCount = 4, ScalingType = "UNIFORM_SCALING" });
        updated.AssertOk();
        Assert.Equal(2, updated.Body.GetProperty("CurrentShardCount").GetInt32());
        var summary = await server.JsonAsync("DescribeStreamSummary", new { StreamName = "scaled" });
        Assert.Equal(4, summary.Body.GetProperty("StreamDescriptionSummary").GetProperty("OpenShardCount").GetInt32());
        (await server.JsonAsync("UpdateShardCount", new { StreamName = "scaled", TargetShardCount = 9, ScalingType = "UNIFORM_SCALING" }))
            .AssertError("LimitExceededException");
    }

    [Fact]
    public async Task Deleted_stream_is_gone_and_its_name_can_be_used_again()
    {
        await server.CreateStreamAsync("gone");

        (await server.JsonAsync("CreateStream", new { StreamName = "gone", ShardCount = 1 })).AssertError("ResourceInUseException");
        (await server.JsonAsync("DeleteStream", new { StreamName = "gone" })).AssertOk();
        (await server.JsonAsync("DescribeStream", new { StreamName = "gone" })).AssertError("ResourceNotFoundException");
        await server.CreateStreamAsync("gone");
    }
}
