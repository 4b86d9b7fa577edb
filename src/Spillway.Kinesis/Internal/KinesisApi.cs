using System.Globalization;
using Spillway.Aws;
using Spillway.Messaging;
using Spillway.Messaging.Streams;
using Spillway.Storage;

namespace Spillway.Kinesis.Internal;

/// <summary>
/// The Kinesis Data Streams API as one service of the AWS router: JSON 1.1 and CBOR under <c>Kinesis_20131202.</c>, its
/// actions against the engine's streams. The router reads, authenticates and parses each request; this runs the action
/// and writes its answer (or, for SubscribeToShard, streams events).
/// </summary>
internal sealed partial class KinesisApi : AwsService
{
    private readonly StreamStore streams;
    private readonly AwsAccount account;
    private readonly TimeProvider time;
    private readonly ShardIterators iterators;

    public KinesisApi(QueueEngine engine, KinesisApiSettings settings)
        : base(Describe(settings))
    {
        streams = engine.Streams;
        account = settings.Account;
        time = settings.TimeProvider;
        iterators = new ShardIterators(time);
    }

    public override ValueTask HandleAsync(AwsCall call) => call.Action switch
    {
        "CreateStream" => CreateStreamAsync(call),
        "DeleteStream" => DeleteStreamAsync(call),
        "DescribeStream" => DescribeStream(call),
        "DescribeStreamSummary" => DescribeStreamSummary(call),
        "ListStreams" => ListStreams(call),
        "ListShards" => ListShards(call),
        "IncreaseStreamRetentionPeriod" => ChangeRetentionAsync(call, increase: true),
        "DecreaseStreamRetentionPeriod" => ChangeRetentionAsync(call, increase: false),
        "UpdateShardCount" => UpdateShardCountAsync(call),
        "SplitShard" => SplitShardAsync(call),
        "MergeShards" => MergeShardsAsync(call),
        "UpdateStreamMode" => UpdateStreamModeAsync(call),
        "AddTagsToStream" => AddTagsAsync(call, "Tags"),
        "TagResource" => AddTagsAsync(call, "Tags"),
        "RemoveTagsFromStream" => RemoveTagsAsync(call),
        "UntagResource" => RemoveTagsAsync(call),
        "ListTagsForStream" => ListTagsForStream(call),
        "ListTagsForResource" => ListTagsForResource(call),
        "PutRecord" => PutRecordAsync(call),
        "PutRecords" => PutRecordsAsync(call),
        "GetShardIterator" => GetShardIterator(call),
        "GetRecords" => GetRecords(call),
        "RegisterStreamConsumer" => RegisterConsumerAsync(call),
        "DescribeStreamConsumer" => DescribeConsumer(call),
        "ListStreamConsumers" => ListConsumers(call),
        "DeregisterStreamConsumer" => DeregisterConsumerAsync(call),
        "SubscribeToShard" => SubscribeToShardAsync(call),
        var action => throw new AwsException(Description.Errors.InvalidAction, $"The action {action} is not valid for this endpoint."),
    };

    public override (AwsError Error, string Message)? Translate(Exception exception) => exception switch
    {
        StreamNotFoundException notFound => (KinesisErrors.ResourceNotFound, notFound.Message),
        StreamInUseException inUse => (KinesisErrors.ResourceInUse, inUse.Message),
        StreamLimitExceededException limit => (KinesisErrors.LimitExceeded, limit.Message),
        StreamThroughputExceededException throttled => (KinesisErrors.ThroughputExceeded, throttled.Message),

        // The engine's validation; its message names the field.
        ArgumentException argument => (KinesisErrors.InvalidArgument, argument.Message),
        StorageFullException full => (Description.Errors.ServiceUnavailable, full.Message),
        StorageFaultedException faulted => (Description.Errors.ServiceUnavailable, faulted.Message),
        _ => null,
    };

