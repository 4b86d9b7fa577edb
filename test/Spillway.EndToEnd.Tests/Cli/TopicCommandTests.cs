using Spillway.EndToEnd.Tests.Support;

namespace Spillway.EndToEnd.Tests.Cli;

/// <summary><c>spillway topics …</c> against a real server process, each command run as the real executable.</summary>
public sealed class TopicCommandTests : IDisposable
{
    private readonly DirectoryInfo work = Directory.CreateTempSubdirectory("spillway-e2e-topics-");

    [Fact]
    public async Task Topics_create_subscribe_with_a_filter_publish_and_list_what_each_subscription_got()
    {
        await using var server = await SpillwayProcess.StartAsync(Path.Combine(work.FullName, "data"));
        await RunAsync(["queues", "create", "books", .. Server(server)]);
        await RunAsync(["queues", "create", "everything", .. Server(server)]);

        var (created, createOutput, createErrors) = await CliProcess.RunAsync(["topics", "create", "orders", .. Server(server)]);
        Assert.True(created == 0, createErrors);
        Assert.Equal("orders", createOutput.Trim());
        await RunAsync(["topics", "subscribe", "orders", "books", "--filter-policy", """{"kind":["book"]}""", "--raw", .. Server(server)]);
        await RunAsync(["topics", "subscribe", "orders", "everything", .. Server(server)]);

        var (published, publishOutput, publishErrors) = await CliProcess.RunAsync(
            ["topics", "publish", "orders", "a book", "--attribute", "kind=book", .. Server(server)]);
        Assert.True(published == 0, publishErrors);
        Assert.Matches("^[0-9a-f-]{36}$", publishOutput.Trim());
        await RunAsync(["topics", "publish", "orders", "a lamp", "--attribute", "kind=lamp", "--attribute", "total:Number=150", .. Server(server)]);

        var (listed, listing, _) = await CliProcess.RunAsync(["topics", "list", .. Server(server)]);
        Assert.Equal(0, listed);
        Assert.Matches(@"(?m)^orders\s+\S+\s+sqs\s+books\s+yes\s+\{""kind"":\[""book""\]\}\s+1\s+1\s+0\s*$", listing);
        Assert.Matches(@"(?m)^orders\s+\S+\s+sqs\s+everything\s+yes\s+2\s+0\s+0\s*$", listing);
    }

