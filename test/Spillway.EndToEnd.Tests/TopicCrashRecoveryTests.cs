using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Spillway.EndToEnd.Tests.Support;

namespace Spillway.EndToEnd.Tests;

/// <summary>
/// SIGKILL during publishes to a topic with two queue subscriptions, then restart: every answered publish is in every
/// queue its filter passes exactly once, and a message that reached one matching queue reached the other too.
/// </summary>
public sealed class TopicCrashRecoveryTests : IDisposable
{
    private readonly DirectoryInfo work = Directory.CreateTempSubdirectory("spillway-e2e-topic-crash-");

    [Fact]
    public async Task Every_answered_publish_is_in_every_matching_queue_exactly_once_across_sigkills()
    {
        const int cycles = 3;
        var dataDirectory = Path.Combine(work.FullName, "data");
        var answered = new ConcurrentDictionary<string, string>();
        var attempted = new ConcurrentDictionary<string, string>();
        var random = new Random(20261206);

        await using (var setup = await SpillwayProcess.StartAsync(dataDirectory, environment: SpillwayProcess.AnySignature()))
        {
            await Send(setup, "/v1/queues", new { name = "books" });
            await Send(setup, "/v1/queues", new { name = "everything" });
            await Send(setup, "/v1/topics", new { name = "orders" });
            await Send(setup, "/v1/topics/orders/subscriptions", new { queue = "books", filterPolicy = """{"kind":["book"]}""", rawMessageDelivery = true });
            await Send(setup, "/v1/topics/orders/subscriptions", new { queue = "everything", rawMessageDelivery = true });
        }

        for (var cycle = 0; cycle < cycles; cycle++)
        {
            var server = await SpillwayProcess.StartAsync(dataDirectory, environment: SpillwayProcess.AnySignature());
            var killAfter = random.Next(100, 250);
            await KillDuringLoad.RunAsync(server, 16, killAfter, async (client, i) =>
            {
                var text = $"c{cycle}-{client}-{i}";
                var kind = i % 2 == 0 ? "book" : "lamp";
                attempted[text] = kind;
                using var response = await server.Client.PostAsJsonAsync(
                    "/v1/topics/orders/messages",
                    new { message = text, attributes = new Dictionary<string, object> { ["kind"] = new { dataType = "String", stringValue = kind } } });
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    return SendOutcome.Stop;
                }

                answered[text] = kind;
                return SendOutcome.Acknowledged;
            });

            await server.DisposeAsync();
        }

        await using var final = await SpillwayProcess.StartAsync(dataDirectory, environment: SpillwayProcess.AnySignature());
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (await Unfinished(final) > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the journal did not finish its deliveries after the restart");
            await Task.Delay(50);
        }

        var books = await ReceiveAll(final, "books");
        var everything = await ReceiveAll(final, "everything");
        Assert.True(answered.Count >= cycles * 100, $"only {answered.Count} publishes were answered");
        Assert.Equal(everything.Count, everything.Distinct().Count());
        Assert.Equal(books.Count, books.Distinct().Count());
        Assert.Empty(answered.Keys.Except(everything));
        Assert.Empty(answered.Where(a => a.Value == "book").Select(a => a.Key).Except(books));
        Assert.All(everything, text => Assert.True(attempted.ContainsKey(text), $"{text} was never published"));
        Assert.All(books, text => Assert.Equal("book", attempted[text]));

        // All or none: a book that reached one matching queue reached the other as well.
        Assert.Equal(everything.Where(t => attempted[t] == "book").Order(StringComparer.Ordinal), books.Order(StringComparer.Ordinal));
    }

    public void Dispose() => work.Delete(recursive: true);

    private static async Task Send(SpillwayProcess server, string path, object body)
    {
        using var response = await server.Client.PostAsJsonAsync(path, body);
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private static async Task<int> Unfinished(SpillwayProcess server)
    {
        using var document = JsonDocument.Parse(await server.Client.GetStringAsync("/v1/topics/orders"));
        return document.RootElement.GetProperty("unfinishedDeliveries").GetInt32();
    }

    /// <summary>
    /// Every message of the queue, received through the SQS API (a peek shows at most 1,000, and a fast run answers more
    /// publishes than that before its kills land): each receive hides what it got for ten minutes, so an empty answer
    /// means the queue has no message left unseen.
    /// </summary>
    private static async Task<List<string>> ReceiveAll(SpillwayProcess server, string queue)
    {
        var bodies = new List<string>();
        while (true)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/")
            {
                Content = new StringContent(
                    JsonSerializer.Serialize(new { QueueUrl = new Uri(server.BaseAddress, "/000000000000/" + queue).ToString(), MaxNumberOfMessages = 10, VisibilityTimeout = 600 }),
                    System.Text.Encoding.UTF8),
            };
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-amz-json-1.0");
            request.Headers.Add("X-Amz-Target", "AmazonSQS.ReceiveMessage");
            using var response = await server.Client.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"ReceiveMessage: {(int)response.StatusCode} {text}");
            using var document = JsonDocument.Parse(text);
            if (!document.RootElement.TryGetProperty("Messages", out var messages) || messages.GetArrayLength() == 0)
            {
                return bodies;
            }

            bodies.AddRange(messages.EnumerateArray().Select(m => m.GetProperty("Body").GetString()!));
        }
    }
}