    private static AwsServiceDescription Describe(KinesisApiSettings settings) => new()
    {
        Name = "Kinesis",
        SigningName = "kinesis",
        TargetPrefix = "Kinesis_20131202.",
        JsonVersion = "1.1",
        AcceptsCbor = true,

        // Kinesis names its errors without a namespace ("ResourceNotFoundException"); the SDKs read either spelling.
        JsonTypePrefix = string.Empty,

        // PutRecords of 500 records and 5 MiB, base64 in JSON (4/3) with its member names, stays inside this.
        MaxRequestBytes = 8 * 1024 * 1024,
        Errors = AwsServiceErrors.Json,
        Credentials = settings.Credentials,
        RefusalReason = settings.RefusalReason,
        TimeProvider = settings.TimeProvider,
    };

    /// <summary>The stream a request names by <c>StreamName</c> or <c>StreamARN</c> (both: they must agree).</summary>
    private DataStream Stream(AwsCall call)
    {
        var name = StreamName(call.Input.String("StreamName"), call.Input.String("StreamARN"));
        return streams.TryGet(name, out var stream) ? stream : throw NotFound(name);
    }

    private string StreamName(string? name, string? arn)
    {
        if (name is not null)
        {
            CheckName(name, "StreamName");
        }

        if (arn is null)
        {
            return name ?? throw KinesisErrors.Invalid("Either StreamName or StreamARN must be provided.");
        }

        var fromArn = NameOfArn(arn, "StreamARN");
        return name is null || name == fromArn
            ? fromArn
            : throw KinesisErrors.Invalid($"StreamName {name} and StreamARN {arn} name different streams.");
    }

    /// <summary>The stream of an ARN of this account and region: <c>arn:aws:kinesis:region:account:stream/name</c>.</summary>
    private string NameOfArn(string text, string parameter)
    {
        if (!Arn.TryParse(text, out var arn) || arn.Service != "kinesis" || !arn.Resource.StartsWith("stream/", StringComparison.Ordinal))
        {
            throw KinesisErrors.Shape($"1 validation error detected: Value '{text}' at '{parameter}' is not a Kinesis stream ARN.");
        }

        var rest = arn.Resource["stream/".Length..];
        var name = rest.Split('/')[0];
        CheckName(name, parameter);
        return arn.AccountId == account.AccountId && arn.Region == account.Region ? name : throw NotFound(name);
    }

    private static void CheckName(string name, string parameter)
    {
        if (!StreamLimits.IsValidName(name))
        {
            throw KinesisErrors.Shape(
                $"1 validation error detected: Value '{name}' at '{parameter}' failed to satisfy constraint: {StreamLimits.NameRule}.");
        }
    }

    private AwsException NotFound(string name) =>
        new(KinesisErrors.ResourceNotFound, $"Stream {name} under account {account.AccountId} not found.");

    private string StreamArn(string name) => account.Arn("kinesis", "stream/" + name).ToString();

    private string ConsumerArn(DataStream stream, RegisteredConsumer consumer) => consumer.Arn
        ?? $"{StreamArn(stream.Name)}/consumer/{consumer.Name}:{consumer.CreatedAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)}";

    /// <summary>An integer parameter within Kinesis's range for it, a ValidationException (a shape error) outside.</summary>
    private static int? Bounded(AwsCall call, string name, int min, int max)
    {
        var value = call.Input.Long(name);
        return value switch
        {
            null => null,
            { } v when v >= min && v <= max => (int)v,
            { } v => throw KinesisErrors.Shape(
                $"1 validation error detected: Value '{v}' at '{name}' failed to satisfy constraint: Member must be between {min} and {max}."),
        };
    }

    private static string Required(AwsCall call, string name) => call.Input.String(name) is { Length: > 0 } value
        ? value
        : throw KinesisErrors.Shape($"1 validation error detected: Value null at '{name}' failed to satisfy constraint: Member must not be null.");
}
