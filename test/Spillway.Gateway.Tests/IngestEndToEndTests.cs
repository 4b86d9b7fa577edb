using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Spillway.Messaging;
using Spillway.TestKit;

namespace Spillway.Gateway.Tests;

/// <summary>Real Kestrel, real HttpClient, real <see cref="QueueEngine"/> in a temporary directory.</summary>
public sealed class IngestEndToEndTests : IAsyncLifetime
{
    private const string ApiKey = "test-key-0123456789abcdef";
    private readonly string directory = Directory.CreateTempSubdirectory("spillway-gateway-").FullName;
    private QueueEngine engine = null!;
    private MessageQueue queue = null!;

    public async Task InitializeAsync()
    {
        engine = await OpenEngineAsync();
        queue = await engine.CreateQueueAsync(new QueueDefinition { Name = "submit" });
    }

    public async Task DisposeAsync()
    {
        await engine.DisposeAsync();
        Directory.Delete(directory, recursive: true);
    }

    private ValueTask<QueueEngine> OpenEngineAsync()
        => QueueEngine.OpenAsync(new QueueEngineOptions { DataDirectory = directory, MinimumFreeDiskBytes = 1024 * 1024 });

    private static StringContent Json(string body, string contentType = "application/json")
        => new(body, Encoding.UTF8, MediaTypeHeaderValue.Parse(contentType));

