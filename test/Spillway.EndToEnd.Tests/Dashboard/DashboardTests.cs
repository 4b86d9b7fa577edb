using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OpenQA.Selenium;
using Spillway.EndToEnd.Tests.Support;
using Xunit.Abstractions;

namespace Spillway.EndToEnd.Tests.Dashboard;

/// <summary>
/// The dashboard in a real browser against a real server: a burst held by a disabled worker shows as backlog, enabling
/// the worker from the page drains it to 0, and the dead-letter queue's messages go back with the page's redrive button.
/// </summary>
public sealed class DashboardTests(ITestOutputHelper output) : IDisposable
{
    private const string ApiKey = "dashboard-test-key-0123456789";
    private const int Burst = 600;

    private readonly DirectoryInfo work = Directory.CreateTempSubdirectory("spillway-e2e-");

    [Fact]
    public async Task Dashboard_shows_a_burst_as_backlog_then_its_drain_and_redrives_the_dead_letter_queue()
    {
        await using var server = await StartAsync();
        var database = TestDatabase.Sqlite(Path.Combine(work.FullName, "data", "spillway.db"));
        await WaitForWorkersEnabledAsync(server);

        // Dead letters first: the "poison" worker's function is never reachable, so each message is dead-lettered after
        // one receive. Its worker is then disabled, so a redrive leaves the messages in "poison" for the page to show.
        for (var i = 0; i < 3; i++)
        {
            // Markup in a body must show as text: the page never parses data as HTML.
            await PostAsync(server, "/poison", $$"""{"name": "<b>poison{{i}}</b>", "email": "poison{{i}}@example.com"}""");
        }

        await WaitForQueueAsync(server, "poison-dlq", visible => visible == 3);
        await SwitchAsync(server, "poison", enable: false);
        await SwitchAsync(server, "submit", enable: false);

        using var browser = Browser.Start();
        browser.Driver.Navigate().GoToUrl(new Uri(server.BaseAddress, "/dashboard"));

        // With keys configured, the page asks for one once and sends it on every request.
        browser.WaitFor("the API key form", d => d.FindElement(By.Id("key-form")).Displayed);
        browser.Driver.FindElement(By.Id("api-key")).SendKeys(ApiKey);
        browser.Driver.FindElement(By.Id("save-key")).Click();
        browser.WaitFor("the key form to close", d => !d.FindElement(By.Id("key-form")).Displayed);

        // Every route, queue, worker and sink is listed.
        foreach (var (table, key) in new[]
        {
            ("routes", "submit"), ("routes", "poison"), ("queues", "submit"), ("queues", "submit-dlq"), ("queues", "poison"),
            ("queues", "poison-dlq"), ("workers", "submit"), ("workers", "poison"), ("sinks", "users"),
        })
        {
            browser.WaitFor($"{key} in {table}", d => d.FindElements(Row(table, key)).Count == 1);
        }

        browser.WaitForText(Cell("workers", "submit", 2), "disabled");
        Assert.Matches(@"^\d / 2$", browser.Text(Cell("workers", "submit", 4))); // concurrency now / max
        Assert.StartsWith("1–2", browser.Text(Cell("workers", "submit", 9)), StringComparison.Ordinal); // autoscaled

        // The burst: concurrent single-record POSTs, all acknowledged, none handled.
        var posts = Enumerable.Range(0, Burst)
            .Select(i => PostAsync(server, "/submit", $$"""{"name": "burst{{i}}", "email": "b{{i}}@example.com"}"""));
        await Task.WhenAll(posts);

        browser.WaitForText(By.Id("backlog"), Burst.ToString("N0", System.Globalization.CultureInfo.InvariantCulture));
        browser.WaitForText(Cell("queues", "submit", 1), "600");
        browser.WaitForText(By.Id("eta"), "not draining");
        var backlogShot = browser.Screenshot("dashboard-backlog");
        Report("backlog", backlogShot);

        // Enable the worker from the page; the backlog drains to 0 and the page says so.
        browser.Click(By.CssSelector("#workers tbody tr[data-key='submit'] button.toggle"));
        browser.WaitForText(Cell("workers", "submit", 2), "enabled");
        // The rate is averaged over 5 s, so it stays above 0 for at least that long once the first batch is deleted.
        browser.WaitFor("a drain rate above 0", d => Number(d, "drain-rate") > 0);
        browser.WaitForText(By.Id("backlog"), "0", TimeSpan.FromSeconds(60));
        browser.WaitForText(By.Id("eta"), "drained");
        browser.WaitForText(Cell("queues", "submit", 6), "600"); // deleted
        Assert.Equal(Burst, (await database.ReadUsersAsync()).Count(r => r.Name.StartsWith("burst", StringComparison.Ordinal)));

        // The dead-letter queue's messages, then the redrive button.
        var deadLetters = By.CssSelector("[data-dlq='poison-dlq']");
        browser.WaitFor("3 dead letters listed", d =>
            d.FindElement(deadLetters).FindElements(By.CssSelector("tr[data-message-id]")).Count == 3);
        Assert.Contains("<b>poison1</b>", browser.Text(deadLetters), StringComparison.Ordinal);
        Assert.Empty(browser.Driver.FindElements(By.CssSelector("[data-dlq='poison-dlq'] b")));
        browser.Click(By.CssSelector("[data-dlq='poison-dlq'] button.redrive"));
        browser.WaitFor(
            "the redrive result", d => d.FindElement(By.Id("action-status")).Text.Contains("moved 3 message(s)", StringComparison.Ordinal));
        browser.WaitForText(Cell("queues", "poison-dlq", 1), "0");
        browser.WaitForText(Cell("queues", "poison", 1), "3");
        browser.WaitFor("the emptied dead-letter queue", d => d.FindElement(deadLetters).Text.Contains("Empty.", StringComparison.Ordinal));

        Report("drained and redriven", browser.Screenshot("dashboard-drained"));
        Assert.Equal(3, await AdminApi.VisibleAsync(server, "poison"));
    }

