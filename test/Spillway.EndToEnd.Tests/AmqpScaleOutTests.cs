using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Spillway.EndToEnd.Tests.Support;
using Spillway.TestKit;

namespace Spillway.EndToEnd.Tests;

/// <summary>
/// Stateless nodes on RabbitMQ quorum queues in front of PostgreSQL: a node SIGKILLed during a burst, a broker stopped
/// and started during ingest (a node of the test's own). Every record that got a 202 is in the table exactly once.
/// </summary>
public sealed class AmqpScaleOutTests : IAsyncLifetime
{
    private readonly DirectoryInfo work = Directory.CreateTempSubdirectory("spillway-e2e-amqp-");
    private readonly List<SpillwayProcess> nodes = [];
    private readonly ConcurrentDictionary<string, byte> acknowledged = new();
    private Uri broker = null!;
    private TestDatabase database = null!;

    public async Task InitializeAsync()
    {
        broker = await TestBroker.CreateVirtualHostAsync("e2e");
        database = await TestDatabase.CreateAsync("postgresql");
    }

    public async Task DisposeAsync()
    {
        foreach (var node in nodes)
        {
            await node.DisposeAsync();
        }

        work.Delete(recursive: true);
    }

    [Fact]
    public async Task Two_nodes_with_one_sigkilled_mid_burst_store_every_acknowledged_record_once()
    {
        var first = await StartNodeAsync("a", "all");
        await FirstRecordStoredAsync(first);
        var second = await StartNodeAsync("b", "all");

        using var burst = new CancellationTokenSource();
        var sent = 0;
        var clients = Enumerable.Range(0, 24).Select(client => Task.Run(async () =>
        {
            for (var i = 0; !burst.IsCancellationRequested; i++)
            {
                // Half the clients go to each node, as a load balancer would spread them; after the kill, the survivor.
                var node = client % 2 == 0 && !first.HasExited ? first : second;
                var name = $"k-{client}-{i}";
                if (await PostAsync(node, name, burst.Token) == HttpStatusCode.Accepted && Interlocked.Increment(ref sent) == 600)
                {
                    first.Kill();
                }

                if (Volatile.Read(ref sent) > 1500)
                {
                    return;
                }
            }
        })).ToArray();
        await Task.WhenAll(clients).WaitAsync(TimeSpan.FromMinutes(3));

        Assert.True(first.HasExited, "the first node was never killed");
        await AssertEveryAcknowledgedRecordOnceAsync(minimum: 1000);
    }

    [Fact]
    public async Task Worker_sigkilled_mid_batch_loses_and_duplicates_nothing_while_another_takes_over()
    {
        var gateway = await StartNodeAsync("gateway", "gateway");
        var doomed = await StartNodeAsync("worker-1", "worker");
        await FirstRecordStoredAsync(gateway);

        // A backlog first, then the second worker, then the first one dies while both drain it.
        await Task.WhenAll(Enumerable.Range(0, 16).Select(client => Task.Run(async () =>
        {
            for (var i = 0; i < 150; i++)
            {
                await PostAsync(gateway, $"w-{client}-{i}", CancellationToken.None);
            }
        })));
        var survivor = await StartNodeAsync("worker-2", "worker");
        await database.WaitForUsersAsync(rows => rows.Count >= 300, TimeSpan.FromSeconds(60));
        doomed.Kill();

        await AssertEveryAcknowledgedRecordOnceAsync(minimum: 2000);
        Assert.False(survivor.HasExited);
    }

