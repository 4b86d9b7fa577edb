using System.Globalization;
using Spillway.Aws;
using Spillway.Aws.Protocols;
using Spillway.Messaging.Streams;

namespace Spillway.Kinesis.Internal;

/// <summary>Creating, describing, listing and deleting streams, and their retention, mode and tags.</summary>
internal sealed partial class KinesisApi
{
    private async ValueTask CreateStreamAsync(AwsCall call)
    {
        var name = Required(call, "StreamName");
        CheckName(name, "StreamName");
        var mode = Mode(call.Input.Structure("StreamModeDetails")) ?? StreamMode.Provisioned;
        var shards = Bounded(call, "ShardCount", 1, 100_000);
        if (mode == StreamMode.Provisioned && shards is null)
        {
            throw KinesisErrors.Invalid("ShardCount is required for a PROVISIONED stream.");
        }

        if (shards > StreamLimits.MaxShards)
        {
            throw new AwsException(
                KinesisErrors.LimitExceeded, $"This request would exceed the shard limit for the account: at most {StreamLimits.MaxShards} shards.");
        }

        var tags = Tags(call.Input, "Tags");
        var stream = await streams.CreateAsync(
            new StreamDefinition { Name = name, ShardCount = mode == StreamMode.OnDemand ? StreamLimits.OnDemandInitialShards : shards!.Value, Mode = mode },
            call.Aborted).ConfigureAwait(false);
        if (tags.Count > 0)
        {
            await stream.SetTagsAsync(tags, [], call.Aborted).ConfigureAwait(false);
        }

        call.Response.Empty(call.Action, call.RequestId);
    }

    private async ValueTask DeleteStreamAsync(AwsCall call)
    {
        var stream = Stream(call);
        if (call.Input.Bool("EnforceConsumerDeletion") != true && stream.Consumers.Count > 0)
        {
            throw new AwsException(
                KinesisErrors.ResourceInUse,
                $"Stream {stream.Name} has {stream.Consumers.Count} registered consumers; deregister them or set EnforceConsumerDeletion.");
        }

        if (!await streams.DeleteAsync(stream.Name, call.Aborted).ConfigureAwait(false))
        {
            throw NotFound(stream.Name);
        }

        call.Response.Empty(call.Action, call.RequestId);
    }

    private ValueTask DescribeStream(AwsCall call)
    {
        var stream = Stream(call);
        var limit = Bounded(call, "Limit", 1, 10_000) ?? 100;
        var after = call.Input.String("ExclusiveStartShardId");
        var shards = stream.Shards.Where(s => after is null || string.CompareOrdinal(s.ShardId, after) > 0).ToList();
        var r = call.Response;
        r.Begin(call.Action);
        r.BeginStructure("StreamDescription");
        WriteStreamHeader(r, stream);
        r.BeginList("Shards");
        foreach (var shard in shards.Take(limit))
        {
            WriteShard(r, shard);
        }

        r.EndList();
        r.Bool("HasMoreShards", shards.Count > limit);
        r.Number("RetentionPeriodHours", (long)stream.Definition.Retention.TotalHours);
        WriteMonitoring(r);
        r.EndStructure("StreamDescription");
        r.End(call.Action, call.RequestId);
        return ValueTask.CompletedTask;
    }

    private ValueTask DescribeStreamSummary(AwsCall call)
    {
        var stream = Stream(call);
        var r = call.Response;
        r.Begin(call.Action);
        r.BeginStructure("StreamDescriptionSummary");
        WriteStreamHeader(r, stream);
        r.Number("RetentionPeriodHours", (long)stream.Definition.Retention.TotalHours);
        WriteMonitoring(r);
        r.Number("OpenShardCount", stream.Shards.Count(s => s.IsOpen));
        r.Number("ConsumerCount", stream.Consumers.Count);
        r.EndStructure("StreamDescriptionSummary");
        r.End(call.Action, call.RequestId);
        return ValueTask.CompletedTask;
    }

