using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Spillway.Messaging;
using Spillway.Messaging.Streams;

namespace Spillway.Gateway.Tests;

/// <summary>Ingest routes into a stream: real Kestrel, real HttpClient, the real engine's stream.</summary>
public sealed class StreamIngestTests : IAsyncLifetime
{
    private readonly string directory = Directory.CreateTempSubdirectory("spillway-gateway-streams-").FullName;
    private QueueEngine engine = null!;
    private DataStream stream = null!;

    public async Task InitializeAsync()
    {
        engine = await QueueEngine.OpenAsync(new QueueEngineOptions { DataDirectory = directory, MinimumFreeDiskBytes = 1024 * 1024 });
        stream = await engine.Streams.CreateAsync(new StreamDefinition { Name = "readings", ShardCount = 4 });
    }

    public async Task DisposeAsync()
    {
        await engine.DisposeAsync();
        Directory.Delete(directory, recursive: true);
    }

    private static IngestRouteOptions Route() => new()
    {
        Path = "/readings",
        Stream = "readings",
        PartitionKeyField = "device",
        Fields = new(StringComparer.Ordinal)
        {
            ["device"] = new() { Type = "string", MaxLength = 64 },
            ["temperature"] = new() { Type = "number", Required = true },
        },
    };

    private static StringContent Json(string body) => new(body, Encoding.UTF8, MediaTypeHeaderValue.Parse("application/json"));

    [Fact]
    public async Task A_batch_is_put_by_partition_key_and_answered_with_each_record_s_shard_and_sequence_number()
    {
        await using var server = await GatewayServer.StartAsync(engine, null, Route());

        using var response = await server.Client.PostAsync(
            "/readings", Json("""[{"device":"a","temperature":1},{"device":"b","temperature":2},{"device":"a","temperature":3}]"""));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var records = answer.RootElement.GetProperty("records").EnumerateArray().ToList();
        Assert.Equal(3, records.Count);
        Assert.Equal(stream.ShardFor("a", null).ShardId, records[0].GetProperty("shardId").GetString());
        Assert.Equal(stream.ShardFor("b", null).ShardId, records[1].GetProperty("shardId").GetString());
        var shard = records[0].GetProperty("shardId").GetString()!;
        var read = stream.Read(stream.Seek(shard, IteratorStart.TrimHorizon), 10);
        Assert.Equal(
            [records[0].GetProperty("sequenceNumber").GetString(), records[2].GetProperty("sequenceNumber").GetString()],
            read.Records.Where(r => r.PartitionKey == "a").Select(r => r.SequenceNumber));
        Assert.Equal("""{"device":"a","temperature":3}""", Encoding.UTF8.GetString(read.Records.Last(r => r.PartitionKey == "a").Data.Span));
    }

    [Fact]
    public async Task A_record_without_the_partition_key_field_is_a_400_naming_it_and_nothing_is_stored()
    {
        await using var server = await GatewayServer.StartAsync(engine, null, Route());

        using var batch = await server.Client.PostAsync("/readings", Json("""[{"device":"a","temperature":1},{"temperature":2}]"""));
        using var single = await server.Client.PostAsync("/readings", Json("""{"device":"","temperature":2}"""));

        Assert.Equal(HttpStatusCode.BadRequest, batch.StatusCode);
        using var problem = JsonDocument.Parse(await batch.Content.ReadAsStringAsync());
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty("/1/device", out _), problem.RootElement.ToString());
        Assert.Equal(HttpStatusCode.BadRequest, single.StatusCode);
        Assert.Contains("device", await single.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(0, stream.TotalRecords);
    }

    [Fact]
    public async Task An_idempotency_key_is_refused_on_a_stream_route()
    {
        await using var server = await GatewayServer.StartAsync(engine, null, Route());
        using var request = new HttpRequestMessage(HttpMethod.Post, "/readings") { Content = Json("""{"device":"a","temperature":1}""") };
        request.Headers.Add("Idempotency-Key", "k-1");

        using var response = await server.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Idempotency-Key", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(0, stream.TotalRecords);
    }

    [Fact]
    public void A_stream_route_needs_a_partition_key_field()
    {
        var route = Route() with { PartitionKeyField = null };

        var error = Assert.Throws<GatewayConfigurationException>(() => route.Validate("Spillway:Routes:readings"));

        Assert.Contains("Spillway:Routes:readings:PartitionKeyField", error.Message, StringComparison.Ordinal);
    }
}
