using System.Globalization;
using System.Xml.Linq;
using Spillway.Objects.Lifecycle;

namespace Spillway.S3.Internal;

/// <summary>
/// PutBucketLifecycleConfiguration's document, in and out. Every transition's storage class (GLACIER, DEEP_ARCHIVE,
/// STANDARD_IA, ...) is the store's one archive tier, reported back as GLACIER_IR: compressed, readable at once.
/// Filters by prefix only; tags, sizes and dates are refused as not implemented.
/// </summary>
internal static class LifecycleXml
{
    public static IReadOnlyList<LifecycleRule> Read(XElement document)
    {
        if (document.Name.LocalName != "LifecycleConfiguration")
        {
            throw S3Exception.MalformedXml();
        }

        var rules = new List<LifecycleRule>();
        foreach (var rule in document.Children("Rule"))
        {
            var filter = rule.Children("Filter").FirstOrDefault();
            if (filter is not null && filter.Elements().Any(e => e.Name.LocalName != "Prefix"))
            {
                throw S3Exception.NotImplemented("A lifecycle filter by tag, size or And");
            }

            if (rule.Children("Transition").Concat(rule.Children("Expiration")).Any(e => e.Child("Date") is not null)
                || rule.Children("Transition").Count() > 1)
            {
                throw S3Exception.NotImplemented("A lifecycle action by date, or more than one transition");
            }

            rules.Add(new LifecycleRule
            {
                Id = rule.Child("ID") ?? Guid.NewGuid().ToString("N"),
                Prefix = filter?.Child("Prefix") ?? rule.Child("Prefix") ?? string.Empty,
                Enabled = rule.Child("Status") switch
                {
                    "Enabled" => true,
                    "Disabled" => false,
                    _ => throw S3Exception.MalformedXml(),
                },
                ArchiveAfterDays = Days(rule.Children("Transition").FirstOrDefault()),
                ExpireAfterDays = Days(rule.Children("Expiration").FirstOrDefault()),
            });
        }

        return rules.Count == 0 ? throw S3Exception.MalformedXml() : rules;
    }

    public static XElement Write(IReadOnlyList<LifecycleRule> rules) => S3Xml.Element(
        "LifecycleConfiguration",
        rules.Select(r => S3Xml.Element(
            "Rule",
            S3Xml.Element("ID", r.Id),
            S3Xml.Element("Filter", S3Xml.Element("Prefix", r.Prefix)),
            S3Xml.Element("Status", r.Enabled ? "Enabled" : "Disabled"),
            r.ArchiveAfterDays is { } archive
                ? S3Xml.Element("Transition", S3Xml.Element("Days", archive), S3Xml.Element("StorageClass", "GLACIER_IR"))
                : null,
            r.ExpireAfterDays is { } expire ? S3Xml.Element("Expiration", S3Xml.Element("Days", expire)) : null)));

    private static int? Days(XElement? action)
    {
        if (action is null)
        {
            return null;
        }

        return int.TryParse(action.Child("Days"), NumberStyles.None, CultureInfo.InvariantCulture, out var days)
            ? days
            : throw S3Exception.MalformedXml();
    }
}