    private ValueTask ListStreams(AwsCall call)
    {
        var limit = Bounded(call, "Limit", 1, 10_000) ?? 100;
        var after = call.Input.String("ExclusiveStartStreamName");
        if (call.Input.String("NextToken") is { } token)
        {
            after = ListToken.Read(token, "streams", time).After;
        }

        var all = streams.List().Where(s => after is null || string.CompareOrdinal(s.Name, after) > 0).ToList();
        var page = all.Take(limit).ToList();
        var r = call.Response;
        r.Begin(call.Action);
        r.BeginList("StreamNames");
        foreach (var stream in page)
        {
            r.ListString("member", stream.Name);
        }

        r.EndList();
        r.Bool("HasMoreStreams", all.Count > limit);
        if (all.Count > limit)
        {
            r.String("NextToken", ListToken.Issue("streams", page[^1].Name, time));
        }

        r.BeginList("StreamSummaries");
        foreach (var stream in page)
        {
            r.BeginItem("member");
            r.String("StreamName", stream.Name);
            r.String("StreamARN", StreamArn(stream.Name));
            r.String("StreamStatus", Status(stream.Status));
            WriteMode(r, stream);
            r.Timestamp("StreamCreationTimestamp", stream.CreatedAt);
            r.EndItem("member");
        }

        r.EndList();
        r.End(call.Action, call.RequestId);
        return ValueTask.CompletedTask;
    }

    private const char TimestampSeparator = '@';

