using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Spillway.Cli;
using Spillway.Hosting;

namespace Spillway.Sqs.Tests;

/// <summary>The API on the real server: the seed pipeline's queues are the API's queues.</summary>
public sealed class HostTests : IDisposable
{
    private readonly DirectoryInfo work = Directory.CreateTempSubdirectory("spillway-sqs-host-");

    [Fact]
    public async Task A_message_sent_to_the_default_route_queue_reaches_the_users_table()
    {
        await using var host = await StartAsync("http://127.0.0.1:0");
        var answer = await host.JsonAsync("GetQueueUrl", new { QueueName = "submit" });
        var url = answer.GetProperty("QueueUrl").GetString()!;
        Assert.Equal($"{host.BaseUrl}/000000000000/submit", url);

        var sent = await host.JsonAsync("SendMessage",
            new { QueueUrl = url, MessageBody = """{"name": "田中太郎", "email": "tanaka@example.com"}""" });
        var id = sent.GetProperty("MessageId").GetString();

        await using var connection = new SqliteConnection($"Data Source={Path.Combine(work.FullName, "data", "spillway.db")}");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        string? name = null;
        while (name is null && DateTime.UtcNow < deadline)
        {
            name = await TryReadUserAsync(connection, id!);
            if (name is null)
            {
                await Task.Delay(50);
            }
        }

        Assert.Equal("田中太郎", name);
    }

    [Theory]
    [InlineData("""{"name": "a", "email": "not an e-mail"}""", "email")]
    [InlineData("""{"name": "a", "email": "a@example.com", "admin": true}""", "admin")]
    [InlineData("""{"name": "a\u0000b", "email": "a@example.com"}""", "name")]
    [InlineData("""[{"name": "a", "email": "a@example.com"}]""", "object")]
    public async Task A_body_the_route_would_refuse_is_refused_by_the_sqs_api_too_and_never_stored(string body, string named)
    {
        await using var host = await StartAsync("http://127.0.0.1:0");
        var url = $"{host.BaseUrl}/000000000000/submit";

        var (status, text, error) = await host.SendAsync("SendMessage", new { QueueUrl = url, MessageBody = body });
        var batch = await host.JsonAsync("SendMessageBatch", new
        {
            QueueUrl = url,
            Entries = new object[]
            {
                new { Id = "bad", MessageBody = body },
                new { Id = "good", MessageBody = """{"name": "b", "email": "b@example.com"}""" },
            },
        });

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("InvalidMessageContents;Sender", error);
        Assert.Contains(named, text, StringComparison.Ordinal);
        Assert.Equal("bad", batch.GetProperty("Failed").EnumerateArray().Single().GetProperty("Id").GetString());
        Assert.Equal("good", batch.GetProperty("Successful").EnumerateArray().Single().GetProperty("Id").GetString());
        // Once the queue is empty, everything it took is a row: the one good record, and only that.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await DepthAsync(host, url) > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Equal(0, await DepthAsync(host, url));
        Assert.Equal(1, await RowsAsync());
    }

