namespace Spillway.EndToEnd.Tests;

/// <summary>An HTTP ingest route that publishes to a topic, against a real server configured through its environment.</summary>
public sealed class TopicRouteTests : IDisposable
{
    private readonly DirectoryInfo work = Directory.CreateTempSubdirectory("spillway-e2e-topic-route-");

    [Fact]
    public async Task An_ingest_route_publishes_each_record_with_its_attribute_fields_for_the_filters()
    {
        var environment = new Dictionary<string, string>
        {
            ["Spillway__Routes__orders__Path"] = "/orders",
            ["Spillway__Routes__orders__Topic"] = "orders",
            ["Spillway__Routes__orders__AllowUnknownFields"] = "true",
            ["Spillway__Routes__orders__MessageAttributeFields__0"] = "kind",
            ["Spillway__Routes__orders__MessageAttributeFields__1"] = "total",
            ["Spillway__Queues__books__VisibilityTimeoutSeconds"] = "30",
            ["Spillway__Queues__big__VisibilityTimeoutSeconds"] = "30",
            ["Spillway__Topics__orders__Subscriptions__books__Queue"] = "books",
            ["Spillway__Topics__orders__Subscriptions__books__FilterPolicy"] = """{"kind":["book"]}""",
            ["Spillway__Topics__orders__Subscriptions__books__RawMessageDelivery"] = "true",
            ["Spillway__Topics__orders__Subscriptions__big__Queue"] = "big",
            ["Spillway__Topics__orders__Subscriptions__big__FilterPolicy"] = """{"total":[{"numeric":[">=",100]}]}""",
            ["Spillway__Topics__orders__Subscriptions__big__RawMessageDelivery"] = "true",
        };
        await using var server = await SpillwayProcess.StartAsync(Path.Combine(work.FullName, "data"), environment: environment);

        using var content = new StringContent(
            """[{"kind":"book","total":20},{"kind":"lamp","total":150},{"kind":"book","total":300}]""",
            System.Text.Encoding.UTF8,
            "application/json");
        using var response = await server.Client.PostAsync("/orders", content);
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        using var answer = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(3, answer.RootElement.GetProperty("messageIds").GetArrayLength());

        Assert.Equal(["""{"kind":"book","total":20}""", """{"kind":"book","total":300}"""], (await Bodies(server, "books")).Order());
        Assert.Equal(["""{"kind":"book","total":300}""", """{"kind":"lamp","total":150}"""], (await Bodies(server, "big")).Order());
    }

    public void Dispose() => work.Delete(recursive: true);

    /// <summary>The bodies waiting in a queue, once the topic's deliveries have reached it.</summary>
    private static async Task<List<string>> Bodies(SpillwayProcess server, string queue)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            using (var topics = System.Text.Json.JsonDocument.Parse(await server.Client.GetStringAsync("/v1/topics/orders")))
            {
                if (topics.RootElement.GetProperty("unfinishedDeliveries").GetInt32() == 0)
                {
                    break;
                }
            }

            Assert.True(DateTime.UtcNow < deadline, "the topic's deliveries did not reach their queues");
            await Task.Delay(20);
        }

        using var document = System.Text.Json.JsonDocument.Parse(await server.Client.GetStringAsync($"/v1/queues/{queue}/messages?limit=100"));
        return [.. document.RootElement.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("body").GetString()!)];
    }
}