    private ValueTask ListShards(AwsCall call)
    {
        var input = call.Input;
        var limit = Bounded(call, "MaxResults", 1, 10_000) ?? 1000;
        string name;
        string? after;
        string filter;
        if (input.String("NextToken") is { } token)
        {
            if (input.String("StreamName") is not null || input.String("StreamARN") is not null || input.String("ExclusiveStartShardId") is not null)
            {
                throw KinesisErrors.Invalid("NextToken cannot be combined with StreamName, StreamARN or ExclusiveStartShardId.");
            }

            var read = ListToken.Read(token, "shards", time);
            (name, after, filter) = (read.Scope, read.After, read.Filter);
        }
        else
        {
            name = StreamName(input.String("StreamName"), input.String("StreamARN"));
            after = input.String("ExclusiveStartShardId");
            filter = "FROM_TRIM_HORIZON";
            if (input.Structure("ShardFilter") is { } shardFilter)
            {
                filter = shardFilter.String("Type") ?? throw KinesisErrors.Shape("ShardFilter must name its Type.");
                switch (filter)
                {
                    case "AFTER_SHARD_ID":
                        after = shardFilter.String("ShardId") ?? throw KinesisErrors.Invalid("An AFTER_SHARD_ID filter needs a ShardId.");
                        break;
                    case "AT_TRIM_HORIZON" or "FROM_TRIM_HORIZON" or "AT_LATEST":
                        break;
                    case "AT_TIMESTAMP" or "FROM_TIMESTAMP":
                        var at = shardFilter.Timestamp("Timestamp") ?? throw KinesisErrors.Invalid($"A {filter} filter needs a Timestamp.");
                        filter += TimestampSeparator + at.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
                        break;
                    default:
                        throw KinesisErrors.Shape($"1 validation error detected: Value '{filter}' at 'shardFilter.type' is not a shard filter type.");
                }
            }
        }

        var stream = streams.TryGet(name, out var found) ? found : throw NotFound(name);
        var shards = FilteredShards(stream, filter)
            .Where(s => after is null || string.CompareOrdinal(s.ShardId, after) > 0)
            .ToList();
        var r = call.Response;
        r.Begin(call.Action);
        r.BeginList("Shards");
        foreach (var shard in shards.Take(limit))
        {
            WriteShard(r, shard);
        }

        r.EndList();
        if (shards.Count > limit)
        {
            r.String("NextToken", ListToken.Issue("shards", shards[limit - 1].ShardId, time, stream.Name, filter));
        }

        r.End(call.Action, call.RequestId);
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// The shards a ListShards filter names, as Kinesis has them: AT_LATEST the open ones; AT_TRIM_HORIZON those open at the
    /// trim horizon; AT_TIMESTAMP those open at the time; FROM_TIMESTAMP those open at the time (at the trim horizon when it
    /// is older) or later; FROM_TRIM_HORIZON and AFTER_SHARD_ID every shard kept. A timestamp rides in the filter, after
    /// <see cref="TimestampSeparator"/>, so a NextToken keeps it.
    /// </summary>
    private static IEnumerable<ShardDescription> FilteredShards(DataStream stream, string filter)
    {
        var parts = filter.Split(TimestampSeparator);
        var at = parts.Length == 2 && long.TryParse(parts[1], CultureInfo.InvariantCulture, out var ms)
            ? DateTimeOffset.FromUnixTimeMilliseconds(ms)
            : (DateTimeOffset?)null;
        return (parts[0], at) switch
        {
            ("AT_LATEST", _) => stream.Shards.Where(s => s.IsOpen),
            ("AT_TRIM_HORIZON", _) => stream.ShardsOpenBetween(stream.TrimHorizon, stream.TrimHorizon),
            ("AT_TIMESTAMP", { } time) => stream.ShardsOpenBetween(time, time),
            ("FROM_TIMESTAMP", { } time) => stream.ShardsOpenBetween(time > stream.TrimHorizon ? time : stream.TrimHorizon, DateTimeOffset.MaxValue),
            ("AT_TIMESTAMP" or "FROM_TIMESTAMP", null) => throw KinesisErrors.Invalid("Invalid NextToken."),
            _ => stream.Shards,
        };
    }

    private async ValueTask ChangeRetentionAsync(AwsCall call, bool increase)
    {
        var stream = Stream(call);
        var hours = call.Input.Long("RetentionPeriodHours")
            ?? throw KinesisErrors.Shape("1 validation error detected: Value null at 'retentionPeriodHours' failed to satisfy constraint: Member must not be null.");
        var current = (long)stream.Definition.Retention.TotalHours;
        if (hours is < StreamLimits.MinRetentionHours or > StreamLimits.MaxRetentionHours)
        {
            throw KinesisErrors.Invalid(
                $"Minimum allowed retention period is {StreamLimits.MinRetentionHours} hours and maximum is {StreamLimits.MaxRetentionHours} hours; "
                + $"{hours} was requested.");
        }

        if (increase ? hours < current : hours > current)
        {
            throw KinesisErrors.Invalid(
                $"Requested retention period ({hours} hours) for stream {stream.Name} can not be {(increase ? "shorter" : "longer")} than "
                + $"the existing retention period ({current} hours). Use {(increase ? "DecreaseStreamRetentionPeriod" : "IncreaseStreamRetentionPeriod")} API.");
        }

        await stream.SetRetentionAsync(TimeSpan.FromHours(hours), call.Aborted).ConfigureAwait(false);
        call.Response.Empty(call.Action, call.RequestId);
    }

    private async ValueTask UpdateStreamModeAsync(AwsCall call)
    {
        var name = NameOfArn(Required(call, "StreamARN"), "StreamARN");
        var stream = streams.TryGet(name, out var found) ? found : throw NotFound(name);
        var mode = Mode(call.Input.Structure("StreamModeDetails"))
            ?? throw KinesisErrors.Shape("1 validation error detected: Value null at 'streamModeDetails' failed to satisfy constraint: Member must not be null.");
        await stream.SetModeAsync(mode, call.Aborted).ConfigureAwait(false);
        call.Response.Empty(call.Action, call.RequestId);
    }

    private async ValueTask AddTagsAsync(AwsCall call, string member)
    {
        var stream = call.Action == "TagResource" ? ResourceStream(call) : Stream(call);
        var tags = Tags(call.Input, member);
        if (tags.Count == 0)
        {
            throw KinesisErrors.Shape("1 validation error detected: Tags must hold 1 to 50 tags.");
        }

        await stream.SetTagsAsync(tags, [], call.Aborted).ConfigureAwait(false);
        call.Response.Empty(call.Action, call.RequestId);
    }

    private async ValueTask RemoveTagsAsync(AwsCall call)
    {
        var stream = call.Action == "UntagResource" ? ResourceStream(call) : Stream(call);
        var keys = call.Input.List("TagKeys", "TagKeys") is { Count: > 0 } list
            ? list
            : throw KinesisErrors.Shape("1 validation error detected: TagKeys must hold 1 to 50 keys.");
        await stream.SetTagsAsync(new Dictionary<string, string>(), keys, call.Aborted).ConfigureAwait(false);
        call.Response.Empty(call.Action, call.RequestId);
    }

    private ValueTask ListTagsForStream(AwsCall call)
    {
        var stream = Stream(call);
        var limit = Bounded(call, "Limit", 1, 50) ?? 50;
        var after = call.Input.String("ExclusiveStartTagKey");
        var tags = stream.Tags.Where(t => after is null || string.CompareOrdinal(t.Key, after) > 0).OrderBy(t => t.Key, StringComparer.Ordinal).ToList();
        var r = call.Response;
        r.Begin(call.Action);
        WriteTags(r, tags.Take(limit));
        r.Bool("HasMoreTags", tags.Count > limit);
        r.End(call.Action, call.RequestId);
        return ValueTask.CompletedTask;
    }

    private ValueTask ListTagsForResource(AwsCall call)
    {
        var stream = ResourceStream(call);
        var r = call.Response;
        r.Begin(call.Action);
        WriteTags(r, stream.Tags.OrderBy(t => t.Key, StringComparer.Ordinal));
        r.End(call.Action, call.RequestId);
        return ValueTask.CompletedTask;
    }

    /// <summary>The stream a tagging call names by <c>ResourceARN</c> (Spillway tags streams, not consumers).</summary>
    private DataStream ResourceStream(AwsCall call)
    {
        var name = NameOfArn(Required(call, "ResourceARN"), "ResourceARN");
        return streams.TryGet(name, out var stream) ? stream : throw NotFound(name);
    }

    private static Dictionary<string, string> Tags(AwsInput input, string member)
    {
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in input.Map(member, "Key", "Value", member) ?? [])
        {
            tags[key] = value;
        }

        return tags;
    }