    private static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response)
        => JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    private long Backlog()
    {
        var counts = queue.GetCounts();
        return counts.Visible + counts.InFlight + counts.Delayed;
    }

    private string[] StoredBodies()
    {
        var peeked = queue.Peek(1000);
        var bodies = new string[peeked.Count];
        for (var i = 0; i < bodies.Length; i++)
        {
            bodies[i] = Encoding.UTF8.GetString(peeked[i].Body.Span);
        }

        return bodies;
    }

    [Fact]
    public async Task Single_record_is_202_with_its_id_after_it_is_stored_byte_for_byte()
    {
        await using var server = await GatewayServer.StartAsync(engine);
        const string body = """{"name": "田中太郎", "email": "tanaka@example.com"}""";

        using var response = await server.Client.PostAsync("/submit", Json(body));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var id = (await ReadJsonAsync(response)).GetProperty("messageId").GetGuid();
        var stored = Assert.Single(queue.Peek(10));
        Assert.Equal(id, stored.MessageId);
        Assert.Equal(body, Encoding.UTF8.GetString(stored.Body.Span));
    }

    [Fact]
    public async Task Array_is_stored_as_one_batch_and_answered_with_every_id_in_order()
    {
        await using var server = await GatewayServer.StartAsync(engine);
        const string body =
            """[{"name":"a","email":"a@example.com"},{"name":"b","email":"b@example.com"},{"name":"c","email":"c@example.com"}]""";

        using var response = await server.Client.PostAsync("/submit", Json(body));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var ids = (await ReadJsonAsync(response)).GetProperty("messageIds").EnumerateArray().Select(e => e.GetGuid()).ToArray();
        var stored = queue.Peek(10);
        Assert.Equal(ids, stored.Select(m => m.MessageId).ToArray());
        Assert.Equal(
            ["""{"name":"a","email":"a@example.com"}""", """{"name":"b","email":"b@example.com"}""", """{"name":"c","email":"c@example.com"}"""],
            StoredBodies());
    }

    [Fact]
    public async Task Ndjson_is_stored_one_message_per_line()
    {
        await using var server = await GatewayServer.StartAsync(engine);
        const string body = "{\"name\":\"田中太郎\",\"email\":\"tanaka@example.com\"}\n{\"name\":\"b\",\"email\":\"b@example.com\"}\n";

        using var response = await server.Client.PostAsync("/submit", Json(body, "application/x-ndjson"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(2, (await ReadJsonAsync(response)).GetProperty("messageIds").GetArrayLength());
        Assert.Equal(["{\"name\":\"田中太郎\",\"email\":\"tanaka@example.com\"}", "{\"name\":\"b\",\"email\":\"b@example.com\"}"], StoredBodies());
    }

    public static TheoryData<string, string, int, string> BadRequests => new()
    {
        { "application/json", "{\"name\":\"a\",", 400, "$" },
        { "application/json", """{"name":5,"email":"a@example.com"}""", 400, "name" },
        { "application/json", """{"name":"a"}""", 400, "email" },
        { "application/json", $$"""{"name":"{{new string('x', 201)}}","email":"a@example.com"}""", 400, "name" },
        { "application/json", """{"name":"a","email":"not-an-address"}""", 400, "email" },
        { "application/json", """{"name":"a\u0000b","email":"a@example.com"}""", 400, "name" },
        { "application/json", """[{"name":"a","email":"a@example.com"},{"name":"\udfff","email":"b@example.com"}]""", 400, "/1/name" },
        { "application/json", """{"name":"a","email":"a@example.com","role":"admin"}""", 400, "role" },
        { "application/json", """[{"name":"a","email":"a@example.com"},{"name":"b","email":"b@example.com","x":1}]""", 400, "/1/x" },
        { "application/json", $$"""{"name":"a","email":"a@example.com","x":{{new string('[', 40)}}{{new string(']', 40)}}}""", 400, "x" },
        { "application/json", "", 400, "$" },
        { "application/json", "[]", 400, "$" },
        { "application/x-ndjson", "{\"name\":\"a\",\"email\":\"a@example.com\"}\n{\"name\":\"b\"}\n", 400, "/1/email" },
        { "application/json", "[" + string.Join(",", Enumerable.Repeat("""{"name":"a","email":"a@example.com"}""", 1001)) + "]", 413, "$" },
        { "application/json", $$"""{"name":"{{new string('x', 1024 * 1024)}}","email":"a@example.com"}""", 413, "$" },
        { "text/plain", """{"name":"a","email":"a@example.com"}""", 415, "Content-Type" },
        { "application/json; charset=utf-16", """{"name":"a","email":"a@example.com"}""", 415, "Content-Type" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task Bad_input_gets_a_problem_naming_the_field_and_stores_nothing(string contentType, string body, int status, string path)
    {
        await using var server = await GatewayServer.StartAsync(engine);

        using var response = await server.Client.PostAsync("/submit", Json(body, contentType));

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await ReadJsonAsync(response);
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
        Assert.StartsWith("urn:spillway:problem:", problem.GetProperty("type").GetString(), StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("title").GetString()));
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("detail").GetString()));
        Assert.True(problem.GetProperty("errors").TryGetProperty(path, out _), $"errors should name '{path}': {problem}");
        Assert.Equal(0, Backlog());
    }

    [Fact]
    public async Task Chunked_body_over_the_limit_is_413_and_stores_nothing()
    {
        var route = IngestRouteOptions.CreateSubmitRoute();
        route.MaxBodyBytes = 1000;
        await using var server = await GatewayServer.StartAsync(engine, null, route);
        var body = Encoding.UTF8.GetBytes("[" + string.Join(",", Enumerable.Repeat("""{"name":"a","email":"a@example.com"}""", 100)) + "]");
        using var content = new StreamContent(new MemoryStream(body));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/submit") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        using var response = await server.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(0, Backlog());
    }

    [Theory]
    [InlineData("FFFFFFFFFFFFFFFFFFFFFFFF")]
    [InlineData("zz")]
    public async Task Chunked_body_with_a_malformed_chunk_size_is_400_without_retry_after_and_stores_nothing(string chunkSize)
    {
        await using var server = await GatewayServer.StartAsync(engine);
        var address = server.Client.BaseAddress!;
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(address.Host, address.Port);
        var stream = tcp.GetStream();
        var request = "POST /submit HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
            + $"{chunkSize}\r\n{{\"name\":\"a\",\"email\":\"a@example.com\"}}\r\n0\r\n\r\n";

        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        var answer = await ReadResponseAsync(stream);

        Assert.StartsWith("HTTP/1.1 400 ", answer, StringComparison.Ordinal);
        Assert.DoesNotContain("Retry-After", answer, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("application/problem+json", answer, StringComparison.Ordinal);
        Assert.Contains("malformed", answer, StringComparison.Ordinal);
        Assert.Equal(0, Backlog());
    }

    /// <summary>Reads a response whose body ends the connection or fits its Content-Length.</summary>
    private static async Task<string> ReadResponseAsync(Stream stream)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var received = new MemoryStream();
        var buffer = new byte[4096];
        while (true)
        {
            var read = await stream.ReadAsync(buffer, timeout.Token);
            if (read == 0)
            {
                break;
            }

            received.Write(buffer, 0, read);
            var text = Encoding.UTF8.GetString(received.ToArray());
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            var length = System.Text.RegularExpressions.Regex.Match(text, @"Content-Length: (\d+)", System.Text.RegularExpressions.RegexOptions.IgnoreCase);
            if (end >= 0 && length.Success && received.Length - (end + 4) >= int.Parse(length.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture))
            {
                break;
            }
        }

        return Encoding.UTF8.GetString(received.ToArray());
    }

    [Fact]
    public async Task Chunked_ndjson_under_the_limit_is_read_to_its_end_and_stored()
    {
        await using var server = await GatewayServer.StartAsync(engine);
        var lines = Enumerable.Range(0, 500).Select(i => $"{{\"name\":\"n{i}\",\"email\":\"u{i}@example.com\"}}\n");
        var body = Encoding.UTF8.GetBytes(string.Concat(lines));
        using var content = new StreamContent(new MemoryStream(body), bufferSize: 1000);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/submit") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        using var response = await server.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(500, (await ReadJsonAsync(response)).GetProperty("messageIds").GetArrayLength());
        Assert.Equal(500, Backlog());
    }

    [Fact]
    public async Task Other_methods_on_the_route_are_405_not_500()
    {
        await using var server = await GatewayServer.StartAsync(engine);

        using var response = await server.Client.GetAsync("/submit");

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
    }

    [Fact]
    public async Task Replay_with_the_same_idempotency_key_returns_the_original_answer_and_stores_nothing_new()
    {
        await using var server = await GatewayServer.StartAsync(engine);
        const string body = """[{"name":"a","email":"a@example.com"},{"name":"b","email":"b@example.com"}]""";

        using var first = await PostWithKeyAsync(server, body, "order-42");
        using var replay = await PostWithKeyAsync(server, body, "order-42");

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, replay.StatusCode);
        Assert.False(first.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal("true", Assert.Single(replay.Headers.GetValues("Idempotent-Replayed")));
        Assert.Equal(await first.Content.ReadAsStringAsync(), await replay.Content.ReadAsStringAsync());
        Assert.Equal(2, Backlog());
    }

    [Fact]
    public async Task Replay_after_reopening_the_engine_returns_the_original_answer()
    {
        const string body = """{"name":"a","email":"a@example.com"}""";
        string original;
        await using (var server = await GatewayServer.StartAsync(engine))
        {
            using var first = await PostWithKeyAsync(server, body, "retry-me");
            Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
            original = await first.Content.ReadAsStringAsync();
        }

        await engine.DisposeAsync();
        engine = await OpenEngineAsync();
        Assert.True(engine.TryGetQueue("submit", out var reopened));
        queue = reopened;

        await using (var server = await GatewayServer.StartAsync(engine))
        {
            using var replay = await PostWithKeyAsync(server, body, "retry-me");
            Assert.Equal(HttpStatusCode.Accepted, replay.StatusCode);
            Assert.True(replay.Headers.Contains("Idempotent-Replayed"));
            Assert.Equal(original, await replay.Content.ReadAsStringAsync());
        }

        Assert.Equal(1, Backlog());
    }

    [Theory]
    [InlineData("")]
    [InlineData("tab\there")]
    [InlineData("long")]
    public async Task Invalid_idempotency_key_is_400_and_stores_nothing(string key)
    {
        key = key == "long" ? new string('k', 256) : key;
        await using var server = await GatewayServer.StartAsync(engine);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/submit") { Content = Json("""{"name":"a","email":"a@example.com"}""") };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", key);

        using var response = await server.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await ReadJsonAsync(response)).GetProperty("errors").TryGetProperty("Idempotency-Key", out _));
        Assert.Equal(0, Backlog());
    }

    [Fact]
    public async Task Backlog_at_its_limit_is_503_with_retry_after_and_stores_nothing()
    {
        var route = IngestRouteOptions.CreateSubmitRoute();
        route.MaxBacklog = 2;
        await using var server = await GatewayServer.StartAsync(engine, new GatewayOptions { RetryAfterSeconds = 7 }, route);
        const string body = """{"name":"a","email":"a@example.com"}""";

        using var first = await server.Client.PostAsync("/submit", Json(body));
        using var second = await server.Client.PostAsync("/submit", Json(body));
        using var refused = await server.Client.PostAsync("/submit", Json(body));

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(7), refused.Headers.RetryAfter?.Delta);
        Assert.Contains("backlog", (await ReadJsonAsync(refused)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(2, Backlog());
    }

    [Fact]
    public async Task Missing_queue_is_503_not_500()
    {
        var route = IngestRouteOptions.CreateSubmitRoute();
        route.QueueName = "nowhere";
        await using var server = await GatewayServer.StartAsync(engine, null, route);

        using var response = await server.Client.PostAsync("/submit", Json("""{"name":"a","email":"a@example.com"}"""));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter);
    }

    [Fact]
    public async Task With_api_keys_configured_a_request_without_a_valid_key_is_401_and_stores_nothing()
    {
        await using var server = await GatewayServer.StartAsync(engine, new GatewayOptions { ApiKeys = [ApiKey] });
        const string body = """{"name":"a","email":"a@example.com"}""";

        using var none = await server.Client.PostAsync("/submit", Json(body));
        using var wrongRequest = new HttpRequestMessage(HttpMethod.Post, "/submit") { Content = Json(body) };
        wrongRequest.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey + "x");
        using var wrong = await server.Client.SendAsync(wrongRequest);

        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal("Bearer", Assert.Single(none.Headers.WwwAuthenticate).Scheme);
        Assert.Equal("application/problem+json", none.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain(ApiKey, await none.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(0, Backlog());

        using var bearerRequest = new HttpRequestMessage(HttpMethod.Post, "/submit") { Content = Json(body) };
        bearerRequest.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey);
        using var bearer = await server.Client.SendAsync(bearerRequest);
        using var headerRequest = new HttpRequestMessage(HttpMethod.Post, "/submit") { Content = Json(body) };
        headerRequest.Headers.Add("X-Api-Key", ApiKey);
        using var header = await server.Client.SendAsync(headerRequest);

        Assert.Equal(HttpStatusCode.Accepted, bearer.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, header.StatusCode);
        Assert.Equal(2, Backlog());
    }

    [Fact]
    public async Task Healthz_answers_ok_without_a_key()
    {
        await using var server = await GatewayServer.StartAsync(engine, new GatewayOptions { ApiKeys = [ApiKey] });

        using var response = await server.Client.GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok", (await ReadJsonAsync(response)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Concurrent_single_records_are_all_stored_exactly_once()
    {
        await using var server = await GatewayServer.StartAsync(engine);
        var tasks = new Task<HttpResponseMessage>[200];
        for (var i = 0; i < tasks.Length; i++)
        {
            tasks[i] = server.Client.PostAsync("/submit", Json($$"""{"name":"user {{i}}","email":"u{{i}}@example.com"}"""));
        }

        var responses = await Task.WhenAll(tasks);
        var ids = new HashSet<Guid>();
        foreach (var response in responses)
        {
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            Assert.True(ids.Add((await ReadJsonAsync(response)).GetProperty("messageId").GetGuid()));
            response.Dispose();
        }

        Assert.Equal(200, Backlog());
        Assert.Equal(ids.Order(), queue.Peek(1000).Select(m => m.MessageId).Order());
    }

    private static Task<HttpResponseMessage> PostWithKeyAsync(TestWebHost server, string body, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/submit") { Content = Json(body) };
        request.Headers.Add("Idempotency-Key", key);
        return server.Client.SendAsync(request);
    }
}
