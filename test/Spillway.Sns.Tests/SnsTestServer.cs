using System.Net;
using System.Text;
using System.Xml.Linq;
using Spillway.Aws;
using Spillway.Messaging;
using Spillway.TestKit;

namespace Spillway.Sns.Tests;

/// <summary>
/// A real Kestrel on 127.0.0.1 serving the SNS API over a queue engine in a temporary directory, its notifications signed
/// with a key in that directory, and helpers that speak the query protocol as the aws CLI, boto3 and the SDKs do.
/// </summary>
internal sealed class SnsTestServer : IAsyncDisposable
{
    public const string Account = "000000000000";
    public static readonly XNamespace Sns = "http://sns.amazonaws.com/doc/2010-03-31/";

    private readonly string directory;
    private TestWebHost host = null!;
    private Uri? baseUrl;

    private SnsTestServer(string directory) => this.directory = directory;

    public QueueEngine Engine { get; private set; } = null!;

    public SnsNotifications Notifications { get; private set; } = null!;

    public HttpClient Client => host.Client;

    /// <summary>The delivery worker, when the server was started with <paramref name="delivery"/> settings.</summary>
    public Delivery.SnsDeliveryService? Delivery { get; private set; }

    /// <summary>
    /// Starts a server; <paramref name="directory"/> reopens the data of an earlier one. With <paramref name="delivery"/>, a
    /// delivery worker drains the subscriptions' queues on the settings' clock, which is the engine's too.
    /// </summary>
    public static async Task<SnsTestServer> StartAsync(string? directory = null, Delivery.SnsDeliverySettings? delivery = null)
    {
        var server = new SnsTestServer(directory ?? Directory.CreateTempSubdirectory("spillway-sns-").FullName);
        server.Notifications = SnsNotifications.Open(
            Path.Combine(server.directory, "sns"), new AwsAccount(), () => server.baseUrl ?? throw new InvalidOperationException("not started"));
        server.Engine = await QueueEngine.OpenAsync(new QueueEngineOptions
        {
            DataDirectory = Path.Combine(server.directory, "queues"),
            MinimumFreeDiskBytes = 0,
            NotificationRenderer = server.Notifications.Renderer,
            TimeProvider = delivery?.TimeProvider ?? TimeProvider.System,
        });
        server.host = await TestWebHost.StartAsync(app => app.MapSnsApi(server.Engine, new SnsApiSettings { Notifications = server.Notifications }));
        server.baseUrl = server.Client.BaseAddress;
        if (delivery is not null)
        {
            server.Delivery = new Delivery.SnsDeliveryService(server.Engine, delivery);
            server.Delivery.Start();
        }

        return server;
    }

    public string DataDirectory => directory;

    public static string TopicArn(string name) => $"arn:aws:sns:us-east-1:{Account}:{name}";

    public static string QueueArn(string name) => $"arn:aws:sqs:us-east-1:{Account}:{name}";

    /// <summary>A query request as the SDKs send it: a form POST to / with Action and Version.</summary>
    public async Task<QueryAnswer> CallAsync(string action, params (string Key, string Value)[] parameters)
    {
        var form = new List<KeyValuePair<string, string>> { new("Action", action), new("Version", "2010-03-31") };
        form.AddRange(parameters.Select(p => new KeyValuePair<string, string>(p.Key, p.Value)));
        using var content = new FormUrlEncodedContent(form);
        using var response = await Client.PostAsync("/", content);
        var text = await response.Content.ReadAsStringAsync();
        return new QueryAnswer(response.StatusCode, XDocument.Parse(text), text);
    }

    public async Task<string> CreateTopicAsync(string name, params (string Key, string Value)[] attributes)
    {
        var parameters = attributes.SelectMany((a, i) => new[]
        {
            ($"Attributes.entry.{i + 1}.key", a.Key), ($"Attributes.entry.{i + 1}.value", a.Value),
        }).Prepend(("Name", name)).ToArray();
        var answer = await CallAsync("CreateTopic", parameters);
        answer.AssertOk();
        return answer.Value("TopicArn");
    }

    /// <summary>Creates the queue and subscribes it by ARN; returns the subscription ARN.</summary>
    public async Task<string> SubscribeQueueAsync(string topicArn, string queue, params (string Key, string Value)[] attributes)
    {
        if (!Engine.TryGetQueue(queue, out _))
        {
            var fifo = QueueLimits.IsFifoName(queue);
            await Engine.CreateQueueAsync(new QueueDefinition { Name = queue, FifoQueue = fifo });
        }

        var parameters = attributes.SelectMany((a, i) => new[]
        {
            ($"Attributes.entry.{i + 1}.key", a.Key), ($"Attributes.entry.{i + 1}.value", a.Value),
        }).Concat([("TopicArn", topicArn), ("Protocol", "sqs"), ("Endpoint", QueueArn(queue))]).ToArray();
        var answer = await CallAsync("Subscribe", parameters);
        answer.AssertOk();
        return answer.Value("SubscriptionArn");
    }

    /// <summary>
    /// Every message waiting in the queue, in order, once every answered publish has reached its queues (a publish is
    /// answered when the topic's journal holds it; each queue shows it after its own fsync).
    /// </summary>
    public async Task<List<ReceivedMessage>> DrainAsync(string queue)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Engine.Topics.List().Any(t => t.UnfinishedDeliveries > 0))
        {
            Assert.True(DateTime.UtcNow < deadline, "a topic's deliveries did not reach their queues");
            await Task.Delay(10);
        }

        Assert.True(Engine.TryGetQueue(queue, out var q));
        var all = new List<ReceivedMessage>();
        while (true)
        {
            var batch = await q.ReceiveAsync(new ReceiveOptions { MaxMessages = 10, VisibilityTimeout = TimeSpan.FromHours(1), WaitTime = TimeSpan.Zero });
            if (batch.Count == 0)
            {
                return all;
            }

            all.AddRange(batch);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Delivery is not null)
        {
            await Delivery.DisposeAsync();
        }

        await host.DisposeAsync();
        await Engine.DisposeAsync();
    }

    public void Delete() => Directory.Delete(directory, recursive: true);
}

/// <summary>An XML answer of the query protocol.</summary>
internal sealed record QueryAnswer(HttpStatusCode Status, XDocument Document, string Text)
{
    public void AssertOk() => Assert.True(Status == HttpStatusCode.OK, Text);

    /// <summary>The first element of that name anywhere in the answer.</summary>
    public string Value(string name) =>
        Document.Descendants(SnsTestServer.Sns + name).FirstOrDefault()?.Value ?? throw new InvalidOperationException($"no {name} in {Text}");

    public IEnumerable<string> Values(string name) => Document.Descendants(SnsTestServer.Sns + name).Select(e => e.Value);

    public Dictionary<string, string> Attributes() => Document.Descendants(SnsTestServer.Sns + "entry").ToDictionary(
        e => e.Element(SnsTestServer.Sns + "key")!.Value, e => e.Element(SnsTestServer.Sns + "value")!.Value);

    /// <summary>Asserts an error answer: its status and code, and returns its message.</summary>
    public string AssertError(HttpStatusCode status, string code)
    {
        Assert.True(Status == status, Text);
        Assert.Equal(code, Document.Descendants(SnsTestServer.Sns + "Code").Single().Value);
        var message = Document.Descendants(SnsTestServer.Sns + "Message").Single().Value;
        Assert.False(string.IsNullOrWhiteSpace(message));
        return message;
    }
}