    private static StreamMode? Mode(AwsInput? details) => details?.String("StreamMode") switch
    {
        null when details is null => null,
        "PROVISIONED" => StreamMode.Provisioned,
        "ON_DEMAND" => StreamMode.OnDemand,
        var other => throw KinesisErrors.Shape(
            $"1 validation error detected: Value '{other}' at 'streamModeDetails.streamMode' failed to satisfy constraint: "
            + "Member must satisfy enum value set: [ON_DEMAND, PROVISIONED]"),
    };

    private void WriteStreamHeader(AwsResponse r, DataStream stream)
    {
        r.String("StreamName", stream.Name);
        r.String("StreamARN", StreamArn(stream.Name));
        r.String("StreamStatus", Status(stream.Status));
        WriteMode(r, stream);
        r.Timestamp("StreamCreationTimestamp", stream.CreatedAt);
        r.String("EncryptionType", "NONE");
    }

    private static void WriteMode(AwsResponse r, DataStream stream)
    {
        r.BeginStructure("StreamModeDetails");
        r.String("StreamMode", stream.Definition.Mode == StreamMode.OnDemand ? "ON_DEMAND" : "PROVISIONED");
        r.EndStructure("StreamModeDetails");
    }

    private static void WriteMonitoring(AwsResponse r)
    {
        r.BeginList("EnhancedMonitoring");
        r.BeginItem("member");
        r.BeginList("ShardLevelMetrics");
        r.EndList();
        r.EndItem("member");
        r.EndList();
    }

    private static void WriteShard(AwsResponse r, ShardDescription shard)
    {
        r.BeginItem("member");
        r.String("ShardId", shard.ShardId);
        r.String("ParentShardId", shard.ParentShardId);
        r.String("AdjacentParentShardId", shard.AdjacentParentShardId);
        r.BeginStructure("HashKeyRange");
        r.String("StartingHashKey", shard.StartingHashKey.ToString(CultureInfo.InvariantCulture));
        r.String("EndingHashKey", shard.EndingHashKey.ToString(CultureInfo.InvariantCulture));
        r.EndStructure("HashKeyRange");
        r.BeginStructure("SequenceNumberRange");
        r.String("StartingSequenceNumber", shard.StartingSequenceNumber);
        r.String("EndingSequenceNumber", shard.EndingSequenceNumber);
        r.EndStructure("SequenceNumberRange");
        r.EndItem("member");
    }

    private static void WriteTags(AwsResponse r, IEnumerable<KeyValuePair<string, string>> tags)
    {
        r.BeginList("Tags");
        foreach (var (key, value) in tags)
        {
            r.BeginItem("member");
            r.String("Key", key);
            r.String("Value", value);
            r.EndItem("member");
        }

        r.EndList();
    }

    private static string Status(StreamStatus status) => status switch
    {
        StreamStatus.Creating => "CREATING",
        StreamStatus.Updating => "UPDATING",
        StreamStatus.Deleting => "DELETING",
        _ => "ACTIVE",
    };
}
