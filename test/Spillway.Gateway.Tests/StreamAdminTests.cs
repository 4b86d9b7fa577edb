using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Spillway.Gateway.Admin;
using Spillway.Messaging;
using Spillway.Messaging.Streams;
using Spillway.TestKit;

namespace Spillway.Gateway.Tests;

/// <summary>
/// The stream admin API over a real engine behind a real Kestrel: streams created, described and written as the
/// engine keeps them, every refusal a 4xx that names the problem and writes nothing, and a tail that reads every shard
/// in order, across a reshard, without a consumer.
/// </summary>
public sealed class StreamAdminTests : IAsyncLifetime
{
    private const string AdminKey = "stream-admin-key-0123456789";
    private readonly string directory = Directory.CreateTempSubdirectory("spillway-stream-admin-").FullName;
    private readonly ManualTimeProvider clock = new();
    private QueueEngine engine = null!;
    private TestWebHost server = null!;

    public async Task InitializeAsync()
    {
        engine = await QueueEngine.OpenAsync(new QueueEngineOptions
        {
            DataDirectory = directory,
            MinimumFreeDiskBytes = 1024 * 1024,
            TimeProvider = clock,
        });
        server = await GatewayServer.StartAsync(app => app.MapStreamAdmin(engine.Streams, new GatewayOptions { ApiKeys = [AdminKey] }));
        server.Client.DefaultRequestHeaders.Add("X-Api-Key", AdminKey);
    }

