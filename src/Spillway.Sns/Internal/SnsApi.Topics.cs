using System.Globalization;
using Spillway.Aws;
using Spillway.Messaging;
using Spillway.Messaging.Topics;

namespace Spillway.Sns.Internal;

internal sealed partial class SnsApi
{
    private const int PageSize = 100;
    private const int MaxDisplayNameLength = 100;

    private async ValueTask CreateTopicAsync(AwsCall call)
    {
        var name = call.Input.String("Name");
        var attributes = call.Input.Map("Attributes.entry", "key", "value", "Attributes") ?? [];
        var tags = Tags(call, "Tags");
        var fifoAsked = false;
        var contentBased = false;
        var kept = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in attributes)
        {
            switch (key)
            {
                case TopicAttributes.FifoTopic:
                    fifoAsked = BooleanAttribute(key, value);
                    break;
                case TopicAttributes.ContentBasedDeduplication:
                    contentBased = BooleanAttribute(key, value);
                    break;
                default:
                    CheckTopicAttribute(key, value, TopicLimits.IsFifoName(name));
                    kept[key] = value;
                    break;
            }
        }

        if (!TopicLimits.IsValidName(name) || fifoAsked != TopicLimits.IsFifoName(name))
        {
            throw SnsErrors.Invalid(fifoAsked || TopicLimits.IsFifoName(name)
                ? "Fifo Topic names must end with .fifo and must be made up of only uppercase and lowercase ASCII letters, numbers, "
                  + "underscores, and hyphens, and must be between 1 and 256 characters long."
                : "Topic Name");
        }

        if (contentBased && !fifoAsked)
        {
            throw SnsErrors.Invalid("ContentBasedDeduplication Reason: Content based deduplication can only be set for FIFO topics");
        }

        if (topics.TryGet(name!, out var existing))
        {
            var definition = existing.Definition;
            if (definition.ContentBasedDeduplication != contentBased && attributes.Any(a => a.Key == TopicAttributes.ContentBasedDeduplication)
                || kept.Any(a => !definition.Attributes.TryGetValue(a.Key, out var had) || had != a.Value))
            {
                throw SnsErrors.Invalid("Attributes Reason: Topic already exists with different attributes");
            }

            if (tags.Any(t => !definition.Tags.TryGetValue(t.Key, out var had) || had != t.Value))
            {
                throw SnsErrors.Invalid("Tags Reason: Topic already exists with different tags");
            }
        }
        else
        {
            await topics.CreateAsync(
                new TopicDefinition { Name = name!, ContentBasedDeduplication = contentBased, Attributes = kept, Tags = tags },
                call.Aborted).ConfigureAwait(false);
        }

