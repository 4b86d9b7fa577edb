using System.Net;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using Spillway.Messaging;
using Spillway.TestKit;

namespace Spillway.Sqs.Tests;

/// <summary>
/// A real Kestrel on 127.0.0.1 with a free port serving the SQS API over a queue engine in a temporary directory, on a
/// manual clock, with helpers that speak each protocol the way SQS clients do.
/// </summary>
internal sealed class SqsTestServer : IAsyncDisposable
{
    public const string Account = "000000000000";

    private readonly string directory;
    private readonly SqsOptions options;
    private readonly Func<SqsApiSettings, SqsApiSettings> settings;
    private readonly long minimumFreeDiskBytes;
    private double? fifoSendRateLimit;
    private TestWebHost host = null!;

    private SqsTestServer(string directory, SqsOptions options, Func<SqsApiSettings, SqsApiSettings> settings, long minimumFreeDiskBytes)
    {
        this.directory = directory;
        this.options = options;
        this.settings = settings;
        this.minimumFreeDiskBytes = minimumFreeDiskBytes;
    }

    public ManualTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    public QueueEngine Engine { get; private set; } = null!;

    public HttpClient Client => host.Client;

    public string BaseUrl => host.BaseUrl;

    /// <param name="options">The API's options; the defaults when null.</param>
    /// <param name="settings">Changes the settings the fixture makes (state directory, manual clock).</param>
    /// <param name="minimumFreeDiskBytes">The engine's free-space floor; a huge one makes every send fail as on a full disk.</param>
    public static async Task<SqsTestServer> StartAsync(
        SqsOptions? options = null,
        Func<SqsApiSettings, SqsApiSettings>? settings = null,
        long minimumFreeDiskBytes = 1024 * 1024,
        double? fifoSendRateLimit = null)
    {
        var server = new SqsTestServer(
            Directory.CreateTempSubdirectory("spillway-sqs-").FullName, options ?? new SqsOptions(), settings ?? (s => s), minimumFreeDiskBytes)
        {
            fifoSendRateLimit = fifoSendRateLimit,
        };
        await server.OpenAsync();
        return server;
    }

    public string QueueUrl(string name) => $"{BaseUrl}/{Account}/{name}";

    /// <summary>Stops the server and the engine and opens both again on the same directory, as a restart does.</summary>
    public async Task RestartAsync()
    {
        await CloseAsync();
        await OpenAsync();
    }

    /// <summary>A query-protocol request: a form POST to <paramref name="path"/> with Version=2012-11-05.</summary>
    public async Task<QueryAnswer> QueryAtAsync(string path, params string[] pairs)
    {
        var form = new List<KeyValuePair<string, string>> { new("Version", "2012-11-05") };
        for (var i = 0; i < pairs.Length; i += 2)
        {
            form.Add(new(pairs[i], pairs[i + 1]));
        }

        using var response = await Client.PostAsync(path, new FormUrlEncodedContent(form));
        return await QueryAnswer.ReadAsync(response);
    }

    public Task<QueryAnswer> QueryAsync(params string[] pairs) => QueryAtAsync("/", pairs);

    /// <summary>A JSON 1.0 request: POST / with X-Amz-Target: AmazonSQS.<paramref name="action"/>.</summary>
    public async Task<JsonAnswer> JsonAsync(string action, object body)
    {
        var text = body as string ?? JsonSerializer.Serialize(body);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/");
        request.Headers.Add("X-Amz-Target", "AmazonSQS." + action);
        request.Content = new StringContent(text, Encoding.UTF8);
        request.Content.Headers.ContentType = new("application/x-amz-json-1.0");
        using var response = await Client.SendAsync(request);
        return await JsonAnswer.ReadAsync(response);
    }

    public async Task<string> CreateQueueAsync(string name, Dictionary<string, string>? attributes = null)
    {
        var answer = await JsonAsync("CreateQueue", new { QueueName = name, Attributes = attributes ?? [] });
        Assert.Equal(HttpStatusCode.OK, answer.Status);
        return answer.Body.GetProperty("QueueUrl").GetString()!;
    }

    public async ValueTask DisposeAsync()
    {
        await CloseAsync();
        Directory.Delete(directory, recursive: true);
    }