    public async Task DisposeAsync()
    {
        await server.DisposeAsync();
        await engine.DisposeAsync();
        Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public async Task A_stream_is_created_once_and_described_with_its_shards()
    {
        using (var created = await PostAsync("/v1/streams", """{"name": "readings", "shardCount": 3, "retentionHours": 48}"""))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        using (var again = await PostAsync("/v1/streams", """{"name": "readings", "shardCount": 3, "retentionHours": 48}"""))
        {
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        }

        using (var different = await PostAsync("/v1/streams", """{"name": "readings", "shardCount": 2}"""))
        {
            await AdminProblem.AssertAsync(different, HttpStatusCode.Conflict, "other settings");
        }

        using var description = await GetJsonAsync("/v1/streams/readings");
        var root = description.RootElement;
        Assert.Equal("provisioned", root.GetProperty("mode").GetString());
        Assert.Equal(48, root.GetProperty("retentionHours").GetInt32());
        Assert.Equal(3, root.GetProperty("openShards").GetInt32());
        var shards = root.GetProperty("shards").EnumerateArray().ToList();
        Assert.Equal(["shardId-000000000000", "shardId-000000000001", "shardId-000000000002"], shards.Select(s => s.GetProperty("shardId").GetString()));
        Assert.Equal("0", shards[0].GetProperty("startingHashKey").GetString());
        Assert.Equal(UInt128.MaxValue.ToString(), shards[2].GetProperty("endingHashKey").GetString());
        Assert.All(shards, s => Assert.True(s.GetProperty("open").GetBoolean()));

        using var list = await GetJsonAsync("/v1/streams");
        var listed = Assert.Single(list.RootElement.GetProperty("streams").EnumerateArray());
        Assert.Equal("readings", listed.GetProperty("name").GetString());
        Assert.False(listed.TryGetProperty("shards", out _));
    }

    [Theory]
    [InlineData("""{"shardCount": 1}""", "name is required")]
    [InlineData("""{"name": "no spaces"}""", "invalid")]
    [InlineData("""{"name": "s", "shardCount": 0}""", "shardCount must be between 1 and")]
    [InlineData("""{"name": "s", "shardCount": "2"}""", "wrong type")]
    [InlineData("""{"name": "s", "mode": "fast"}""", "mode must be provisioned or onDemand")]
    [InlineData("""{"name": "s", "mode": "onDemand", "shardCount": 2}""", "leave shardCount out")]
    [InlineData("""{"name": "s", "retentionHours": 12}""", "retentionHours must be between 24 and 8760")]
    [InlineData("""{"name": "s", "shards": 2}""", "unknown member")]
    public async Task A_create_that_is_not_what_the_api_takes_is_400_naming_the_problem_and_creates_nothing(string body, string detail)
    {
        using var response = await PostAsync("/v1/streams", body);

        await AdminProblem.AssertAsync(response, HttpStatusCode.BadRequest, detail);
        Assert.Empty(engine.Streams.List());
    }

    [Fact]
    public async Task Put_records_answer_their_shard_and_sequence_number_and_the_counts_follow()
    {
        await CreateAsync("readings", shards: 2);

        using var response = await PostAsync("/v1/streams/readings/records", """
            {"records": [
              {"partitionKey": "device-1", "text": "21.5"},
              {"partitionKey": "device-2", "data": "AAEC/w=="},
              {"partitionKey": "any", "text": "last", "explicitHashKey": "0"}
            ]}
            """);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(0, answer.RootElement.GetProperty("failedRecordCount").GetInt32());
        var outcomes = answer.RootElement.GetProperty("records").EnumerateArray().ToList();
        Assert.Equal(3, outcomes.Count);
        engine.Streams.TryGet("readings", out var stream);
        Assert.Equal(stream!.ShardFor("device-1", null).ShardId, outcomes[0].GetProperty("shardId").GetString());
        Assert.Equal("shardId-000000000000", outcomes[2].GetProperty("shardId").GetString());
        Assert.All(outcomes, o => Assert.False(string.IsNullOrEmpty(o.GetProperty("sequenceNumber").GetString())));

        using var description = await GetJsonAsync("/v1/streams/readings");
        Assert.Equal(3, description.RootElement.GetProperty("recordsKept").GetInt64());
        Assert.Equal(3, description.RootElement.GetProperty("incomingRecords").GetInt64());
        Assert.Equal(4 + 4 + 4, description.RootElement.GetProperty("incomingBytes").GetInt64());
        Assert.Equal(3, description.RootElement.GetProperty("shards").EnumerateArray().Sum(s => s.GetProperty("recordsKept").GetInt64()));

        var binary = (await TailAsync("/v1/streams/readings/tail?from=trim_horizon&limit=3")).Single(r => r.PartitionKey == "device-2");
        Assert.Equal(new byte[] { 0, 1, 2, 255 }, binary.Data);
    }

    [Theory]
    [InlineData("""{"records": []}""", "at least one record")]
    [InlineData("""{"records": [{"text": "x"}]}""", "records[0].partitionKey must be 1 to 256 characters")]
    [InlineData("""{"records": [{"partitionKey": "k", "text": "x"}, {"partitionKey": "k"}]}""", "records[1] must have either data (base64) or text")]
    [InlineData("""{"records": [{"partitionKey": "k", "text": "x", "data": "eA=="}]}""", "not both")]
    [InlineData("""{"records": [{"partitionKey": "k", "data": "not base64!"}]}""", "records[0].data must be base64")]
    [InlineData("""{"records": [{"partitionKey": "k", "text": "x", "explicitHashKey": "-1"}]}""", "explicitHashKey must be a decimal number")]
    [InlineData("""{"records": [{"partitionKey": "k", "text": "x", "explicitHashKey": "340282366920938463463374607431768211456"}]}""", "2^128-1")]
    [InlineData("""{"records": [{"partitionKey": "k", "txt": "x"}]}""", "unknown member")]
    [InlineData("""{"records": [{"partitionKey": "k", "text": "x"}""", "not valid JSON")]
    public async Task A_put_that_is_not_what_the_api_takes_is_400_naming_the_record_and_writes_nothing(string body, string detail)
    {
        await CreateAsync("readings", shards: 1);

        using var response = await PostAsync("/v1/streams/readings/records", body);

        await AdminProblem.AssertAsync(response, HttpStatusCode.BadRequest, detail);
        engine.Streams.TryGet("readings", out var stream);
        Assert.Equal(0, stream!.RecordsKept);
    }

    [Fact]
    public async Task A_put_of_more_than_500_records_is_400_and_writes_nothing()
    {
        await CreateAsync("readings", shards: 1);
        var records = string.Join(",", Enumerable.Range(0, 501).Select(i => $$"""{"partitionKey": "k{{i}}", "text": "x"}"""));

        using var response = await PostAsync("/v1/streams/readings/records", $$"""{"records": [{{records}}]}""");

        await AdminProblem.AssertAsync(response, HttpStatusCode.BadRequest, "at most 500");
        engine.Streams.TryGet("readings", out var stream);
        Assert.Equal(0, stream!.RecordsKept);
    }

    [Theory]
    [InlineData("GET", "/v1/streams/nowhere")]
    [InlineData("POST", "/v1/streams/nowhere/records")]
    [InlineData("GET", "/v1/streams/nowhere/tail")]
    public async Task An_unknown_stream_is_404_naming_it(string method, string path)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method == "POST")
        {
            request.Content = new StringContent("""{"records": [{"partitionKey": "k", "text": "x"}]}""", Encoding.UTF8, "application/json");
        }

        using var response = await server.Client.SendAsync(request);

