using System.Text;
using Spillway.Aws;
using Spillway.Messaging;
using Spillway.Messaging.Topics;
using Spillway.Storage;

namespace Spillway.Sns.Internal;

/// <summary>
/// The SNS API as one service of the AWS router: the query protocol (<c>Version=2010-03-31</c>, XML answers with lists
/// wrapped in <c>member</c> items), its actions against the engine's topics. The router reads, authenticates and parses
/// each request; this runs the action and writes its answer.
/// </summary>
internal sealed partial class SnsApi : AwsService
{
    public const string XmlNamespace = "http://sns.amazonaws.com/doc/2010-03-31/";

    private static readonly string[] Actions =
    [
        "CreateTopic", "DeleteTopic", "ListTopics", "GetTopicAttributes", "SetTopicAttributes", "Subscribe", "ConfirmSubscription",
        "Unsubscribe", "ListSubscriptions", "ListSubscriptionsByTopic", "GetSubscriptionAttributes", "SetSubscriptionAttributes",
        "Publish", "PublishBatch", "TagResource", "UntagResource", "ListTagsForResource",
    ];

    private readonly QueueEngine engine;
    private readonly TopicStore topics;
    private readonly AwsAccount account;
    private readonly SnsNotifications notifications;

    public SnsApi(QueueEngine engine, SnsApiSettings settings)
        : base(Describe(settings))
    {
        this.engine = engine;
        topics = engine.Topics;
        account = settings.Account;
        notifications = settings.Notifications;
    }

    public override ValueTask HandleAsync(AwsCall call) => call.Action switch
    {
        "CreateTopic" => CreateTopicAsync(call),
        "DeleteTopic" => DeleteTopicAsync(call),
        "ListTopics" => ListTopics(call),
        "GetTopicAttributes" => GetTopicAttributes(call),
        "SetTopicAttributes" => SetTopicAttributesAsync(call),
        "Subscribe" => SubscribeAsync(call),
        "ConfirmSubscription" => ConfirmSubscriptionAsync(call),
        "Unsubscribe" => UnsubscribeAsync(call),
        "ListSubscriptions" => ListSubscriptions(call),
        "ListSubscriptionsByTopic" => ListSubscriptionsByTopic(call),
        "GetSubscriptionAttributes" => GetSubscriptionAttributes(call),
        "SetSubscriptionAttributes" => SetSubscriptionAttributesAsync(call),
        "Publish" => PublishAsync(call),
        "PublishBatch" => PublishBatchAsync(call),
        "TagResource" => TagResourceAsync(call),
        "UntagResource" => UntagResourceAsync(call),
        "ListTagsForResource" => ListTagsForResource(call),
        var action => throw new AwsException(Description.Errors.InvalidAction, $"The action {action} is not valid for this endpoint."),
    };

    public override (AwsError Error, string Message)? Translate(Exception exception) => exception switch
    {
        TopicNotFoundException notFound => (SnsErrors.NotFound, notFound.Message),

        // The filter engine's refusals carry SNS's own text ("Invalid parameter: FilterPolicy: …").
        Messaging.Topics.Filtering.InvalidFilterPolicyException invalid => (SnsErrors.InvalidParameter, invalid.Message),

        // The engine's validation; its message says what is wrong.
        ArgumentException argument => (SnsErrors.InvalidParameter, "Invalid parameter: " + WithoutParameterName(argument)),
        StorageFullException full => (Description.Errors.ServiceUnavailable, full.Message),
        StorageFaultedException faulted => (Description.Errors.ServiceUnavailable, faulted.Message),
        _ => null,
    };

    private static AwsServiceDescription Describe(SnsApiSettings settings) => new()
    {
        Name = "SNS",
        SigningName = "sns",
        QueryVersion = "2010-03-31",
        XmlNamespace = XmlNamespace,
        QueryActions = new HashSet<string>(Actions, StringComparer.Ordinal),

        // The SubscribeURL an endpoint receives is a plain GET with the token, as SNS's is.
        UnsignedActions = new HashSet<string>(["ConfirmSubscription"], StringComparer.Ordinal),

        // A PublishBatch of 256 KiB, percent-encoded (up to three bytes for one), with its parameter names, fits; so does a
        // message over the limit, which gets SNS's own InvalidParameter rather than a refused body.
        MaxRequestBytes = 4 * 1024 * 1024,
        Errors = AwsServiceErrors.Query,
        Credentials = settings.Credentials,
        RefusalReason = settings.RefusalReason,
        TimeProvider = settings.TimeProvider,
    };

    /// <summary>The topic a request names by <paramref name="parameter"/>; InvalidParameter for an ARN that is not a
    /// topic's, NotFound for a topic that does not exist.</summary>
    private Topic TopicOf(AwsCall call, string parameter = "TopicArn")
    {
        var text = call.Input.String(parameter);
        var name = SnsArns.TopicName(account, text) ?? throw SnsErrors.Invalid(parameter);
        return topics.TryGet(name, out var topic) ? topic : throw SnsErrors.TopicNotFound();
    }

    private string TopicArn(string name) => SnsArns.Topic(account, name);

    /// <summary>"true" or "false" in any case, as SNS reads its boolean attributes.</summary>
    private static bool BooleanAttribute(string name, string value) =>
        bool.TryParse(value, out var result) ? result : throw SnsErrors.Invalid($"{name} Reason: must be true or false");

    private static string WithoutParameterName(ArgumentException argument)
    {
        var message = argument.Message;
        var suffix = argument.ParamName is null ? null : $" (Parameter '{argument.ParamName}')";
        return suffix is not null && message.EndsWith(suffix, StringComparison.Ordinal) ? message[..^suffix.Length] : message;
    }

    /// <summary>A NextToken: the name after which the next page starts, opaque to the client.</summary>
    private static string IssueToken(string after) => Convert.ToBase64String(Encoding.UTF8.GetBytes(after));

    private static string ReadToken(string token)
    {
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(token));
        }
        catch (FormatException)
        {
            throw SnsErrors.Invalid("NextToken");
        }
    }
}
