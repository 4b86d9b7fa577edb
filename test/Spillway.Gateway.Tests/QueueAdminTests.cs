using System.Net;
using System.Text;
using System.Text.Json;
using Spillway.Gateway.Admin;
using Spillway.Messaging;
using Spillway.TestKit;
using Spillway.Transport;

namespace Spillway.Gateway.Tests;

/// <summary>
/// The queue admin API over a real engine behind a real Kestrel: what an operator sends is read strictly, every refusal
/// is a 400 that says what is wrong, and a refused request changes nothing.
/// </summary>
public sealed class QueueAdminTests : IAsyncLifetime
{
    private readonly string directory = Directory.CreateTempSubdirectory("spillway-admin-").FullName;
    private QueueEngine engine = null!;
    private TestWebHost server = null!;

    public async Task InitializeAsync()
    {
        engine = await QueueEngine.OpenAsync(new QueueEngineOptions { DataDirectory = directory, MinimumFreeDiskBytes = 1024 * 1024 });
        var transport = new EmbeddedTransport(engine);
        await transport.CreateQueuesAsync(
            [
                new QueueDefinition { Name = "orders", RedrivePolicy = new RedrivePolicy("orders-dlq", 1) },
                new QueueDefinition { Name = "orders-dlq" },
                new QueueDefinition { Name = "other" },
                new QueueDefinition { Name = "ordered.fifo", FifoQueue = true },
            ],
            CancellationToken.None);
        server = await GatewayServer.StartAsync(app => app.MapQueueAdmin(transport));
        await DeadLetterOneAsync();
    }

    public async Task DisposeAsync()
    {
        await server.DisposeAsync();
        await engine.DisposeAsync();
        Directory.Delete(directory, recursive: true);
    }

    [Theory]
    [InlineData("""{"bogus": 1}""", "destination, maxMessages")]
    [InlineData("""{"destinaton": "other"}""", "destination, maxMessages")]
    [InlineData("""{"maxMessages": "5"}""", "wrong type")]
    [InlineData("""{"destination": "other", "destination": "orders"}""", "twice")]
    [InlineData("""{"maxMessages": 0}""", "at least 1")]
    [InlineData("""{"destination": ""}""", "name a queue")]
    [InlineData("""[1, 2]""", "wrong type")]
    [InlineData("""{"destination": "other",""", "not valid JSON")]
    public async Task A_redrive_body_that_is_not_exactly_what_the_api_takes_is_400_and_moves_nothing(string body, string detail)
    {
        using var response = await server.Client.PostAsync("/v1/queues/orders-dlq/redrive", new StringContent(body, Encoding.UTF8, "application/json"));

        await AdminProblem.AssertAsync(response, HttpStatusCode.BadRequest, detail);
        Assert.Equal(1, Depth("orders-dlq"));
    }

    [Fact]
    public async Task A_redrive_into_a_fifo_queue_from_a_standard_one_is_400_naming_both()
    {
        using var response = await server.Client.PostAsync(
            "/v1/queues/orders-dlq/redrive", new StringContent("""{"destination": "ordered.fifo"}""", Encoding.UTF8, "application/json"));

        await AdminProblem.AssertAsync(response, HttpStatusCode.BadRequest, "ordered.fifo");
        Assert.Equal(1, Depth("orders-dlq"));
    }

    [Fact]
    public async Task A_redrive_to_an_unknown_queue_is_404_and_a_valid_one_moves_the_message()
    {
        using (var unknown = await server.Client.PostAsync(
            "/v1/queues/orders-dlq/redrive", new StringContent("""{"destination": "nowhere"}""", Encoding.UTF8, "application/json")))
        {
            await AdminProblem.AssertAsync(unknown, HttpStatusCode.NotFound, "nowhere");
        }

        using var moved = await server.Client.PostAsync(
            "/v1/queues/orders-dlq/redrive", new StringContent("""{"destination": "other", "maxMessages": 5}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, moved.StatusCode);
        Assert.Equal(1, JsonDocument.Parse(await moved.Content.ReadAsStringAsync()).RootElement.GetProperty("moved").GetInt32());
        Assert.Equal(0, Depth("orders-dlq"));
        Assert.Equal(1, Depth("other"));
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("0")]
    [InlineData("1001")]
    [InlineData("5&limit=6")]
    public async Task A_bad_peek_limit_is_400_with_a_body_that_names_it(string limit)
    {
        using var response = await server.Client.GetAsync("/v1/queues/orders-dlq/messages?limit=" + limit);

        await AdminProblem.AssertAsync(response, HttpStatusCode.BadRequest, "limit must be");
    }

    [Fact]
    public async Task Queue_attributes_with_a_number_as_a_string_or_an_unknown_member_are_400_and_change_nothing()
    {
        using (var asString = await server.Client.PatchAsync(
            "/v1/queues/other/attributes", new StringContent("""{"visibilityTimeoutSeconds": "60"}""", Encoding.UTF8, "application/json")))
        {
            await AdminProblem.AssertAsync(asString, HttpStatusCode.BadRequest, "wrong type");
        }

        using (var unknown = await server.Client.PostAsync(
            "/v1/queues", new StringContent("""{"name": "made", "visibilityTimeout": 60}""", Encoding.UTF8, "application/json")))
        {
            await AdminProblem.AssertAsync(unknown, HttpStatusCode.BadRequest, "visibilityTimeoutSeconds");
        }

        Assert.False(engine.TryGetQueue("made", out _));
        Assert.True(engine.TryGetQueue("other", out var other));
        Assert.Equal(TimeSpan.FromSeconds(30), other.Definition.VisibilityTimeout);
    }

    private async Task DeadLetterOneAsync()
    {
        engine.TryGetQueue("orders", out var orders);
        await orders!.SendBatchAsync([new OutgoingMessage("""{"n":1}"""u8.ToArray())]);
        var received = await orders.ReceiveAsync(new ReceiveOptions { VisibilityTimeout = TimeSpan.Zero, WaitTime = TimeSpan.Zero });
        Assert.Single(received);

        // The second receive finds it over its maxReceiveCount of 1 and moves it to the dead-letter queue.
        Assert.Empty(await orders.ReceiveAsync(new ReceiveOptions { WaitTime = TimeSpan.Zero }));
        Assert.Equal(1, Depth("orders-dlq"));
    }

    private long Depth(string name)
    {
        engine.TryGetQueue(name, out var queue);
        var counts = queue!.GetCounts();
        return counts.Visible + counts.InFlight + counts.Delayed;
    }
}