    [Fact]
    public async Task Dashboard_shows_a_burst_absorbed_and_drained_live_while_it_happens()
    {
        // One writer; a SQL worker takes what is waiting in one write, so it keeps up with this burst until it is
        // switched off for a moment below, and a backlog builds while the page watches.
        await using var server = await StartAsync(submitBatchSize: 2, submitConcurrency: 1);
        await WaitForWorkersEnabledAsync(server);
        using var browser = Browser.Start();
        browser.Driver.Navigate().GoToUrl(new Uri(server.BaseAddress, "/dashboard"));
        browser.WaitFor("the API key form", d => d.FindElement(By.Id("key-form")).Displayed);
        browser.Driver.FindElement(By.Id("api-key")).SendKeys(ApiKey);
        browser.Driver.FindElement(By.Id("save-key")).Click();
        browser.WaitForText(Cell("workers", "submit", 2), "enabled");

        using var stopBurst = new CancellationTokenSource();
        var sent = 0;
        var burst = Task.WhenAll(Enumerable.Range(0, 4).Select(client => Task.Run(async () =>
        {
            while (!stopBurst.IsCancellationRequested)
            {
                var i = Interlocked.Increment(ref sent);
                await PostAsync(server, "/submit", $$"""{"name": "live{{i}}", "email": "live{{i}}@example.com"}""");
            }
        })));

        // While the burst runs, the page shows records arriving and draining; with the worker off, the backlog they leave.
        browser.WaitFor("an ingest rate above 0", d => Number(d, "ingest-rate") > 0);
        browser.WaitFor("a drain rate above 0", d => Number(d, "drain-rate") > 0);
        await SwitchAsync(server, "submit", enable: false);
        browser.WaitFor("a backlog of 100 or more", d => Number(d, "backlog") >= 100);
        await SwitchAsync(server, "submit", enable: true);
        browser.WaitFor("both rate lines drawn over 3 points", d => d.FindElement(By.Id("rate-chart")).GetDomAttribute("data-points")!
            .Split(' ').All(n => int.Parse(n, System.Globalization.CultureInfo.InvariantCulture) >= 3));
        Report("live burst", browser.Screenshot("dashboard-live-burst"));
        await stopBurst.CancelAsync();
        await burst;
        output.WriteLine($"burst: {Volatile.Read(ref sent)} records");

        // After the burst, the estimate turns into a time, then the backlog drains to 0.
        browser.WaitFor("a time until drained", d => d.FindElement(By.Id("eta")).Text.EndsWith(" s", StringComparison.Ordinal)
            || d.FindElement(By.Id("eta")).Text == "drained", TimeSpan.FromSeconds(60));
        browser.WaitForText(By.Id("backlog"), "0", TimeSpan.FromSeconds(120));
        browser.WaitForText(By.Id("eta"), "drained");
        var total = Volatile.Read(ref sent);
        browser.WaitFor("every record deleted", d => Number(d, Cell("queues", "submit", 6)) == total);
        Report("live burst drained", browser.Screenshot("dashboard-live-drained"));
    }

