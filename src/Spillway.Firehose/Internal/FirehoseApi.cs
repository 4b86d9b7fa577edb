using Spillway.Aws;
using Spillway.Aws.Protocols;
using Spillway.DeliveryStreams;
using Spillway.Storage;

namespace Spillway.Firehose.Internal;

/// <summary>
/// The Firehose API as one service of the AWS router: JSON 1.1 under <c>Firehose_20150804.</c>, its actions against the
/// delivery streams. The router reads, authenticates and parses each request; this runs the action and writes its answer.
/// </summary>
internal sealed partial class FirehoseApi : AwsService
{
    private const string DestinationId = "destinationId-000000000001";

    private readonly DeliveryStreamStore streams;
    private readonly AwsAccount account;
    private readonly Func<string, bool>? streamExists;
    private readonly IReadOnlyDictionary<string, string> tables;

    public FirehoseApi(DeliveryStreamStore streams, FirehoseApiSettings settings, IReadOnlyDictionary<string, string> tables)
        : base(Describe(settings))
    {
        this.streams = streams;
        account = settings.Account;
        streamExists = settings.StreamExists;
        this.tables = tables;
    }

    public override ValueTask HandleAsync(AwsCall call) => call.Action switch
    {
        "CreateDeliveryStream" => CreateAsync(call),
        "DeleteDeliveryStream" => DeleteAsync(call),
        "DescribeDeliveryStream" => DescribeAsync(call),
        "ListDeliveryStreams" => List(call),
        "UpdateDestination" => UpdateDestinationAsync(call),
        "PutRecord" => PutRecordAsync(call),
        "PutRecordBatch" => PutRecordBatchAsync(call),
        "TagDeliveryStream" => TagAsync(call),
        "UntagDeliveryStream" => UntagAsync(call),
        "ListTagsForDeliveryStream" => ListTags(call),
        var action => throw new AwsException(Description.Errors.InvalidAction, $"The action {action} is not valid for this endpoint."),
    };

    public override (AwsError Error, string Message)? Translate(Exception exception) => exception switch
    {
        DeliveryStreamExistsException exists => (FirehoseErrors.ResourceInUse, exists.Message.Replace("under account", "under account " + account.AccountId, StringComparison.Ordinal)),

        // The engine's validation; its message names the field.
        ArgumentException argument => (FirehoseErrors.InvalidArgument, argument.Message),
        ObjectDisposedException => (FirehoseErrors.ServiceUnavailable, "The delivery stream is closing; retry."),
        InvalidOperationException busy => (FirehoseErrors.ConcurrentModification, busy.Message),
        StorageFullException full => (FirehoseErrors.ServiceUnavailable, full.Message),
        StorageFaultedException faulted => (FirehoseErrors.ServiceUnavailable, faulted.Message),
        _ => null,
    };

    private static AwsServiceDescription Describe(FirehoseApiSettings settings) => new()
    {
        Name = "Firehose",
        SigningName = "firehose",
        TargetPrefix = "Firehose_20150804.",
        JsonVersion = "1.1",
        JsonTypePrefix = string.Empty,

        // PutRecordBatch of 4 MiB, base64 in JSON (4/3) with its member names, stays inside this.
        MaxRequestBytes = 8 * 1024 * 1024,
        Errors = AwsServiceErrors.Json,
        Credentials = settings.Credentials,
        RefusalReason = settings.RefusalReason,
        TimeProvider = settings.TimeProvider,
    };

    /// <summary>The stream a request names by <c>DeliveryStreamName</c>.</summary>
    private DeliveryStream Stream(AwsCall call)
    {
        var name = Name(call);
        return streams.TryGet(name, out var stream) ? stream : throw NotFound(name);
    }

    private static string Name(AwsCall call)
    {
        var name = call.Input.String("DeliveryStreamName")
            ?? throw FirehoseErrors.Shape("1 validation error detected: Value null at 'deliveryStreamName' failed to satisfy constraint: Member must not be null");
        return DeliveryLimits.IsValidName(name)
            ? name
            : throw FirehoseErrors.Shape(
                $"1 validation error detected: Value '{name}' at 'deliveryStreamName' failed to satisfy constraint: {DeliveryLimits.NameRule}");
    }

    private AwsException NotFound(string name) =>
        new(FirehoseErrors.ResourceNotFound, $"Firehose {name} under account {account.AccountId} not found.");

    private string StreamArn(string name) => account.Arn("firehose", "deliverystream/" + name).ToString();

    /// <summary>An integer parameter within Firehose's range for it, a ValidationException outside.</summary>
    private static int? Bounded(AwsInput input, string name, int min, int max)
    {
        var value = input.Long(name);
        return value switch
        {
            null => null,
            { } v when v >= min && v <= max => (int)v,
            { } v => throw FirehoseErrors.Shape(
                $"1 validation error detected: Value '{v}' at '{name}' failed to satisfy constraint: Member must be between {min} and {max}"),
        };
    }
}
