using System.Text.Json;
using Spillway.Aws;

namespace Spillway.Sns.Delivery;

/// <summary>A subscription's RedrivePolicy: the SQS queue (of this server) a delivery goes to once its retries are spent.</summary>
internal static class DeadLetterTarget
{
    /// <summary>Checks a RedrivePolicy as SNS does; returns it, or throws <see cref="ArgumentException"/>.</summary>
    public static string Validate(string json)
    {
        if (QueueArn(json) is null)
        {
            throw new ArgumentException("RedrivePolicy: deadLetterTargetArn must be the ARN of an SQS queue");
        }

        return json;
    }

    /// <summary>The queue ARN a RedrivePolicy names; null when there is none.</summary>
    public static Arn? QueueArn(string? json)
    {
        if (json is null)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("deadLetterTargetArn", out var target) && target.ValueKind == JsonValueKind.String
                && Arn.TryParse(target.GetString(), out var arn) && arn.Service == "sqs" && arn.Resource.Length > 0
                ? arn
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