    [Fact]
    public async Task Dashboard_shows_a_stream_with_its_shards_records_kept_and_incoming_rate()
    {
        await using var server = await StartAsync();
        await PostAsync(server, "/v1/streams", """{"name": "readings", "shardCount": 2}""", HttpStatusCode.Created);

        using var browser = Browser.Start();
        browser.Driver.Navigate().GoToUrl(new Uri(server.BaseAddress, "/dashboard"));
        browser.WaitFor("the API key form", d => d.FindElement(By.Id("key-form")).Displayed);
        browser.Driver.FindElement(By.Id("api-key")).SendKeys(ApiKey);
        browser.Driver.FindElement(By.Id("save-key")).Click();
        browser.WaitFor("readings in streams", d => d.FindElements(Row("streams", "readings")).Count == 1);
        browser.WaitForText(Cell("streams", "readings", 2), "2");
        browser.WaitForText(Cell("streams", "readings", 3), "24 h");
        browser.WaitForText(Cell("streams", "readings", 4), "0");

        // Put after the page's first reading, so the next one sees records arrive.
        var records = string.Join(",", Enumerable.Range(0, 300).Select(i => $$"""{"partitionKey": "device-{{i}}", "text": "{{i}}"}"""));
        await PostAsync(server, "/v1/streams/readings/records", $$"""{"records": [{{records}}]}""", HttpStatusCode.OK);

        browser.WaitForText(Cell("streams", "readings", 4), "300"); // records kept
        browser.WaitForText(Cell("streams", "readings", 8), "300"); // put since the start
        browser.WaitFor("an incoming rate above 0", d => Number(d, Cell("streams", "readings", 6)) > 0);
        Assert.NotEqual("–", browser.Text(Cell("streams", "readings", 5))); // the oldest record's age
        Report("streams", browser.Screenshot("dashboard-streams"));
    }