    private async Task OpenAsync()
    {
        Engine = await QueueEngine.OpenAsync(new QueueEngineOptions
        {
            DataDirectory = Path.Combine(directory, "queues"),
            TimeProvider = Clock,
            MinimumFreeDiskBytes = minimumFreeDiskBytes,
            FifoSendRateLimit = fifoSendRateLimit,
        });
        host = await TestWebHost.StartAsync(app => app.MapSqsApi(Engine, options, settings(new SqsApiSettings
        {
            StateDirectory = Path.Combine(directory, "sqs"),
            TimeProvider = Clock,
        })));
    }

    private async Task CloseAsync()
    {
        await host.DisposeAsync();
        await Engine.DisposeAsync();
    }
}

/// <summary>A query-protocol answer: the status and the XML, read by local element names.</summary>
internal sealed record QueryAnswer(HttpStatusCode Status, XDocument Xml, string ContentType, string? RequestIdHeader)
{
    public static readonly XNamespace Sqs = "http://queue.amazonaws.com/doc/2012-11-05/";

    public static async Task<QueryAnswer> ReadAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return new QueryAnswer(
            response.StatusCode,
            XDocument.Parse(text),
            response.Content.Headers.ContentType?.MediaType ?? "",
            response.Headers.TryGetValues("x-amzn-RequestId", out var ids) ? ids.Single() : null);
    }

    /// <summary>The text of the first element of that name in the SQS namespace, or null.</summary>
    public string? Value(string element) => Xml.Descendants(Sqs + element).FirstOrDefault()?.Value;

    public List<string> Values(string element) => [.. Xml.Descendants(Sqs + element).Select(e => e.Value)];

    public string? ErrorCode => Value("Code");

    /// <summary>A flattened map (<c>&lt;Attribute&gt;&lt;Name/&gt;&lt;Value/&gt;&lt;/Attribute&gt;</c>) under <paramref name="parent"/>.</summary>
    public Dictionary<string, string> Map(XElement parent, string entry, string key = "Name", string value = "Value") =>
        parent.Elements(Sqs + entry).ToDictionary(e => e.Element(Sqs + key)!.Value, e => e.Element(Sqs + value)!.Value);

    public XElement Result(string action) => Xml.Root!.Element(Sqs + action + "Result")!;

    public void AssertOk()
    {
        Assert.True(Status == HttpStatusCode.OK, $"expected 200, got {(int)Status}: {Xml}");
    }

    public void AssertError(HttpStatusCode status, string code)
    {
        Assert.True(Status == status && ErrorCode == code, $"expected {(int)status} {code}, got {(int)Status}: {Xml}");
        Assert.Equal("ErrorResponse", Xml.Root!.Name.LocalName);
        Assert.Equal(Sqs, Xml.Root.Name.Namespace);
        Assert.Equal("Sender", Value("Type"));
        Assert.False(string.IsNullOrEmpty(Value("Message")));
        Assert.False(string.IsNullOrEmpty(Xml.Root.Element(Sqs + "RequestId")?.Value));
    }
}

/// <summary>A JSON 1.0 answer: the status, the body (an empty object for an empty body) and x-amzn-query-error.</summary>
internal sealed record JsonAnswer(HttpStatusCode Status, JsonElement Body, string RawBody, string? QueryError, string ContentType)
{
    public static async Task<JsonAnswer> ReadAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        using var document = JsonDocument.Parse(text.Length == 0 ? "{}" : text);
        return new JsonAnswer(
            response.StatusCode,
            document.RootElement.Clone(),
            text,
            response.Headers.TryGetValues("x-amzn-query-error", out var values) ? values.Single() : null,
            response.Content.Headers.ContentType?.MediaType ?? "");
    }

    public string? String(string name) => Body.TryGetProperty(name, out var value) ? value.GetString() : null;

    public void AssertOk()
    {
        Assert.True(Status == HttpStatusCode.OK, $"expected 200, got {(int)Status}: {RawBody}");
    }

    /// <summary>Asserts SQS's JSON error: the status, <c>__type</c>, a message and the query-compatible code header.</summary>
    public void AssertError(HttpStatusCode status, string shape, string queryCode)
    {
        Assert.True(Status == status, $"expected {(int)status}, got {(int)Status}: {RawBody}");
        Assert.Equal("com.amazonaws.sqs#" + shape, String("__type"));
        Assert.False(string.IsNullOrEmpty(String("message")));
        Assert.Equal(queryCode + ";Sender", QueryError);
    }
}
