using System.Text;
using System.Text.Json;
using Spillway.DeliveryStreams.Destinations;
using Spillway.TestKit;

namespace Spillway.DeliveryStreams.Tests;

/// <summary>Buffers POSTed to an HTTP endpoint in Firehose's request shape, retried, and backed up when they fail.</summary>
public sealed class HttpEndpointTests : DeliveryStoreTestBase
{
    private async Task<EndpointServer> Endpoint(Func<EndpointRequest, (int Status, string Body)> answer) =>
        Own(await EndpointServer.StartAsync(answer));

    private static DeliveryStreamDefinition Readings(EndpointServer endpoint, Func<HttpEndpointDestination, HttpEndpointDestination>? change = null) => new()
    {
        Name = "readings",
        Bucket = "backup",
        BufferInterval = TimeSpan.FromSeconds(60),
        HttpEndpoint = (change ?? (e => e))(new HttpEndpointDestination { Url = endpoint.Url }),
    };

    private static ReadOnlyMemory<byte> Json(string text) => Encoding.UTF8.GetBytes(text);

    private List<JsonElement> ErrorLines(string key) =>
        [.. Encoding.UTF8.GetString(Destination.Read("backup", key)).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement)];

    [Fact]
    public async Task A_buffer_is_posted_in_firehose_shape_with_the_access_key_and_common_attributes()
    {
        var endpoint = await Endpoint(EndpointServer.Accept);
        var stream = await Store.CreateAsync(Readings(endpoint, e => e with
        {
            AccessKey = "s3cr3t-key",
            CommonAttributes = new Dictionary<string, string> { ["env"] = "dev", ["team"] = "data" },
        }));
        await stream.PutAsync([Json("{\"n\":1}"), Json("{\"n\":2}")]);

        var keys = await stream.FlushAsync();

        Assert.Empty(keys);
        var request = Assert.Single(endpoint.Received);
        Assert.Equal(["{\"n\":1}", "{\"n\":2}"], request.Records);
        var requestId = request.Body.GetProperty("requestId").GetString();
        Assert.True(Guid.TryParse(requestId, out _));
        Assert.Equal(requestId, request.Headers["X-Amz-Firehose-Request-Id"]);
        Assert.Equal(Clock.GetUtcNow().ToUnixTimeMilliseconds(), request.Body.GetProperty("timestamp").GetInt64());
        Assert.Equal("s3cr3t-key", request.Headers["X-Amz-Firehose-Access-Key"]);
        Assert.Equal("1.0", request.Headers["X-Amz-Firehose-Protocol-Version"]);
        Assert.Equal("arn:aws:firehose:us-east-1:000000000000:deliverystream/readings", request.Headers["X-Amz-Firehose-Source-Arn"]);
        Assert.StartsWith("application/json", request.Headers["Content-Type"], StringComparison.Ordinal);
        Assert.False(request.Headers.ContainsKey("Content-Encoding"));
        var attributes = JsonDocument.Parse(request.Headers["X-Amz-Firehose-Common-Attributes"]).RootElement.GetProperty("commonAttributes");
        Assert.Equal("dev", attributes.GetProperty("env").GetString());
        Assert.Equal("data", attributes.GetProperty("team").GetString());
        Assert.Empty(Destination.Keys("backup"));
        Assert.Equal(1, stream.Statistics.FilesWritten);
        Assert.Equal(2, stream.Statistics.RecordsDelivered);
        Assert.Equal(0, stream.Statistics.DeliveryFailures);
    }

    [Fact]
    public async Task A_gzip_request_says_so_and_carries_the_same_records()
    {
        var endpoint = await Endpoint(EndpointServer.Accept);
        var stream = await Store.CreateAsync(Readings(endpoint, e => e with { Gzip = true }));
        await stream.PutAsync([Json("{\"n\":1}")]);

        await stream.FlushAsync();

        var request = Assert.Single(endpoint.Received);
        Assert.Equal("gzip", request.Headers["Content-Encoding"]);
        Assert.Equal(["{\"n\":1}"], request.Records);
        Assert.False(request.Headers.ContainsKey("X-Amz-Firehose-Access-Key"));
        Assert.False(request.Headers.ContainsKey("X-Amz-Firehose-Common-Attributes"));
    }

    [Fact]
    public async Task A_failing_endpoint_is_retried_with_the_same_request_id_until_it_accepts()
    {
        var calls = 0;
        var endpoint = await Endpoint(request => Interlocked.Increment(ref calls) <= 2 ? (503, "{\"errorMessage\":\"busy\"}") : EndpointServer.Accept(request));
        var stream = await Store.CreateAsync(Readings(endpoint));
        var start = Clock.GetUtcNow();
        await stream.PutAsync([Json("{\"n\":1}")]);

        var flushed = stream.FlushAsync();
        await endpoint.NextAsync();
        await Clock.WhenTimerDueBy(start.AddSeconds(1));
        Clock.Advance(TimeSpan.FromSeconds(1));
        await endpoint.NextAsync();
        await Clock.WhenTimerDueBy(start.AddSeconds(3));
        Assert.Equal(2, endpoint.Received.Count);
        Clock.Advance(TimeSpan.FromSeconds(2));
        await flushed;

        Assert.Equal(3, endpoint.Received.Count);
        Assert.Single(endpoint.Received.Select(r => r.Headers["X-Amz-Firehose-Request-Id"]).Distinct());
        Assert.Empty(Destination.Keys("backup"));
        Assert.Equal(2, stream.Statistics.DeliveryFailures);
        Assert.Equal(1, stream.Statistics.RecordsDelivered);
        Assert.Equal(0, stream.Statistics.RecordsFailed);
    }

    [Fact]
    public async Task A_buffer_the_endpoint_refuses_until_the_retry_duration_runs_out_goes_to_the_backup_bucket()
    {
        var endpoint = await Endpoint(_ => (500, "{}"));
        var stream = await Store.CreateAsync(Readings(endpoint, e => e with { RetryDuration = TimeSpan.FromSeconds(3) }));
        var start = Clock.GetUtcNow();
        await stream.PutAsync([Json("{\"n\":1}"), Json("{\"n\":2}")]);

        var flushed = stream.FlushAsync();
        await endpoint.NextAsync();
        await Clock.WhenTimerDueBy(start.AddSeconds(1));
        Clock.Advance(TimeSpan.FromSeconds(1));
        await endpoint.NextAsync();
        await Clock.WhenTimerDueBy(start.AddSeconds(3));
        Clock.Advance(TimeSpan.FromSeconds(2));
        var key = Assert.Single(await flushed);

        Assert.Equal(3, endpoint.Received.Count);
        Assert.Matches(@"^http-endpoint-failed/2026/03/04/05/readings-1-2026-03-04-05-06-07-[0-9a-f-]{36}$", key);
        var lines = ErrorLines(key);
        Assert.Equal(["{\"n\":1}", "{\"n\":2}"], lines.Select(l => Encoding.UTF8.GetString(l.GetProperty("rawData").GetBytesFromBase64())));
        Assert.All(lines, l =>
        {
            Assert.Equal("HttpEndpoint.InvalidResponseFromDestination", l.GetProperty("errorCode").GetString());
            Assert.Equal(3, l.GetProperty("attemptsMade").GetInt32());
            Assert.Equal(start.AddSeconds(3).ToUnixTimeMilliseconds(), l.GetProperty("attemptEndingTimestamp").GetInt64());
            Assert.Contains("500", l.GetProperty("errorMessage").GetString(), StringComparison.Ordinal);
        });
        Assert.Equal(2, stream.Statistics.RecordsFailed);
        Assert.Equal(3, stream.Statistics.DeliveryFailures);
    }

    [Fact]
    public async Task An_answer_with_another_request_id_is_a_failure()
    {
        var endpoint = await Endpoint(_ => (200, "{\"requestId\":\"someone-else\",\"timestamp\":1}"));
        var stream = await Store.CreateAsync(Readings(endpoint, e => e with { RetryDuration = TimeSpan.Zero }));
        await stream.PutAsync([Json("{\"n\":1}")]);

        var key = Assert.Single(await stream.FlushAsync());

        Assert.Single(endpoint.Received);
        Assert.StartsWith("http-endpoint-failed/", key, StringComparison.Ordinal);
        var line = Assert.Single(ErrorLines(key));
        Assert.Equal(1, line.GetProperty("attemptsMade").GetInt32());
        Assert.Contains("requestId", line.GetProperty("errorMessage").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task All_data_backup_writes_every_buffer_to_the_bucket_as_well()
    {
        var endpoint = await Endpoint(EndpointServer.Accept);
        var stream = await Store.CreateAsync(Readings(endpoint, e => e with { BackupAllData = true }) with { AppendNewline = true });
        await stream.PutAsync([Json("{\"n\":1}"), Json("{\"n\":2}")]);

        var key = Assert.Single(await stream.FlushAsync());

        Assert.Single(endpoint.Received);
        Assert.Matches(@"^2026/03/04/05/readings-1-", key);
        Assert.Equal("{\"n\":1}\n{\"n\":2}\n", Encoding.UTF8.GetString(Destination.Read("backup", key)));
        Assert.Equal(2, stream.Statistics.RecordsDelivered);
        Assert.Equal(0, stream.Statistics.RecordsFailed);
    }

    [Fact]
    public async Task A_buffer_not_accepted_before_the_stream_stops_is_sent_again_with_the_same_request_id_after_it_reopens()
    {
        var up = false;
        var endpoint = await Endpoint(request => Volatile.Read(ref up) ? EndpointServer.Accept(request) : (503, "{}"));
        var stream = await Store.CreateAsync(Readings(endpoint));
        await stream.PutAsync([Json("{\"n\":1}")]);
        _ = stream.FlushAsync();
        var first = await endpoint.NextAsync();
        await Store.DisposeAsync();

        Volatile.Write(ref up, true);
        Store = Open();
        Assert.True(Store.TryGet("readings", out var reopened));
        await reopened.FlushAsync();
        var again = await endpoint.NextAsync();

        Assert.Equal(first.Headers["X-Amz-Firehose-Request-Id"], again.Headers["X-Amz-Firehose-Request-Id"]);
        Assert.Equal(["{\"n\":1}"], again.Records);
        Assert.Equal(1, reopened.Statistics.RecordsDelivered);
    }

    [Fact]
    public void The_access_key_is_not_in_the_settings_text()
    {
        var definition = new DeliveryStreamDefinition
        {
            Name = "readings",
            Bucket = "backup",
            HttpEndpoint = new HttpEndpointDestination { Url = new Uri("http://127.0.0.1:1/ingest"), AccessKey = "s3cr3t-key" },
        };

        Assert.DoesNotContain("s3cr3t-key", definition.ToString(), StringComparison.Ordinal);
        Assert.Contains("127.0.0.1", definition.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void An_access_key_that_cannot_be_a_header_is_refused()
    {
        var endpoint = new HttpEndpointDestination { Url = new Uri("http://127.0.0.1:1/ingest"), AccessKey = "line\nbreak" };

        Assert.Equal("EndpointConfiguration.AccessKey must not contain control characters.", Assert.Throws<ArgumentException>(endpoint.Validate).Message);
    }

    [Theory]
    [InlineData(-1, "RetryOptions.DurationInSeconds must be between 0 and 7200.")]
    [InlineData(7201, "RetryOptions.DurationInSeconds must be between 0 and 7200.")]
    public void A_retry_duration_out_of_range_is_refused(int seconds, string message)
    {
        var definition = new DeliveryStreamDefinition
        {
            Name = "readings",
            Bucket = "backup",
            HttpEndpoint = new HttpEndpointDestination { Url = new Uri("http://127.0.0.1:1/ingest"), RetryDuration = TimeSpan.FromSeconds(seconds) },
        };

        Assert.Equal(message, Assert.Throws<ArgumentException>(definition.Validate).Message);
    }
}