    [Fact]
    public async Task Dashboard_shows_each_topic_subscription_with_what_it_delivered_and_filtered_out()
    {
        await using var server = await StartAsync();
        await PostAsync(server, "/v1/queues", """{"name": "books"}""", HttpStatusCode.Created);
        await PostAsync(server, "/v1/topics", """{"name": "orders"}""", HttpStatusCode.Created);
        await PostAsync(server, "/v1/topics/orders/subscriptions", """{"queue": "books", "filterPolicy": "{\"kind\":[\"book\"]}"}""", HttpStatusCode.Created);

        using var browser = Browser.Start();
        browser.Driver.Navigate().GoToUrl(new Uri(server.BaseAddress, "/dashboard"));
        browser.WaitFor("the API key form", d => d.FindElement(By.Id("key-form")).Displayed);
        browser.Driver.FindElement(By.Id("api-key")).SendKeys(ApiKey);
        browser.Driver.FindElement(By.Id("save-key")).Click();
        const string key = "orders sqs books";
        browser.WaitFor("the books subscription in topics", d => d.FindElements(Row("topics", key)).Count == 1);
        browser.WaitForText(Cell("topics", key, 3), "yes");
        browser.WaitForText(Cell("topics", key, 4), """{"kind":["book"]}""");

        foreach (var kind in new[] { "book", "lamp", "book" })
        {
            await PostAsync(
                server, "/v1/topics/orders/messages", "{\"message\": \"a " + kind + "\", \"attributes\": {\"kind\": {\"dataType\": \"String\", \"stringValue\": \"" + kind + "\"}}}",
                HttpStatusCode.OK);
        }

        browser.WaitForText(Cell("topics", key, 5), "2"); // delivered
        browser.WaitForText(Cell("topics", key, 6), "1"); // filtered out
        browser.WaitForText(Cell("topics", key, 7), "0"); // failed
        Report("topics", browser.Screenshot("dashboard-topics"));
    }

    [Fact]
    public async Task Dashboard_shows_an_aggregation_with_its_figures_and_latest_results()
    {
        await using var server = await StartAsync();
        await PostAsync(server, "/v1/streams", """{"name": "readings", "shardCount": 1}""", HttpStatusCode.Created);
        await PostAsync(server, "/v1/aggregations", """
            {"name": "per-minute", "idleTimeout": "1s", "maxOutOfOrderness": "0s",
             "sql": "SELECT device, COUNT(*) AS n FROM readings GROUP BY device, TUMBLE(ts, INTERVAL '1' MINUTE)"}
            """, HttpStatusCode.Created);

        using var browser = Browser.Start();
        browser.Driver.Navigate().GoToUrl(new Uri(server.BaseAddress, "/dashboard"));
        browser.WaitFor("the API key form", d => d.FindElement(By.Id("key-form")).Displayed);
        browser.Driver.FindElement(By.Id("api-key")).SendKeys(ApiKey);
        browser.Driver.FindElement(By.Id("save-key")).Click();
        browser.WaitFor("per-minute in aggregations", d => d.FindElements(Row("aggregations", "per-minute")).Count == 1);
        browser.WaitForText(Cell("aggregations", "per-minute", 1), "readings");
        browser.WaitForText(Cell("aggregations", "per-minute", 3), "0");

        var records = Enumerable.Range(0, 6).Select(i => new
        {
            partitionKey = "d1",
            text = JsonSerializer.Serialize(new { device = "d1", ts = $"2026-01-01T10:0{i / 3}:{54 + i}Z" }),
        });
        await PostAsync(server, "/v1/streams/readings/records", JsonSerializer.Serialize(new { records }), HttpStatusCode.OK);

        browser.WaitForText(Cell("aggregations", "per-minute", 3), "6"); // records in
        browser.WaitFor("both windows' rows in the latest results", d =>
        {
            var latest = d.FindElement(Cell("aggregations", "per-minute", 7)).Text;
            return latest.Contains("\"window_start\":\"2026-01-01T10:00:00.000Z\"", StringComparison.Ordinal)
                && latest.Contains("\"window_start\":\"2026-01-01T10:01:00.000Z\"", StringComparison.Ordinal)
                && latest.Contains("\"n\":3", StringComparison.Ordinal);
        });
        Report("aggregations", browser.Screenshot("dashboard-aggregations"));
    }