    private static async Task<int> DepthAsync(RunningHost host, string url)
    {
        var attributes = (await host.JsonAsync("GetQueueAttributes", new { QueueUrl = url, AttributeNames = new[] { "All" } }))
            .GetProperty("Attributes");
        return new[] { "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed" }
            .Sum(name => int.Parse(attributes.GetProperty(name).GetString()!, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Configured_queues_are_listed_kept_on_create_and_refused_on_delete()
    {
        await using var host = await StartAsync("http://127.0.0.1:0");
        var listed = await host.JsonAsync("ListQueues", new { });
        var urls = listed.GetProperty("QueueUrls").EnumerateArray().Select(u => u.GetString()).ToList();
        Assert.Contains($"{host.BaseUrl}/000000000000/submit", urls);
        Assert.Contains($"{host.BaseUrl}/000000000000/submit-dlq", urls);

        var same = await host.SendAsync("CreateQueue", new { QueueName = "submit", Attributes = new { VisibilityTimeout = "30" } });
        Assert.Equal(HttpStatusCode.OK, same.Status);
        var differing = await host.SendAsync("CreateQueue", new { QueueName = "submit", Attributes = new { VisibilityTimeout = "31" } });
        Assert.Equal("QueueAlreadyExists;Sender", differing.QueryError);

        var deleted = await host.SendAsync("DeleteQueue", new { QueueUrl = $"{host.BaseUrl}/000000000000/submit-dlq" });
        Assert.Equal(HttpStatusCode.BadRequest, deleted.Status);
        Assert.Equal("AWS.SimpleQueueService.UnsupportedOperation;Sender", deleted.QueryError);
        Assert.Contains("Spillway:Queues:submit-dlq", deleted.Body);

        var created = await host.JsonAsync("CreateQueue", new { QueueName = "api-made" });
        var deletedOwn = await host.SendAsync("DeleteQueue", new { QueueUrl = created.GetProperty("QueueUrl").GetString() });
        Assert.Equal(HttpStatusCode.OK, deletedOwn.Status);
    }

    [Fact]
    public async Task Without_credentials_a_listener_beyond_loopback_gets_AccessDenied()
    {
        await using var host = await StartAsync("http://0.0.0.0:0", "--Spillway:Gateway:ApiKeys:0=0123456789abcdef-key");
        var answer = await host.SendAsync("ListQueues", new { });
        Assert.Equal(HttpStatusCode.Forbidden, answer.Status);
        Assert.Equal("AccessDenied;Sender", answer.QueryError);
        Assert.Contains("loopback", answer.Body);
    }

    [Fact]
    public async Task Allowing_unauthenticated_remote_access_serves_the_api_beyond_loopback()
    {
        await using var host = await StartAsync("http://0.0.0.0:0", "--Spillway:Gateway:AllowUnauthenticatedRemote=true");
        var answer = await host.SendAsync("ListQueues", new { });
        Assert.Equal(HttpStatusCode.OK, answer.Status);
    }

    [Fact]
    public async Task Sqs_settings_come_from_the_Sqs_section()
    {
        await using var host = await StartAsync("http://127.0.0.1:0",
            "--Spillway:Sqs:AccountId=123456789012", "--Spillway:Sqs:Region=eu-west-1");
        var answer = await host.JsonAsync("GetQueueAttributes",
            new { QueueUrl = $"{host.BaseUrl}/123456789012/submit", AttributeNames = new[] { "QueueArn" } });
        Assert.Equal("arn:aws:sqs:eu-west-1:123456789012:submit", answer.GetProperty("Attributes").GetProperty("QueueArn").GetString());
    }

    [Fact]
    public async Task An_invalid_Sqs_setting_stops_start_up_naming_the_key()
    {
        var error = await Assert.ThrowsAsync<ConfigurationException>(() => StartAsync("http://127.0.0.1:0", "--Spillway:Sqs:AccountId=12"));
        Assert.Contains("Spillway:Sqs", error.Message);
    }

    public void Dispose() => work.Delete(recursive: true);

    private async Task<long> RowsAsync()
    {
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(work.FullName, "data", "spillway.db")}");
        try
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "select count(*) from users";
            return (long)(await command.ExecuteScalarAsync())!;
        }
        catch (SqliteException)
        {
            return 0; // the worker has not created the table yet
        }
    }

    private static async Task<string?> TryReadUserAsync(SqliteConnection connection, string id)
    {
        try
        {
            if (connection.State != System.Data.ConnectionState.Open)
            {
                await connection.OpenAsync();
            }

            await using var command = connection.CreateCommand();
            command.CommandText = "select name from users where id = $id";
            command.Parameters.AddWithValue("$id", id);
            return await command.ExecuteScalarAsync() as string;
        }
        catch (SqliteException)
        {
            return null; // the worker has not created the table yet
        }
    }

    private async Task<RunningHost> StartAsync(string urls, params string[] extra)
    {
        var arguments = new ServeArguments(urls, Path.Combine(work.FullName, "data"), null, null, false, extra);
        var (app, runtime) = await SpillwayServer.BuildAsync(arguments, null, CancellationToken.None);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single()
            .Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal).Replace("[::]", "127.0.0.1", StringComparison.Ordinal);
        return new RunningHost(app, runtime, new HttpClient { BaseAddress = new Uri(address) });
    }

    private sealed class RunningHost(WebApplication app, ServerParts runtime, HttpClient client) : IAsyncDisposable
    {
        public string BaseUrl => client.BaseAddress!.ToString().TrimEnd('/');

        public async Task<(HttpStatusCode Status, string Body, string? QueryError)> SendAsync(string action, object body)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/");
            request.Headers.Add("X-Amz-Target", "AmazonSQS." + action);
            request.Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8);
            request.Content.Headers.ContentType = new("application/x-amz-json-1.0");
            using var response = await client.SendAsync(request);
            return (response.StatusCode, await response.Content.ReadAsStringAsync(),
                response.Headers.TryGetValues("x-amzn-query-error", out var values) ? values.Single() : null);
        }

        public async Task<JsonElement> JsonAsync(string action, object body)
        {
            var (status, text, _) = await SendAsync(action, body);
            Assert.True(status == HttpStatusCode.OK, text);
            using var document = JsonDocument.Parse(text.Length == 0 ? "{}" : text);
            return document.RootElement.Clone();
        }

        public async ValueTask DisposeAsync()
        {
            client.Dispose();
            await app.StopAsync();
            await runtime.DisposeAsync();
            await app.DisposeAsync();
        }
    }
}