        await AdminProblem.AssertAsync(response, HttpStatusCode.NotFound, "'nowhere'");
    }

    [Theory]
    [InlineData("from=oldest", "from must be trim_horizon, latest or at_timestamp")]
    [InlineData("from=at_timestamp", "needs timestamp")]
    [InlineData("from=at_timestamp&timestamp=yesterday", "ISO 8601 time or seconds since the epoch")]
    [InlineData("from=latest&timestamp=1700000000", "only with from=at_timestamp")]
    [InlineData("limit=0", "limit must be at least 1")]
    [InlineData("limit=many", "limit must be a whole number")]
    public async Task A_tail_from_a_position_that_does_not_parse_is_400_naming_it(string query, string detail)
    {
        await CreateAsync("readings", shards: 1);

        using var response = await server.Client.GetAsync("/v1/streams/readings/tail?" + query);

        await AdminProblem.AssertAsync(response, HttpStatusCode.BadRequest, detail);
    }

    [Fact]
    public async Task The_admin_endpoints_need_an_api_key()
    {
        using var client = new HttpClient { BaseAddress = server.Client.BaseAddress };

        using var response = await client.GetAsync("/v1/streams");

        await AdminProblem.AssertAsync(response, HttpStatusCode.Unauthorized, "API key");
    }

    [Fact]
    public async Task Tail_from_trim_horizon_reads_a_parent_before_its_children_so_each_key_stays_in_order()
    {
        await CreateAsync("readings", shards: 1);
        var keys = Enumerable.Range(0, 8).Select(k => "device-" + k).ToArray();
        await PutAsync("readings", keys.SelectMany(k => new[] { (k, "1"), (k, "2") }));
        engine.Streams.TryGet("readings", out var stream);
        await stream!.UpdateShardCountAsync(2);
        await PutAsync("readings", keys.SelectMany(k => new[] { (k, "3"), (k, "4") }));

        var records = await TailAsync("/v1/streams/readings/tail?from=trim_horizon&limit=32");

        Assert.Equal(32, records.Count);
        Assert.All(records.Take(16), r => Assert.Equal("shardId-000000000000", r.ShardId));
        Assert.All(records.Skip(16), r => Assert.NotEqual("shardId-000000000000", r.ShardId));
        foreach (var key in keys)
        {
            Assert.Equal(["1", "2", "3", "4"], records.Where(r => r.PartitionKey == key).Select(r => Encoding.UTF8.GetString(r.Data)));
        }

        // Only read: no consumer has a checkpoint.
        Assert.All(stream.Shards, s => Assert.Null(stream.GetCheckpoint("tail", s.ShardId)));
    }

    [Fact]
    public async Task Tail_from_latest_shows_only_records_put_after_it_started_as_they_arrive()
    {
        await CreateAsync("readings", shards: 2);
        await PutAsync("readings", [("device-1", "before")]);

        using var response = await server.Client.SendAsync(
            new HttpRequestMessage(HttpMethod.Get, "/v1/streams/readings/tail?from=latest&limit=2"), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        await PutAsync("readings", [("device-1", "after-1")]);
        var first = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await PutAsync("readings", [("device-2", "after-2")]);
        var second = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(["after-1", "after-2"], new[] { first, second }.Select(l => Encoding.UTF8.GetString(Parse(l!).Data)));
        Assert.Null(await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30))); // the limit ends the response
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Tail_at_a_timestamp_starts_at_the_first_record_that_arrived_then(bool epochSeconds)
    {
        await CreateAsync("readings", shards: 1);
        await PutAsync("readings", [("k", "old")]);
        clock.Advance(TimeSpan.FromSeconds(10));
        var between = clock.GetUtcNow().AddSeconds(-5);
        await PutAsync("readings", [("k", "new")]);
        var timestamp = epochSeconds ? between.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) : between.ToString("O");

        var records = await TailAsync($"/v1/streams/readings/tail?from=at_timestamp&timestamp={Uri.EscapeDataString(timestamp)}&limit=1");

        Assert.Equal("new", Encoding.UTF8.GetString(Assert.Single(records).Data));
    }

    private async Task CreateAsync(string name, int shards)
    {
        using var response = await PostAsync("/v1/streams", $$"""{"name": "{{name}}", "shardCount": {{shards}}}""");
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    private async Task PutAsync(string stream, IEnumerable<(string Key, string Text)> records)
    {
        var body = JsonSerializer.Serialize(new { records = records.Select(r => new { partitionKey = r.Key, text = r.Text }) });
        using var response = await PostAsync($"/v1/streams/{stream}/records", body);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private async Task<List<TailedRecord>> TailAsync(string path)
    {
        var text = await server.Client.GetStringAsync(path);
        return [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(Parse)];
    }

    private static TailedRecord Parse(string line)
    {
        using var record = JsonDocument.Parse(line);
        var root = record.RootElement;
        return new TailedRecord(
            root.GetProperty("shardId").GetString()!,
            root.GetProperty("sequenceNumber").GetString()!,
            root.GetProperty("partitionKey").GetString()!,
            root.GetProperty("data").GetBytesFromBase64());
    }

    private Task<HttpResponseMessage> PostAsync(string path, string json) =>
        server.Client.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));

    private async Task<JsonDocument> GetJsonAsync(string path)
    {
        using var response = await server.Client.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonDocument.Parse(text);
    }

    private sealed record TailedRecord(string ShardId, string SequenceNumber, string PartitionKey, byte[] Data);
}