    [Fact]
    public async Task Dashboard_shows_a_delivery_stream_buffer_filling_and_its_file_in_a_bucket()
    {
        await using var server = await StartAsync();
        await FirehoseAsync(server, "CreateDeliveryStream", """
            {"DeliveryStreamName": "readings", "ExtendedS3DestinationConfiguration": {"RoleARN": "arn:aws:iam::000000000000:role/r",
             "BucketARN": "arn:aws:s3:::lake", "BufferingHints": {"SizeInMBs": 5, "IntervalInSeconds": 900}}}
            """);

        using var browser = Browser.Start();
        browser.Driver.Navigate().GoToUrl(new Uri(server.BaseAddress, "/dashboard"));
        browser.WaitFor("the API key form", d => d.FindElement(By.Id("key-form")).Displayed);
        browser.Driver.FindElement(By.Id("api-key")).SendKeys(ApiKey);
        browser.Driver.FindElement(By.Id("save-key")).Click();
        browser.WaitFor("readings in delivery streams", d => d.FindElements(Row("delivery-streams", "readings")).Count == 1);
        browser.WaitForText(Cell("delivery-streams", "readings", 1), "lake");
        browser.WaitForText(Cell("delivery-streams", "readings", 2), "0");

        await FirehoseAsync(server, "PutRecordBatch", """
            {"DeliveryStreamName": "readings", "Records": [{"Data": "eyJuIjoxfQ=="}, {"Data": "eyJuIjoyfQ=="}, {"Data": "eyJuIjozfQ=="}]}
            """);
        browser.WaitForText(Cell("delivery-streams", "readings", 2), "3"); // buffered records
        browser.WaitForText(Cell("delivery-streams", "readings", 5), "0"); // files

        using (var flushed = await server.Client.PostAsync(new Uri("/v1/delivery-streams/readings/flush", UriKind.Relative), null))
        {
            Assert.Equal(HttpStatusCode.OK, flushed.StatusCode);
        }

        browser.WaitForText(Cell("delivery-streams", "readings", 2), "0");
        browser.WaitForText(Cell("delivery-streams", "readings", 5), "1");
        browser.WaitFor("the lake bucket", d => d.FindElements(Row("buckets", "lake")).Count == 1);
        Report("delivery streams", browser.Screenshot("dashboard-delivery-streams"));
    }

