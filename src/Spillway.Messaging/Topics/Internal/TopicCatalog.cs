using System.Text.Json;
using Spillway.Messaging.Topics.Filtering;
using Spillway.Storage;

namespace Spillway.Messaging.Topics.Internal;

/// <summary>
/// A topic's definition and subscriptions, in <c>topic.json</c> in its directory, replaced atomically on every change
/// (written, fsynced and renamed over the old one), so a crash leaves either the old catalog or the new one.
/// </summary>
internal static class TopicCatalog
{
    public const string FileName = "topic.json";
    private const int FormatVersion = 1;

    public static void Write(IStorageDevice device, string directory, TopicDefinition definition, IReadOnlyList<Subscription> subscriptions)
    {
        device.CreateDirectory(directory);
        var document = new Document(
            FormatVersion,
            definition.Name,
            definition.ContentBasedDeduplication,
            new(definition.Attributes, StringComparer.Ordinal),
            new(definition.Tags, StringComparer.Ordinal),
            [.. subscriptions.Select(s => new StoredSubscription(
                s.Id, s.Protocol, s.Endpoint, s.DeliveryQueue, s.Confirmed, s.ConfirmationToken, s.RawMessageDelivery,
                s.FilterPolicy, s.FilterPolicyScope, new(s.Attributes, StringComparer.Ordinal), s.OwnsDeliveryQueue))]);
        device.WriteAtomically(Path.Combine(directory, FileName), JsonSerializer.SerializeToUtf8Bytes(document));
    }

    public static (TopicDefinition Definition, List<Subscription> Subscriptions)? TryRead(IStorageDevice device, string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!device.FileExists(path))
        {
            return null;
        }

        using var file = device.Open(path, create: false);
        var bytes = new byte[file.Length];
        file.Read(0, bytes);
        var document = JsonSerializer.Deserialize<Document>(bytes) ?? throw new InvalidDataException($"{path} is empty.");
        if (document.FormatVersion != FormatVersion)
        {
            throw new InvalidDataException($"{path} has format version {document.FormatVersion}; this version reads {FormatVersion}.");
        }

        var definition = new TopicDefinition
        {
            Name = document.Name,
            ContentBasedDeduplication = document.ContentBasedDeduplication,
            Attributes = document.Attributes,
            Tags = document.Tags,
        };
        var subscriptions = document.Subscriptions.Select(s => new Subscription
        {
            Id = s.Id,
            Protocol = s.Protocol,
            Endpoint = s.Endpoint,
            DeliveryQueue = s.DeliveryQueue,
            Confirmed = s.Confirmed,
            ConfirmationToken = s.ConfirmationToken,
            RawMessageDelivery = s.RawMessageDelivery,
            FilterPolicy = s.FilterPolicy,
            FilterPolicyScope = s.FilterPolicyScope,
            Attributes = s.Attributes,
            OwnsDeliveryQueue = s.OwnsDeliveryQueue,
        }).ToList();
        return (definition, subscriptions);
    }

    private sealed record StoredSubscription(
        Guid Id,
        string Protocol,
        string Endpoint,
        string? DeliveryQueue,
        bool Confirmed,
        string? ConfirmationToken,
        bool RawMessageDelivery,
        string? FilterPolicy,
        FilterPolicyScope FilterPolicyScope,
        Dictionary<string, string> Attributes,
        bool OwnsDeliveryQueue = false);

    private sealed record Document(
        int FormatVersion,
        string Name,
        bool ContentBasedDeduplication,
        Dictionary<string, string> Attributes,
        Dictionary<string, string> Tags,
        StoredSubscription[] Subscriptions);
}
