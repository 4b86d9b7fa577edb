using Microsoft.AspNetCore.Http;
using Spillway.Aws;
using Spillway.Aws.Protocols;
using Spillway.Messaging;
using Spillway.Storage;

namespace Spillway.Sqs.Internal;

/// <summary>
/// The SQS API as one service of the AWS router: its protocols and names, and its actions against the queue engine. The
/// router reads, authenticates and parses each request; this runs the action and writes its answer.
/// </summary>
internal sealed partial class SqsApi : AwsService
{
    private const string XmlNamespace = "http://queue.amazonaws.com/doc/2012-11-05/";

    private static readonly string[] Actions =
    [
        "SendMessage", "SendMessageBatch", "ReceiveMessage", "DeleteMessage", "DeleteMessageBatch", "ChangeMessageVisibility",
        "ChangeMessageVisibilityBatch", "CreateQueue", "DeleteQueue", "GetQueueUrl", "ListQueues", "GetQueueAttributes",
        "SetQueueAttributes", "PurgeQueue", "TagQueue", "UntagQueue", "ListQueueTags", "ListDeadLetterSourceQueues", "AddPermission",
        "RemovePermission", "StartMessageMoveTask", "ListMessageMoveTasks", "CancelMessageMoveTask",
    ];

    private readonly QueueEngine engine;
    private readonly SqsNames names;
    private readonly QueueMetadataStore metadata;
    private readonly IReadOnlyDictionary<string, string> configuredQueues;
    private readonly Func<string, IMessageBodyRule?> bodyRules;
    private readonly TimeProvider time;
    private readonly Dictionary<string, long> lastPurge = new(StringComparer.Ordinal);

    public SqsApi(QueueEngine engine, SqsOptions options, SqsApiSettings settings)
        : base(Describe(options, settings))
    {
        this.engine = engine;
        time = settings.TimeProvider;
        names = new SqsNames(new AwsAccount { AccountId = options.AccountId, Region = options.Region });
        configuredQueues = settings.ConfiguredQueues;
        bodyRules = settings.BodyRules;
        metadata = new QueueMetadataStore(settings.StateDirectory, time);
    }

    /// <summary>Queue URLs: <c>/&lt;account&gt;/&lt;queue&gt;</c>, whatever the account.</summary>
    public override bool ClaimsPath(PathString path) => SqsNames.IsQueuePath(path.Value);

    public override ValueTask HandleAsync(AwsCall call) => call.Action switch
    {
        "SendMessage" => SendMessageAsync(call),
        "SendMessageBatch" => SendMessageBatchAsync(call),
        "ReceiveMessage" => ReceiveMessageAsync(call),
        "DeleteMessage" => DeleteMessageAsync(call),
        "DeleteMessageBatch" => DeleteMessageBatchAsync(call),
        "ChangeMessageVisibility" => ChangeMessageVisibility(call),
        "ChangeMessageVisibilityBatch" => ChangeMessageVisibilityBatch(call),
        "CreateQueue" => CreateQueueAsync(call),
        "DeleteQueue" => DeleteQueueAsync(call),
        "GetQueueUrl" => GetQueueUrl(call),
        "ListQueues" => ListQueues(call),
        "GetQueueAttributes" => GetQueueAttributes(call),
        "SetQueueAttributes" => SetQueueAttributesAsync(call),
        "PurgeQueue" => PurgeQueueAsync(call),
        "TagQueue" => TagQueueAsync(call),
        "UntagQueue" => UntagQueueAsync(call),
        "ListQueueTags" => ListQueueTags(call),
        "ListDeadLetterSourceQueues" => ListDeadLetterSourceQueues(call),
        "AddPermission" => AddPermission(call),
        "RemovePermission" => RemovePermission(call),
        "StartMessageMoveTask" => StartMessageMoveTaskAsync(call),
        "ListMessageMoveTasks" => ListMessageMoveTasks(call),
        "CancelMessageMoveTask" => CancelMessageMoveTaskAsync(call),
        var action => throw new AwsException(SqsError.InvalidAction, $"The action {action} is not valid for this endpoint."),
    };

    public override (AwsError Error, string Message)? Translate(Exception exception) => exception switch
    {
        // The engine's own validation (SQS's ranges); its message names the field.
        ArgumentException argument => (SqsError.InvalidParameterValue, argument.Message),

        // The FIFO send quota (FifoThroughputLimit's scope); clients back off and retry on this code.
        QueueThrottledException throttled => (SqsError.RequestThrottled, throttled.Message),
        StorageFullException full => (SqsError.ServiceUnavailable, full.Message),
        StorageFaultedException faulted => (SqsError.ServiceUnavailable, faulted.Message),
        _ => null,
    };

    private static AwsServiceDescription Describe(SqsOptions options, SqsApiSettings settings) => new()
    {
        Name = "SQS",
        SigningName = "sqs",
        TargetPrefix = "AmazonSQS.",
        JsonVersion = "1.0",
        QueryVersion = "2012-11-05",
        XmlNamespace = XmlNamespace,
        QueryActions = new HashSet<string>(Actions, StringComparer.Ordinal),
        JsonTypePrefix = "com.amazonaws.sqs#",
        QueryCompatibleErrors = true,
        RouteTemplates = ["/{account}/{queue}"],

        // A batch of ten 1 MiB messages, percent-encoded by the query protocol, stays well inside this.
        MaxRequestBytes = 16 * 1024 * 1024,
        Errors = SqsError.Common,
        Credentials = options.HasCredentials
            ? Aws.Signing.SigningCredentials.Create([new(options.AccessKeyId!, options.SecretAccessKey!)])
            : Aws.Signing.SigningCredentials.None,
        RefusalReason = settings.RefusalReason,
        TimeProvider = settings.TimeProvider,
    };

    private MessageQueue Queue(AwsCall call)
    {
        var url = call.Input.String("QueueUrl");
        string name;
        if (!string.IsNullOrEmpty(url))
        {
            name = SqsNames.NameOfUrl(url);
        }
        else
        {
            var path = call.Context.Request.Path.Value;
            name = SqsNames.IsQueuePath(path) ? SqsNames.NameOfUrl(path!) : throw SqsError.Missing("QueueUrl");
        }

        return engine.TryGetQueue(name, out var queue) ? queue : throw SqsError.NoQueue();
    }

    /// <summary>The URL prefix of queue URLs for this request (its scheme and Host, then the account).</summary>
    private string UrlBase(AwsCall call) => names.UrlBase(call.Context.Request);
}
