using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

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

        await using (var setup = await SpillwayProcess.StartAsync(dataDirectory))
        {
            await Send(setup, "/v1/queues", new { name = "books" });
            await Send(setup, "/v1/queues", new { name = "everything" });
            await Send(setup, "/v1/topics", new { name = "orders" });
            await Send(setup, "/v1/topics/orders/subscriptions", new { queue = "books", filterPolicy = """{"kind":["book"]}""", rawMessageDelivery = true });
            await Send(setup, "/v1/topics/orders/subscriptions", new { queue = "everything", rawMessageDelivery = true });
        }

        for (var cycle = 0; cycle < cycles; cycle++)
        {
            var server = await SpillwayProcess.StartAsync(dataDirectory);
            var killAfter = random.Next(100, 250);
            var count = 0;
            var clients = Enumerable.Range(0, 16).Select(client => Task.Run(async () =>
            {
                for (var i = 0; ; i++)
                {
                    var text = $"c{cycle}-{client}-{i}";
                    var kind = i % 2 == 0 ? "book" : "lamp";
                    attempted[text] = kind;
                    try
                    {
                        using var response = await server.Client.PostAsJsonAsync(
                            "/v1/topics/orders/messages",
                            new { message = text, attributes = new Dictionary<string, object> { ["kind"] = new { dataType = "String", stringValue = kind } } });
                        if (response.StatusCode != HttpStatusCode.OK)
                        {
                            return;
                        }

                        answered[text] = kind;
                        if (Interlocked.Increment(ref count) == killAfter)
                        {
                            server.Kill();
                        }
                    }
                    catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException)
                    {
                        return; // The server is gone.
                    }
                }
            })).ToArray();
            await Task.WhenAll(clients).WaitAsync(TimeSpan.FromSeconds(120));
            if (!server.HasExited)
            {
                server.Kill();
            }

            await server.DisposeAsync();
        }

        await using var final = await SpillwayProcess.StartAsync(dataDirectory);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (await Unfinished(final) > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the journal did not finish its deliveries after the restart");
            await Task.Delay(50);
        }

        var books = await Peek(final, "books");
        var everything = await Peek(final, "everything");
        Assert.True(answered.Count >= cycles * 100, $"only {answered.Count} publishes were answered");
        // The peek answers at most 1,000 messages: a queue holding more would look like lost publishes, so say so instead.
        Assert.True(everything.Count < 1000, $"'everything' may hold more than the 1,000 a peek shows ({answered.Count} answered): {await final.Client.GetStringAsync("/v1/queues")}");
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

    private static async Task<List<string>> Peek(SpillwayProcess server, string queue)
    {
        using var document = JsonDocument.Parse(await server.Client.GetStringAsync($"/v1/queues/{queue}/messages?limit=1000"));
        return [.. document.RootElement.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("body").GetString()!)];
    }
}