        call.Response.Begin(call.Action);
        call.Response.String("TopicArn", TopicArn(name!));
        call.Response.End(call.Action, call.RequestId);
    }

    private async ValueTask DeleteTopicAsync(AwsCall call)
    {
        // As SNS: deleting a topic that does not exist is no error.
        var name = SnsArns.TopicName(account, call.Input.String("TopicArn")) ?? throw SnsErrors.Invalid("TopicArn");
        await topics.DeleteAsync(name, call.Aborted).ConfigureAwait(false);
        call.Response.Empty(call.Action, call.RequestId);
    }

    private ValueTask ListTopics(AwsCall call)
    {
        var after = call.Input.String("NextToken") is { } token ? ReadToken(token) : null;
        var all = topics.List();
        var page = all.Where(t => after is null || string.CompareOrdinal(t.Name, after) > 0).Take(PageSize + 1).ToList();
        call.Response.Begin(call.Action);
        call.Response.BeginList("Topics", "Topics");
        foreach (var topic in page.Take(PageSize))
        {
            call.Response.BeginItem("member");
            call.Response.String("TopicArn", TopicArn(topic.Name));
            call.Response.EndItem("member");
        }

        call.Response.EndList("Topics");
        if (page.Count > PageSize)
        {
            call.Response.String("NextToken", IssueToken(page[PageSize - 1].Name));
        }

        call.Response.End(call.Action, call.RequestId);
        return ValueTask.CompletedTask;
    }

    private ValueTask GetTopicAttributes(AwsCall call)
    {
        var topic = TopicOf(call);
        var definition = topic.Definition;
        var arn = TopicArn(topic.Name);
        var subscriptions = topic.Subscriptions;
        var values = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["TopicArn"] = arn,
            ["Owner"] = account.AccountId,
            [TopicAttributes.Policy] = TopicAttributes.DefaultPolicy(arn, account.AccountId),
            [TopicAttributes.DisplayName] = string.Empty,
            ["SubscriptionsConfirmed"] = subscriptions.Count(s => s.Confirmed).ToString(CultureInfo.InvariantCulture),
            ["SubscriptionsPending"] = subscriptions.Count(s => !s.Confirmed).ToString(CultureInfo.InvariantCulture),

            // An unsubscribed subscription is gone at once here; SNS counts those it is still removing.
            ["SubscriptionsDeleted"] = "0",
            ["EffectiveDeliveryPolicy"] = definition.Attributes.GetValueOrDefault(TopicAttributes.DeliveryPolicy, TopicAttributes.DefaultDeliveryPolicy),
            [TopicAttributes.SignatureVersion] = "1",
        };
        if (definition.IsFifo)
        {
            values[TopicAttributes.FifoTopic] = "true";
            values[TopicAttributes.ContentBasedDeduplication] = definition.ContentBasedDeduplication ? "true" : "false";
        }

        foreach (var (key, value) in definition.Attributes)
        {
            values[key] = value;
        }

        call.Response.Begin(call.Action);
        WriteAttributes(call, values);
        call.Response.End(call.Action, call.RequestId);
        return ValueTask.CompletedTask;
    }

    private async ValueTask SetTopicAttributesAsync(AwsCall call)
    {
        var topic = TopicOf(call);
        var name = call.Input.String("AttributeName") ?? throw SnsErrors.Invalid("AttributeName");
        var value = call.Input.String("AttributeValue") ?? string.Empty;
        if (name == TopicAttributes.ContentBasedDeduplication)
        {
            var enabled = BooleanAttribute(name, value);
            if (!topic.Definition.IsFifo)
            {
                throw SnsErrors.Invalid("ContentBasedDeduplication Reason: Content based deduplication can only be set for FIFO topics");
            }

            await topic.UpdateDefinitionAsync(d => d with { ContentBasedDeduplication = enabled }, call.Aborted).ConfigureAwait(false);
        }
        else
        {
            CheckTopicAttribute(name, value, topic.Definition.IsFifo);
            await topic.UpdateDefinitionAsync(
                d =>
                {
                    var next = new Dictionary<string, string>(d.Attributes, StringComparer.Ordinal);
                    if (value.Length == 0)
                    {
                        next.Remove(name);
                    }
                    else
                    {
                        next[name] = value;
                    }

                    return d with { Attributes = next };
                },
                call.Aborted).ConfigureAwait(false);
        }

        call.Response.Empty(call.Action, call.RequestId);
    }

    private async ValueTask TagResourceAsync(AwsCall call)
    {
        var topic = TaggedTopic(call);
        var tags = Tags(call, "Tags");
        var merged = new Dictionary<string, string>(topic.Definition.Tags, StringComparer.Ordinal);
        foreach (var (key, value) in tags)
        {
            merged[key] = value;
        }

        if (merged.Count > QueueLimits.MaxTags)
        {
            throw new AwsException(SnsErrors.TagLimitExceeded, $"Could not complete request: tag quota of per resource exceeded ({QueueLimits.MaxTags} tags)");
        }

        await topic.UpdateDefinitionAsync(d => d with { Tags = merged }, call.Aborted).ConfigureAwait(false);
        EmptyResult(call);
    }

    private async ValueTask UntagResourceAsync(AwsCall call)
    {
        var topic = TaggedTopic(call);
        var keys = call.Input.List("TagKeys.member", "TagKeys") ?? throw SnsErrors.Invalid("TagKeys");
        await topic.UpdateDefinitionAsync(
            d => d with { Tags = d.Tags.Where(t => !keys.Contains(t.Key)).ToDictionary(StringComparer.Ordinal) },
            call.Aborted).ConfigureAwait(false);
        EmptyResult(call);
    }

    private ValueTask ListTagsForResource(AwsCall call)
    {
        var topic = TaggedTopic(call);
        call.Response.Begin(call.Action);
        call.Response.BeginList("Tags", "Tags");
        foreach (var (key, value) in topic.Definition.Tags.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            call.Response.BeginItem("member");
            call.Response.String("Key", key);
            call.Response.String("Value", value);
            call.Response.EndItem("member");
        }

        call.Response.EndList("Tags");
        call.Response.End(call.Action, call.RequestId);
        return ValueTask.CompletedTask;
    }

    /// <summary>The answer of an action whose output is an empty structure (TagResource, UntagResource): the SDKs expect its
    /// empty result element, unlike actions without output.</summary>
    private static void EmptyResult(AwsCall call)
    {
        call.Response.Begin(call.Action);
        call.Response.End(call.Action, call.RequestId);
    }

    /// <summary>The topic a tagging call names by <c>ResourceArn</c>: SNS answers ResourceNotFound for one that is gone.</summary>
    private Topic TaggedTopic(AwsCall call)
    {
        var name = SnsArns.TopicName(account, call.Input.String("ResourceArn")) ?? throw SnsErrors.Invalid("ResourceArn");
        return topics.TryGet(name, out var topic) ? topic : throw new AwsException(SnsErrors.ResourceNotFound, "Resource does not exist");
    }

    /// <summary>Tags as SNS takes them (<c>Tags.member.N.Key</c>/<c>.Value</c>), checked against its rules.</summary>
    private static Dictionary<string, string> Tags(AwsCall call, string parameter)
    {
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in call.Input.Map(parameter + ".member", "Key", "Value", parameter) ?? [])
        {
            if (key.Length is 0 or > 128 || value.Length > 256)
            {
                throw new AwsException(SnsErrors.TagPolicy, $"Tag key '{key}' must be 1-128 characters and its value at most 256.");
            }

            if (!tags.TryAdd(key, value))
            {
                throw new AwsException(SnsErrors.TagPolicy, $"Duplicated keys are not allowed: {key}");
            }
        }

        return tags.Count > QueueLimits.MaxTags
            ? throw new AwsException(SnsErrors.TagLimitExceeded, $"Could not complete request: tag quota of per resource exceeded ({QueueLimits.MaxTags} tags)")
            : tags;
    }

    private static void CheckTopicAttribute(string name, string value, bool fifo)
    {
        if (name == TopicAttributes.FifoTopic || !TopicAttributes.Settable.Contains(name))
        {
            throw SnsErrors.Invalid("AttributeName");
        }

        switch (name)
        {
            case TopicAttributes.SignatureVersion when value is not ("1" or "2"):
                throw SnsErrors.Invalid("SignatureVersion Reason: must be 1 or 2");
            case TopicAttributes.DisplayName when value.Length > MaxDisplayNameLength:
                throw SnsErrors.Invalid($"DisplayName Reason: at most {MaxDisplayNameLength} characters");
            case "FifoThroughputScope" when !fifo || value is not ("Topic" or "MessageGroup"):
                throw SnsErrors.Invalid("FifoThroughputScope Reason: Topic or MessageGroup, on FIFO topics only");
            case TopicAttributes.Policy or TopicAttributes.DeliveryPolicy or "ArchivePolicy" or "DataProtectionPolicy" when value.Length > 0:
                _ = JsonObject(name, value);
                break;
        }
    }

    private static void WriteAttributes(AwsCall call, IEnumerable<KeyValuePair<string, string>> values)
    {
        call.Response.BeginMap("Attributes", "Attributes");
        foreach (var (key, value) in values)
        {
            call.Response.MapEntry("entry", "key", "value", key, value);
        }

        call.Response.EndMap("Attributes");
    }
}
