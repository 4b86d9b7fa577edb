using System.CommandLine;
using System.Text.Json;
using Spillway.Messaging;

namespace Spillway.Cli;

/// <summary>
/// The queue attributes as options of <c>queues create</c> and <c>queues attributes</c>, named as in the configuration
/// file; only the options given go into the request, so the server's defaults (or current values) stay.
/// </summary>
internal sealed class QueueAttributeOptions
{
    private readonly (Option<int?> Option, string Field)[] numbers =
    [
        Number(
            "--visibility-timeout",
            $"Seconds a received message stays hidden (0-{QueueLimits.MaxVisibilityTimeoutSeconds}; default 30).",
            "visibilityTimeoutSeconds"),
        Number("--delay", $"Seconds before a new message becomes visible (0-{QueueLimits.MaxDelaySeconds}; default 0).", "delaySeconds"),
        Number(
            "--retention",
            $"Seconds a message is kept ({QueueLimits.MinRetentionSeconds}-{QueueLimits.MaxRetentionSeconds}; default 345600, 4 days).",
            "messageRetentionPeriodSeconds"),
        Number(
            "--max-message-size",
            $"Largest message in bytes ({QueueLimits.MinMessageSize}-{QueueLimits.MaxMessageSize}; default {QueueLimits.MaxMessageSize}).",
            "maximumMessageSize"),
        Number(
            "--receive-wait",
            $"Long-poll seconds of a receive that names none (0-{QueueLimits.MaxWaitTimeSeconds}; default 0).",
            "receiveMessageWaitTimeSeconds"),
        Number(
            "--max-receive-count",
            $"Receives before a message is dead-lettered ({QueueLimits.MinMaxReceiveCount}-{QueueLimits.MaxMaxReceiveCount}; default 5).",
            "maxReceiveCount"),
    ];

    private readonly Option<string?> deadLetterQueue = new("--dead-letter-queue")
    {
        Description = "Queue that takes messages received too often; \"\" removes it.",
    };

    private readonly Option<bool?> contentBasedDeduplication = new("--content-based-deduplication")
    {
        Description = "FIFO only: deduplicate by the body's SHA-256 when a send has no deduplication id.",
    };

    public void AddTo(Command command)
    {
        foreach (var (option, _) in numbers)
        {
            command.Options.Add(option);
        }

        command.Options.Add(deadLetterQueue);
        command.Options.Add(contentBasedDeduplication);
        command.Options.Add(ServerClient.ServerOption);
        command.Options.Add(ServerClient.ApiKeyOption);
    }

    /// <summary>The request body: the name (when given) and every attribute option that was given.</summary>
    public string ToJson(ParseResult result, string? name)
    {
        var body = new Dictionary<string, object?>();
        if (name is not null)
        {
            body["name"] = name;
        }

        foreach (var (option, field) in numbers)
        {
            if (result.GetValue(option) is { } value)
            {
                body[field] = value;
            }
        }

        if (result.GetValue(deadLetterQueue) is { } queue)
        {
            body["deadLetterQueue"] = queue;
        }

        if (result.GetValue(contentBasedDeduplication) is { } deduplication)
        {
            body["contentBasedDeduplication"] = deduplication;
        }

        return JsonSerializer.Serialize(body);
    }

    private static (Option<int?> Option, string Field) Number(string name, string description, string field) =>
        (new Option<int?>(name) { Description = description }, field);
}
