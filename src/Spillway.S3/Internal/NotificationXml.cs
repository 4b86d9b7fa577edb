using System.Xml.Linq;
using Spillway.Objects.Events;

namespace Spillway.S3.Internal;

/// <summary>
/// PutBucketNotificationConfiguration's document, in and out: queue, topic and function (<c>CloudFunctionConfiguration</c>,
/// as the SDKs send Lambda's) configurations with their events and key filters. EventBridge is refused as not
/// implemented; an empty document removes every notification.
/// </summary>
internal static class NotificationXml
{
    private static readonly (string Element, string Arn, ObjectEventTarget Target)[] Kinds =
    [
        ("QueueConfiguration", "Queue", ObjectEventTarget.Queue),
        ("TopicConfiguration", "Topic", ObjectEventTarget.Topic),
        ("CloudFunctionConfiguration", "CloudFunction", ObjectEventTarget.Function),
    ];

    public static IReadOnlyList<ObjectEventRule> Read(XElement document)
    {
        if (document.Name.LocalName != "NotificationConfiguration")
        {
            throw S3Exception.MalformedXml();
        }

        if (document.Children("EventBridgeConfiguration").Any())
        {
            throw S3Exception.NotImplemented("Delivery of events to EventBridge");
        }

        var rules = new List<ObjectEventRule>();
        foreach (var element in document.Elements())
        {
            var kind = Kinds.FirstOrDefault(k => k.Element == element.Name.LocalName);
            if (kind.Element is null)
            {
                throw S3Exception.MalformedXml();
            }

            string prefix = string.Empty, suffix = string.Empty;
            foreach (var filter in element.Children("Filter").SelectMany(f => f.Children("S3Key")).SelectMany(k => k.Children("FilterRule")))
            {
                var value = filter.Child("Value") ?? string.Empty;
                switch (filter.Child("Name")?.ToUpperInvariant())
                {
                    case "PREFIX":
                        prefix = value;
                        break;
                    case "SUFFIX":
                        suffix = value;
                        break;
                    default:
                        throw S3Exception.InvalidArgument("filter rule name must be either prefix or suffix");
                }
            }

            rules.Add(new ObjectEventRule
            {
                Id = element.Child("Id") ?? Guid.NewGuid().ToString("N"),
                Target = kind.Target,
                TargetArn = element.Child(kind.Arn) ?? throw S3Exception.InvalidArgument($"{kind.Element} names no {kind.Arn}."),
                Events = [.. element.Children("Event").Select(e => e.Value)],
                Prefix = prefix,
                Suffix = suffix,
            });
        }

        return rules;
    }

    public static XElement Write(IReadOnlyList<ObjectEventRule> rules) => S3Xml.Element(
        "NotificationConfiguration",
        rules.Select(r =>
        {
            var kind = Kinds.First(k => k.Target == r.Target);
            var filters = new List<XElement>();
            if (r.Prefix.Length > 0)
            {
                filters.Add(S3Xml.Element("FilterRule", S3Xml.Element("Name", "Prefix"), S3Xml.Element("Value", r.Prefix)));
            }

            if (r.Suffix.Length > 0)
            {
                filters.Add(S3Xml.Element("FilterRule", S3Xml.Element("Name", "Suffix"), S3Xml.Element("Value", r.Suffix)));
            }

            return S3Xml.Element(
                kind.Element,
                S3Xml.Element("Id", r.Id),
                S3Xml.Element(kind.Arn, r.TargetArn),
                r.Events.Select(e => S3Xml.Element("Event", e)),
                filters.Count > 0 ? S3Xml.Element("Filter", S3Xml.Element("S3Key", filters)) : null);
        }));
}