    [Fact]
    public async Task RabbitMQ_stopped_during_ingest_gives_503s_then_202s_again_and_loses_nothing()
    {
        await using var rabbit = await PrivateBroker.StartAsync();
        var node = await StartNodeAsync("a", "all", rabbit.AmqpUrl);
        await FirstRecordStoredAsync(node);
        var statuses = new ConcurrentBag<(HttpStatusCode Status, long StartedAt, bool RetryAfter)>();
        long stoppedAt = long.MaxValue, startingAt = long.MaxValue;
        var sawUnavailable = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var sawAcceptedAfter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var ingest = new CancellationTokenSource();
        var clients = Enumerable.Range(0, 8).Select(client => Task.Run(async () =>
        {
            for (var i = 0; !ingest.IsCancellationRequested; i++)
            {
                var name = $"o-{client}-{i}";
                var started = Stopwatch.GetTimestamp();
                using var response = await node.Client.PostAsJsonAsync("/submit", new { name, email = name + "@example.com" });
                statuses.Add((response.StatusCode, started, response.Headers.RetryAfter is not null));
                if (response.StatusCode == HttpStatusCode.Accepted)
                {
                    acknowledged[name] = 0;
                    if (started > Volatile.Read(ref startingAt))
                    {
                        sawAcceptedAfter.TrySetResult();
                    }
                }
                else if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
                {
                    sawUnavailable.TrySetResult();
                    // A client backs off on 503, as Retry-After asks (shorter here, to see the recovery soon).
                    await Task.Delay(100);
                }
            }
        })).ToArray();

        await WaitForAsync(() => acknowledged.Count >= 200, "200 records acknowledged before the outage");
        await rabbit.CtlAsync("stop_app");
        Volatile.Write(ref stoppedAt, Stopwatch.GetTimestamp());
        await sawUnavailable.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await WaitForAsync(() => statuses.Count(s => s.StartedAt > stoppedAt) >= 20, "20 requests answered while the broker is down");
        var readiness = await node.Client.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, readiness.StatusCode);
        Assert.Contains("transport:amqp", await readiness.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        Volatile.Write(ref startingAt, Stopwatch.GetTimestamp());
        await rabbit.CtlAsync("start_app");
        await sawAcceptedAfter.Task.WaitAsync(TimeSpan.FromSeconds(60));
        await WaitForAsync(() => statuses.Count(s => s.StartedAt > startingAt && s.Status == HttpStatusCode.Accepted) >= 200, "200 acknowledged after");
        await ingest.CancelAsync();
        await Task.WhenAll(clients).WaitAsync(TimeSpan.FromSeconds(60));

        // A request that began once the broker was down can not have been confirmed by it.
        var during = statuses.Where(s => s.StartedAt > stoppedAt && s.StartedAt < startingAt).ToList();
        Assert.NotEmpty(during);
        Assert.DoesNotContain(during, s => s.Status == HttpStatusCode.Accepted);
        Assert.All(statuses.Where(s => s.Status != HttpStatusCode.Accepted), s =>
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, s.Status);
            Assert.True(s.RetryAfter, "a 503 without Retry-After");
        });
        Assert.True((await node.Client.GetAsync("/readyz")).IsSuccessStatusCode, "not ready again after the broker returned");
        await AssertEveryAcknowledgedRecordOnceAsync(minimum: 400);
    }

    [Fact]
    public async Task Message_failed_max_receive_count_times_is_dead_lettered_and_the_cli_redrives_it_with_its_id()
    {
        await using var function = await WebhookReceiver.StartAsync();
        function.FailNext(3);
        var node = await SpillwayProcess.StartAsync(
            Path.Combine(work.FullName, "dlq"),
            ["--transport", broker.ToString(), "--Spillway:Queues:submit:MaxReceiveCount=3",
             "--Spillway:Workers:submit:Handler:Kind=http", $"--Spillway:Workers:submit:Handler:Url={function.Url}"]);
        nodes.Add(node);

        using var accepted = await node.Client.PostAsJsonAsync("/submit", new { name = "poison", email = "poison@example.com" });
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var id = (await accepted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("messageId").GetString();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (await DeadLettersAsync(node) != 1)
        {
            Assert.True(DateTime.UtcNow < deadline, "the message never reached submit-dlq");
            await Task.Delay(50);
        }

        Assert.False(function.TryTake(out _), "a failing delivery was recorded");

        var (exitCode, output) = await SpillwayProcess.RunToExitAsync(["dlq", "redrive", "submit-dlq", "--server", node.BaseAddress.ToString()]);

        Assert.Equal(0, exitCode);
        Assert.Contains("moved 1", output, StringComparison.Ordinal);
        var delivered = await function.NextAsync(TimeSpan.FromSeconds(60));
        var record = Assert.Single(delivered.GetProperty("Records").EnumerateArray());
        Assert.Equal(id, record.GetProperty("messageId").GetString());
        Assert.Equal(0, await DeadLettersAsync(node));
    }

    [Theory]
    [InlineData("gateway")]
    [InlineData("worker")]
    public async Task Gateway_or_worker_role_without_a_shared_transport_is_refused_at_start(string role)
    {
        var (exitCode, output) = await SpillwayProcess.RunToExitAsync(
            ["serve", "--data-dir", Path.Combine(work.FullName, role), "--role", role, "--urls", $"http://127.0.0.1:{SpillwayProcess.FreePort()}"]);

        Assert.Equal(2, exitCode);
        Assert.Contains("needs a shared transport", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Malformed_transport_url_is_refused_without_echoing_it()
    {
        var (exitCode, output) = await SpillwayProcess.RunToExitAsync(
            ["serve", "--data-dir", Path.Combine(work.FullName, "bad"), "--transport", "rabbit://user:hunter2@host/"]);

        Assert.Equal(2, exitCode);
        Assert.Contains("Spillway:Transport", output, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", output, StringComparison.Ordinal);
    }

    private async Task<SpillwayProcess> StartNodeAsync(string name, string role, Uri? on = null)
    {
        var node = await SpillwayProcess.StartAsync(
            Path.Combine(work.FullName, name),
            ["--database", database.Url, "--transport", (on ?? broker).ToString(), "--role", role,
             "--Spillway:Workers:submit:BatchSize=50", "--Spillway:Workers:submit:MaxConcurrency=4"]);
        nodes.Add(node);
        return node;
    }

    // The first node creates the table; waiting for its first row keeps the nodes from racing to create it.
    private async Task FirstRecordStoredAsync(SpillwayProcess node)
    {
        Assert.Equal(HttpStatusCode.Accepted, await PostAsync(node, "first", CancellationToken.None));
        Assert.NotEmpty(await database.WaitForUsersAsync(rows => rows.Count >= 1, TimeSpan.FromSeconds(60)));
    }

    private async Task<HttpStatusCode?> PostAsync(SpillwayProcess node, string name, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await node.Client.PostAsJsonAsync("/submit", new { name, email = name + "@example.com" }, cancellationToken);
            if (response.StatusCode == HttpStatusCode.Accepted)
            {
                acknowledged[name] = 0;
            }

            return response.StatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException)
        {
            return null; // The node is gone: not acknowledged.
        }
    }

    private async Task AssertEveryAcknowledgedRecordOnceAsync(int minimum)
    {
        Assert.True(acknowledged.Count >= minimum, $"only {acknowledged.Count} records were acknowledged");
        var rows = await database.WaitForUsersAsync(
            r => acknowledged.Keys.All(new HashSet<string>(r.Select(x => x.Name)).Contains), TimeSpan.FromSeconds(120));
        var names = rows.Select(r => r.Name).ToList();
        var missing = acknowledged.Keys.Except(names).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} acknowledged records are missing, e.g. {string.Join(", ", missing.Take(5))}");
        var doubled = names.GroupBy(n => n).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(doubled.Count == 0, $"{doubled.Count} records have more than one row, e.g. {string.Join(", ", doubled.Take(5))}");
    }

    private static async Task<long> DeadLettersAsync(SpillwayProcess node)
    {
        var list = await node.Client.GetFromJsonAsync<JsonElement>("/v1/queues");
        return list.GetProperty("queues").EnumerateArray().Single(q => q.GetProperty("name").GetString() == "submit-dlq")
            .GetProperty("visible").GetInt64();
    }

    private static async Task WaitForAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            await Task.Delay(20);
        }
    }
}
