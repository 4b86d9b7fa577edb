using System.Globalization;
using System.Text.RegularExpressions;
using Spillway.Aws;
using Spillway.Messaging.Streams;

namespace Spillway.Kinesis.Internal;

/// <summary>Splitting, merging and uniformly rescaling a stream's shards.</summary>
internal sealed partial class KinesisApi
{
    private async ValueTask UpdateShardCountAsync(AwsCall call)
    {
        var stream = Stream(call);
        var target = Bounded(call, "TargetShardCount", 1, 100_000)
            ?? throw KinesisErrors.Shape("1 validation error detected: Value null at 'targetShardCount' failed to satisfy constraint: Member must not be null.");
        if (Required(call, "ScalingType") != "UNIFORM_SCALING")
        {
            throw KinesisErrors.Shape("1 validation error detected: ScalingType must be UNIFORM_SCALING.");
        }

        if (stream.Definition.Mode == StreamMode.OnDemand)
        {
            throw new AwsException(KinesisErrors.Validation, $"Stream {stream.Name} is ON_DEMAND: its shards are not updated by UpdateShardCount.");
        }

        var current = stream.Shards.Count(s => s.IsOpen);
        if (target > current * 2 || target * 2 < current)
        {
            throw new AwsException(
                KinesisErrors.LimitExceeded,
                $"UpdateShardCount may at most double or halve the open shards of stream {stream.Name} ({current}), not go to {target}.");
        }

        await stream.UpdateShardCountAsync(target, call.Aborted).ConfigureAwait(false);
        var r = call.Response;
        r.Begin(call.Action);
        r.String("StreamName", stream.Name);
        r.String("StreamARN", StreamArn(stream.Name));
        r.Number("CurrentShardCount", current);
        r.Number("TargetShardCount", target);
        r.End(call.Action, call.RequestId);
    }

    private async ValueTask SplitShardAsync(AwsCall call)
    {
        var stream = Stream(call);
        var shard = Required(call, "ShardToSplit");
        var key = HashKey(Required(call, "NewStartingHashKey"), "NewStartingHashKey");
        await stream.SplitShardAsync(shard, key, call.Aborted).ConfigureAwait(false);
        call.Response.Empty(call.Action, call.RequestId);
    }

    private async ValueTask MergeShardsAsync(AwsCall call)
    {
        var stream = Stream(call);
        await stream.MergeShardsAsync(Required(call, "ShardToMerge"), Required(call, "AdjacentShardToMerge"), call.Aborted).ConfigureAwait(false);
        call.Response.Empty(call.Action, call.RequestId);
    }

    /// <summary>A hash key as Kinesis spells it: a decimal 0 to 2^128-1 without leading zeros.</summary>
    private static UInt128 HashKey(string text, string parameter) =>
        HashKeyPattern().IsMatch(text) && UInt128.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var key)
            ? key
            : throw KinesisErrors.Shape(
                $"1 validation error detected: Value '{text}' at '{parameter}' failed to satisfy constraint: "
                + "Member must be a decimal from 0 to 340282366920938463463374607431768211455.");

    [GeneratedRegex(@"^(0|[1-9]\d{0,38})$", RegexOptions.CultureInvariant)]
    private static partial Regex HashKeyPattern();
}
