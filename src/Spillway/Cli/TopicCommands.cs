using System.CommandLine;
using System.Text.Json;
using Spillway.Messaging.Topics;

namespace Spillway.Cli;

/// <summary><c>spillway topics list|create|publish|subscribe|test-filter</c> against a running server's <c>/v1/topics</c>.</summary>
internal static class TopicCommands
{
    public static Command Create() => new("topics", "List, create, publish to and subscribe to topics on a running server; test filter policies.")
    {
        List(), CreateTopic(), Publish(), Subscribe(), TestFilter(),
    };

    private static Command List()
    {
        var command = new Command("list", "List topics and their subscriptions, with what each delivered, filtered out and failed since the server started.")
        {
            ServerClient.ServerOption, ServerClient.ApiKeyOption,
        };
        command.SetAction((result, cancellationToken) => ServerClient.RunAsync(result, async client =>
        {
            using var document = await client.SendAsync(HttpMethod.Get, "/v1/topics", null, cancellationToken).ConfigureAwait(false);
            var table = new TextTable("TOPIC", "SUBSCRIPTION", "PROTOCOL", "ENDPOINT", "CONFIRMED", "FILTER", "DELIVERED", "FILTERED OUT", "FAILED");
            foreach (var topic in document.RootElement.GetProperty("topics").EnumerateArray())
            {
                var name = topic.GetProperty("name").GetString();
                var subscriptions = topic.GetProperty("subscriptions").EnumerateArray().ToList();
                if (subscriptions.Count == 0)
                {
                    table.Add(name, "", "", "", "", "", "", "", "");
                }

                foreach (var s in subscriptions)
                {
                    table.Add(
                        name,
                        s.GetProperty("id").GetString(),
                        s.GetProperty("protocol").GetString(),
                        s.GetProperty("endpoint").GetString(),
                        s.GetProperty("confirmed").GetBoolean() ? "yes" : "no",
                        s.TryGetProperty("filterPolicy", out var filter) ? filter.GetString() : "",
                        s.GetProperty("delivered").GetInt64(),
                        s.GetProperty("filteredOut").GetInt64(),
                        s.GetProperty("failed").GetInt64());
                }
            }

            table.Write(Console.Out);
        }));
        return command;
    }

    private static Command CreateTopic()
    {
        var name = new Argument<string>("name") { Description = $"The new topic's name ({TopicLimits.NameRule})." };
        var contentDeduplication = new Option<bool>("--content-based-deduplication")
        {
            Description = "FIFO topics: deduplicate messages without an id by the SHA-256 of their body.",
        };
        var command = new Command("create", "Create a topic (a name ending in .fifo makes a FIFO topic); succeeds when an identical one exists.")
        {
            name, contentDeduplication, ServerClient.ServerOption, ServerClient.ApiKeyOption,
        };
        command.SetAction((result, cancellationToken) => ServerClient.RunAsync(result, async client =>
        {
            var body = JsonSerializer.Serialize(new Dictionary<string, object?>
            {
                ["name"] = result.GetValue(name),
                ["contentBasedDeduplication"] = result.GetValue(contentDeduplication),
            });
            using var document = await client.SendAsync(HttpMethod.Post, "/v1/topics", body, cancellationToken).ConfigureAwait(false);
            Console.WriteLine(document.RootElement.GetProperty("name").GetString());
        }));
        return command;
    }

    private static Command Publish()
    {
        var name = new Argument<string>("topic") { Description = "The topic." };
        var message = new Argument<string>("message") { Description = "The message body." };
        var subject = new Option<string?>("--subject") { Description = "A subject line." };
        var attributes = new Option<string[]>("--attribute")
        {
            Description = "A message attribute as name=value (a String) or name:Number=value; repeat for more.",
            AllowMultipleArgumentsPerToken = false,
        };
        var group = new Option<string?>("--group-id") { Description = "FIFO topics: the message group." };
        var deduplication = new Option<string?>("--deduplication-id") { Description = "FIFO topics: the deduplication id." };
        var command = new Command("publish", "Publish a message; answers once every matching subscription's queue holds it.")
        {
            name, message, subject, attributes, group, deduplication, ServerClient.ServerOption, ServerClient.ApiKeyOption,
        };
        command.SetAction((result, cancellationToken) => ServerClient.RunAsync(result, async client =>
        {
            var body = JsonSerializer.Serialize(new Dictionary<string, object?>
            {
                ["message"] = result.GetValue(message),
                ["subject"] = result.GetValue(subject),
                ["attributes"] = ParseAttributes(result.GetValue(attributes) ?? []),
                ["messageGroupId"] = result.GetValue(group),
                ["messageDeduplicationId"] = result.GetValue(deduplication),
            });
            using var document = await client.SendAsync(
                HttpMethod.Post, $"/v1/topics/{Uri.EscapeDataString(result.GetValue(name)!)}/messages", body, cancellationToken).ConfigureAwait(false);
            var answer = document.RootElement;
            Console.WriteLine(answer.TryGetProperty("sequenceNumber", out var sequence)
                ? $"{answer.GetProperty("messageId").GetString()} {sequence.GetString()}"
                : answer.GetProperty("messageId").GetString());
        }));
        return command;
    }