    [Fact]
    public async Task Overview_needs_the_api_key_and_the_page_itself_does_not()
    {
        await using var server = await StartAsync();
        using var anonymous = new HttpClient { BaseAddress = server.BaseAddress };

        using var page = await anonymous.GetAsync(new Uri("/dashboard", UriKind.Relative));
        using var script = await anonymous.GetAsync(new Uri("/dashboard/dashboard.js", UriKind.Relative));
        using var overview = await anonymous.GetAsync(new Uri("/v1/overview", UriKind.Relative));
        using var missing = await anonymous.GetAsync(new Uri("/dashboard/nothing.js", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("script-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        var html = await page.Content.ReadAsStringAsync();
        Assert.DoesNotContain("http://", html, StringComparison.Ordinal); // nothing from another origin
        Assert.DoesNotContain("https://", html, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, overview.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);

        using var document = JsonDocument.Parse(await server.Client.GetStringAsync(new Uri("/v1/overview", UriKind.Relative)));
        var root = document.RootElement;
        Assert.Equal(["poison", "submit"], root.GetProperty("routes").EnumerateArray().Select(r => r.GetProperty("name").GetString()));
        var dlq = root.GetProperty("queues").EnumerateArray().Single(q => q.GetProperty("name").GetString() == "submit-dlq");
        Assert.Equal("submit", dlq.GetProperty("deadLetterSources")[0].GetString());
        Assert.Equal(10, root.GetProperty("sinks")[0].GetProperty("maxConnections").GetInt32());
    }

    public void Dispose() => work.Delete(recursive: true);

    private static By Row(string table, string key) => By.CssSelector($"#{table} tbody tr[data-key='{key}']");

    private static By Cell(string table, string key, int column) =>
        By.CssSelector($"#{table} tbody tr[data-key='{key}'] td:nth-child({column + 1})");

    private static double Number(IWebDriver driver, string id) => Number(driver, By.Id(id));

    private static double Number(IWebDriver driver, By by) =>
        double.TryParse(
            driver.FindElement(by).Text.Replace(",", "", StringComparison.Ordinal),
            System.Globalization.CultureInfo.InvariantCulture,
            out var n)
            ? n
            : -1;

    private async Task<SpillwayProcess> StartAsync(int submitBatchSize = 20, int submitConcurrency = 2)
    {
        var config = Path.Combine(work.FullName, "spillway.json");
        var database = "sqlite:///" + Path.Combine(work.FullName, "data", "spillway.db").TrimStart('/');
        const string fields = """
            "Fields": { "name": { "Type": "string", "Required": true }, "email": { "Type": "string", "Required": true } }
            """;
        await File.WriteAllTextAsync(config, $$"""
            {
              "Spillway": {
                "Routes": {
                  "submit": { "Path": "/submit", {{fields}} },
                  "poison": { "Path": "/poison", {{fields}} }
                },
                "Queues": {
                  "poison": { "VisibilityTimeoutSeconds": 0, "DeadLetterQueue": "poison-dlq", "MaxReceiveCount": 1 }
                },
                "Sinks": { "users": { "DatabaseUrl": "{{database}}", "Table": "users" } },
                "Workers": {
                  "submit": { "Queue": "submit", "Handler": { "Kind": "sql", "Sink": "users" }, "BatchSize": {{submitBatchSize}},
                    "MaxConcurrency": {{submitConcurrency}}, "MinConcurrency": 1 },
                  "poison": { "Queue": "poison", "Handler": { "Kind": "http", "Url": "http://127.0.0.1:{{SpillwayProcess.FreePort()}}/",
                    "TimeoutSeconds": 2 } }
                },
                "Gateway": { "ApiKeys": [ "{{ApiKey}}" ] }
              }
            }
            """);
        // No AWS credentials: on loopback the AWS APIs then take any signature, as the delivery stream test needs.
        var server = await SpillwayProcess.StartAsync(
            Path.Combine(work.FullName, "data"),
            ["--config", config],
            SpillwayProcess.AnySignature());
        server.Client.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
        return server;
    }

    private void Report(string what, string path)
    {
        output.WriteLine($"dashboard screenshot ({what}): {path}");
        Console.WriteLine($"dashboard screenshot ({what}): {path}");
    }

    private static async Task PostAsync(SpillwayProcess server, string path, string json, HttpStatusCode expected = HttpStatusCode.Accepted)
    {
        using var content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        using var response = await server.Client.PostAsync(new Uri(path, UriKind.Relative), content);
        Assert.Equal(expected, response.StatusCode);
    }

    private static async Task FirehoseAsync(SpillwayProcess server, string action, string json)
    {
        using var content = new StringContent(json, System.Text.Encoding.UTF8);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-amz-json-1.1");
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/", UriKind.Relative)) { Content = content };
        request.Headers.Add("X-Amz-Target", "Firehose_20150804." + action);
        using var response = await server.Client.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"{action}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private static async Task SwitchAsync(SpillwayProcess server, string worker, bool enable)
    {
        var path = $"/v1/workers/{worker}/{(enable ? "enable" : "disable")}";
        using var response = await server.Client.PostAsync(new Uri(path, UriKind.Relative), null);
        response.EnsureSuccessStatusCode();
    }

    private static async Task WaitForQueueAsync(SpillwayProcess server, string queue, Func<long, bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!condition(await AdminApi.VisibleAsync(server, queue)))
        {
            Assert.True(DateTime.UtcNow < deadline, $"queue {queue} never reached the expected count");
            await Task.Delay(50);
        }
    }

    // Workers start once their sink's table exists, just after the server answers.
    private static async Task WaitForWorkersEnabledAsync(SpillwayProcess server)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var workers = await server.Client.GetFromJsonAsync<JsonElement>(new Uri("/v1/workers", UriKind.Relative));
            if (workers.GetProperty("workers").EnumerateArray().All(w => w.GetProperty("enabled").GetBoolean()))
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, "the workers never started");
            await Task.Delay(20);
        }
    }
}
