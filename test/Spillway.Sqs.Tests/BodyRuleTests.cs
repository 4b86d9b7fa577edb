using System.Net;
using System.Text.Json;
using Spillway.Messaging;

namespace Spillway.Sqs.Tests;

/// <summary>A queue whose consumers can store only some bodies: what they never could is refused at the door.</summary>
public sealed class BodyRuleTests : IAsyncLifetime
{
    private SqsTestServer server = null!;
    private string url = null!;

    public async Task InitializeAsync()
    {
        server = await SqsTestServer.StartAsync(settings: s => new SqsApiSettings
        {
            StateDirectory = s.StateDirectory,
            TimeProvider = s.TimeProvider,
            BodyRules = queue => queue == "users" ? new JsonObjectWithName() : null,
        });
        url = await server.CreateQueueAsync("users");
    }

    public async Task DisposeAsync() => await server.DisposeAsync();

    [Fact]
    public async Task SendMessage_of_a_body_the_rule_refuses_is_InvalidMessageContents_and_stores_nothing()
    {
        var json = await server.JsonAsync("SendMessage", new { QueueUrl = url, MessageBody = """{"email":"a@example.com"}""" });
        json.AssertError(HttpStatusCode.BadRequest, "InvalidMessageContents", "InvalidMessageContents");
        Assert.Equal(JsonObjectWithName.Refusal, json.String("message"));

        var query = await server.QueryAsync("Action", "SendMessage", "QueueUrl", url, "MessageBody", "not json");
        query.AssertError(HttpStatusCode.BadRequest, "InvalidMessageContents");
        Assert.Equal(JsonObjectWithName.Refusal, query.Value("Message"));

        Assert.True(server.Engine.TryGetQueue("users", out var queue));
        Assert.Equal(0, queue.GetCounts().Visible);
        (await server.JsonAsync("SendMessage", new { QueueUrl = url, MessageBody = """{"name":"ada"}""" })).AssertOk();
        Assert.Equal(1, queue.GetCounts().Visible);
    }

    [Fact]
    public async Task SendMessageBatch_fails_the_refused_entries_and_stores_the_others()
    {
        var batch = await server.JsonAsync("SendMessageBatch", new
        {
            QueueUrl = url,
            Entries = new[]
            {
                new { Id = "good", MessageBody = """{"name":"ada"}""" },
                new { Id = "bad", MessageBody = "[1,2]" },
                new { Id = "also-good", MessageBody = """{"name":"grace"}""" },
            },
        });

        batch.AssertOk();
        Assert.Equal(["good", "also-good"], batch.Body.GetProperty("Successful").EnumerateArray().Select(e => e.GetProperty("Id").GetString()));
        var failed = Assert.Single(batch.Body.GetProperty("Failed").EnumerateArray());
        Assert.Equal("bad", failed.GetProperty("Id").GetString());
        Assert.True(failed.GetProperty("SenderFault").GetBoolean());
        Assert.Equal("InvalidMessageContents", failed.GetProperty("Code").GetString());
        Assert.Equal(JsonObjectWithName.Refusal, failed.GetProperty("Message").GetString());
        Assert.True(server.Engine.TryGetQueue("users", out var queue));
        Assert.Equal(2, queue.GetCounts().Visible);
    }

    [Fact]
    public async Task Queues_without_a_rule_take_any_body()
    {
        var other = await server.CreateQueueAsync("anything");

        (await server.JsonAsync("SendMessage", new { QueueUrl = other, MessageBody = "not json" })).AssertOk();
    }

    /// <summary>A small rule: a JSON object with a string "name", as a users table would need.</summary>
    private sealed class JsonObjectWithName : IMessageBodyRule
    {
        public const string Refusal = "The body must be a JSON object with a string member \"name\".";

        public string? Check(ReadOnlySpan<byte> body)
        {
            try
            {
                var reader = new Utf8JsonReader(body);
                using var document = JsonDocument.ParseValue(ref reader);
                return document.RootElement.ValueKind == JsonValueKind.Object
                    && document.RootElement.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String
                    ? null
                    : Refusal;
            }
            catch (JsonException)
            {
                return Refusal;
            }
        }
    }
}