    private static Command Subscribe()
    {
        var name = new Argument<string>("topic") { Description = "The topic." };
        var queue = new Argument<string>("queue") { Description = "The queue to deliver to (FIFO topics: a FIFO queue)." };
        var filter = new Option<string?>("--filter-policy") { Description = "A filter policy (JSON)." };
        var scope = new Option<string?>("--filter-policy-scope") { Description = "MessageAttributes (default) or MessageBody." };
        var raw = new Option<bool>("--raw") { Description = "Deliver the body as published, without the SNS envelope." };
        var command = new Command("subscribe", "Subscribe a queue to a topic, confirmed at once.")
        {
            name, queue, filter, scope, raw, ServerClient.ServerOption, ServerClient.ApiKeyOption,
        };
        command.SetAction((result, cancellationToken) => ServerClient.RunAsync(result, async client =>
        {
            var body = JsonSerializer.Serialize(new Dictionary<string, object?>
            {
                ["queue"] = result.GetValue(queue),
                ["filterPolicy"] = result.GetValue(filter),
                ["filterPolicyScope"] = result.GetValue(scope),
                ["rawMessageDelivery"] = result.GetValue(raw),
            });
            using var document = await client.SendAsync(
                HttpMethod.Post, $"/v1/topics/{Uri.EscapeDataString(result.GetValue(name)!)}/subscriptions", body, cancellationToken)
                .ConfigureAwait(false);
            Console.WriteLine(document.RootElement.GetProperty("id").GetString());
        }));
        return command;
    }

    private static Command TestFilter()
    {
        var policy = new Option<string>("--policy") { Description = "The filter policy (JSON).", Required = true };
        var scope = new Option<string?>("--scope") { Description = "MessageAttributes (default) or MessageBody." };
        var body = new Option<string?>("--message") { Description = "The message body." };
        var attributes = new Option<string[]>("--attribute")
        {
            Description = "A message attribute as name=value (a String) or name:Number=value; repeat for more.",
        };
        var command = new Command("test-filter", "Say whether a message matches a filter policy and, if not, which condition failed; exit 1 when it does not.")
        {
            policy, scope, body, attributes, ServerClient.ServerOption, ServerClient.ApiKeyOption,
        };
        command.SetAction((result, cancellationToken) => ServerClient.RunAsync(result, async client =>
        {
            var request = JsonSerializer.Serialize(new Dictionary<string, object?>
            {
                ["policy"] = result.GetValue(policy),
                ["scope"] = result.GetValue(scope),
                ["message"] = result.GetValue(body),
                ["attributes"] = ParseAttributes(result.GetValue(attributes) ?? []),
            });
            using var document = await client.SendAsync(HttpMethod.Post, "/v1/filter-policies/test", request, cancellationToken).ConfigureAwait(false);
            var answer = document.RootElement;
            var matched = answer.GetProperty("matched").GetBoolean();
            Console.WriteLine(matched ? "matches" : $"does not match: {answer.GetProperty("explanation").GetString()}");
            return matched ? 0 : 1;
        }));
        return command;
    }

    /// <summary><c>name=value</c> is a String attribute; <c>name:Type=value</c> names its data type.</summary>
    private static Dictionary<string, Dictionary<string, string>>? ParseAttributes(string[] given)
    {
        if (given.Length == 0)
        {
            return null;
        }

        var attributes = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        foreach (var entry in given)
        {
            var equals = entry.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new CliException($"--attribute takes name=value or name:Type=value (got '{entry}').");
            }

            var (name, type) = entry[..equals].Split(':', 2) is [var n, var t] ? (n, t) : (entry[..equals], "String");
            attributes[name] = new() { ["dataType"] = type, ["stringValue"] = entry[(equals + 1)..] };
        }

        return attributes;
    }
}