    [Fact]
    public async Task Test_filter_says_whether_a_message_matches_and_names_the_failed_condition()
    {
        await using var server = await SpillwayProcess.StartAsync(Path.Combine(work.FullName, "data"));
        const string policy = """{"store":["example_corp"],"price_usd":[{"numeric":[">=",100]}]}""";

        var (matched, matchOutput, matchErrors) = await CliProcess.RunAsync(
            ["topics", "test-filter", "--policy", policy, "--attribute", "store=example_corp", "--attribute", "price_usd:Number=210", .. Server(server)]);
        Assert.True(matched == 0, matchErrors);
        Assert.Equal("matches", matchOutput.Trim());

        var (missed, missOutput, _) = await CliProcess.RunAsync(
            ["topics", "test-filter", "--policy", policy, "--attribute", "store=example_corp", "--attribute", "price_usd:Number=20", .. Server(server)]);
        Assert.Equal(1, missed);
        Assert.StartsWith("does not match: ", missOutput.Trim(), StringComparison.Ordinal);
        Assert.Contains("price_usd", missOutput, StringComparison.Ordinal);

        var (body, bodyOutput, bodyErrors) = await CliProcess.RunAsync(
            ["topics", "test-filter", "--scope", "MessageBody", "--policy", """{"order":{"kind":["book"]}}""", "--message", """{"order":{"kind":"book"}}""", .. Server(server)]);
        Assert.True(body == 0, bodyErrors);
        Assert.Equal("matches", bodyOutput.Trim());

        var (invalid, _, invalidErrors) = await CliProcess.RunAsync(["topics", "test-filter", "--policy", """{"a":{"b":["c"]}}""", .. Server(server)]);
        Assert.Equal(1, invalid);
        Assert.Contains("does not support nested filter policy", invalidErrors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Topics_declared_in_the_configuration_are_created_and_a_changed_filter_is_applied_at_the_next_start()
    {
        var data = Path.Combine(work.FullName, "data");
        var environment = new Dictionary<string, string>
        {
            ["Spillway__Queues__books__VisibilityTimeoutSeconds"] = "30",
            ["Spillway__Topics__orders__Subscriptions__only-books__Queue"] = "books",
            ["Spillway__Topics__orders__Subscriptions__only-books__FilterPolicy"] = """{"kind":["book"]}""",
            ["Spillway__Topics__orders__Subscriptions__only-books__RawMessageDelivery"] = "true",
        };
        await using (var server = await SpillwayProcess.StartAsync(data, environment: environment))
        {
            await RunAsync(["topics", "publish", "orders", "a lamp", "--attribute", "kind=lamp", .. Server(server)]);
            var (_, listing, _) = await CliProcess.RunAsync(["topics", "list", .. Server(server)]);
            Assert.Matches(@"(?m)^orders\s+\S+\s+sqs\s+books\s+yes\s+\{""kind"":\[""book""\]\}\s+0\s+1\s+0\s*$", listing);
        }

        environment["Spillway__Topics__orders__Subscriptions__only-books__FilterPolicy"] = """{"kind":["lamp"]}""";
        await using (var server = await SpillwayProcess.StartAsync(data, environment: environment))
        {
            await RunAsync(["topics", "publish", "orders", "another lamp", "--attribute", "kind=lamp", .. Server(server)]);
            var (_, listing, _) = await CliProcess.RunAsync(["topics", "list", .. Server(server)]);
            var lines = listing.Split('\n').Where(l => l.StartsWith("orders", StringComparison.Ordinal)).ToList();
            Assert.Single(lines); // the configured subscription was changed, not added again
            Assert.Matches(@"^orders\s+\S+\s+sqs\s+books\s+yes\s+\{""kind"":\[""lamp""\]\}\s+1\s+0\s+0\s*$", lines[0]);
        }

        environment["Spillway__Topics__orders__Subscriptions__only-books__FilterPolicy"] = """{"kind":{"nested":["x"]}}""";
        var (exit, output) = await SpillwayProcess.RunToExitAsync(
            ["serve", "--data-dir", data, "--urls", "http://127.0.0.1:0"], environment);
        Assert.Equal(2, exit);
        Assert.Contains("Spillway:Topics:orders:Subscriptions:only-books:FilterPolicy", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Topic_commands_fail_clearly_on_a_wrong_name_and_bad_input()
    {
        await using var server = await SpillwayProcess.StartAsync(Path.Combine(work.FullName, "data"));
        foreach (var (command, message) in new (string[], string)[]
        {
            (["topics", "publish", "nope", "x"], "Topic 'nope' does not exist"),
            (["topics", "subscribe", "nope", "q"], "Topic 'nope' does not exist"),
            (["topics", "create", "bad name"], "Invalid topic name"),
        })
        {
            var (exit, _, errors) = await CliProcess.RunAsync([.. command, .. Server(server)]);
            Assert.True(exit == 1, $"{string.Join(' ', command)}: exit {exit}, {errors}");
            Assert.Contains(message, errors, StringComparison.Ordinal);
        }

        await RunAsync(["topics", "create", "events.fifo", .. Server(server)]);
        var (noGroup, _, noGroupErrors) = await CliProcess.RunAsync(["topics", "publish", "events.fifo", "x", .. Server(server)]);
        Assert.Equal(1, noGroup);
        Assert.Contains("MessageGroupId parameter is required", noGroupErrors, StringComparison.Ordinal);
        var (noQueue, _, noQueueErrors) = await CliProcess.RunAsync(["topics", "subscribe", "events.fifo", "missing.fifo", .. Server(server)]);
        Assert.Equal(1, noQueue);
        Assert.Contains("queue must name an existing queue", noQueueErrors, StringComparison.Ordinal);
    }

    public void Dispose() => work.Delete(recursive: true);

    private static string[] Server(SpillwayProcess server) => ["--server", server.BaseAddress.ToString()];

    private static async Task RunAsync(string[] arguments)
    {
        var (exit, _, errors) = await CliProcess.RunAsync(arguments);
        Assert.True(exit == 0, $"{string.Join(' ', arguments)}: exit {exit}, {errors}");
    }
}
