using System.Net;
using System.Text;
using System.Text.Json;
using Spillway.EndToEnd.Tests.Support;
using Spillway.TestKit;

namespace Spillway.EndToEnd.Tests.Objects;

/// <summary>
/// Bucket notifications declared in the configuration: an upload through the S3 API invokes the worker a function
/// notification names with S3's event, only for keys its filter takes; a delivery stream's file reaches a queue.
/// </summary>
public sealed class ObjectEventTests : IDisposable
{
    private readonly DirectoryInfo work = Directory.CreateTempSubdirectory("spillway-object-events-");

    [Fact]
    public async Task An_upload_invokes_the_function_of_the_buckets_notification_with_the_s3_event()
    {
        await using var function = await WebhookReceiver.StartAsync();
        var environment = SpillwayProcess.AnySignature();
        environment["Spillway__Queues__ingestjobs__VisibilityTimeoutSeconds"] = "30";
        environment["Spillway__Workers__ingest__Queue"] = "ingestjobs";
        environment["Spillway__Workers__ingest__Handler__Kind"] = "http";
        environment["Spillway__Workers__ingest__Handler__Url"] = function.Url.ToString();
        environment["Spillway__Objects__Buckets__uploads__Notifications__csv__Function"] = "ingest";
        environment["Spillway__Objects__Buckets__uploads__Notifications__csv__Prefix"] = "incoming/";
        environment["Spillway__Objects__Buckets__uploads__Notifications__csv__Suffix"] = ".csv";
        await using var server = await SpillwayProcess.StartAsync(Path.Combine(work.FullName, "data"), environment: environment);

        await PutAsync(server, "uploads", "incoming/readme.txt", "not a csv");
        await PutAsync(server, "uploads", "elsewhere/b.csv", "not incoming");
        await PutAsync(server, "uploads", "incoming/day 1.csv", "a,b\n1,2\n");

        var s3Event = await function.NextAsync(TimeSpan.FromSeconds(30));
        var record = s3Event.GetProperty("Records").EnumerateArray().Single();
        Assert.Equal("aws:s3", record.GetProperty("eventSource").GetString());
        Assert.Equal("ObjectCreated:Put", record.GetProperty("eventName").GetString());
        var s3 = record.GetProperty("s3");
        Assert.Equal("csv", s3.GetProperty("configurationId").GetString());
        Assert.Equal("uploads", s3.GetProperty("bucket").GetProperty("name").GetString());
        Assert.Equal("incoming/day+1.csv", s3.GetProperty("object").GetProperty("key").GetString());
        Assert.Equal(8, s3.GetProperty("object").GetProperty("size").GetInt64());
        Assert.False(function.TryTake(out var other), $"only the matching upload notifies: {other}");
    }

    [Fact]
    public async Task A_delivery_streams_file_is_announced_on_the_queue_of_its_buckets_notification()
    {
        var environment = SpillwayProcess.AnySignature();
        environment["Spillway__Queues__newfiles__VisibilityTimeoutSeconds"] = "30";
        environment["Spillway__Objects__Buckets__lake__Notifications__files__Queue"] = "newfiles";
        await using var server = await SpillwayProcess.StartAsync(Path.Combine(work.FullName, "data"), environment: environment);

        using (var created = await AwsJson(server, "Firehose_20150804.CreateDeliveryStream", new
        {
            DeliveryStreamName = "readings",
            ExtendedS3DestinationConfiguration = new { RoleARN = "arn:aws:iam::000000000000:role/f", BucketARN = "arn:aws:s3:::lake" },
        }))
        {
            Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        }

        using (var put = await AwsJson(server, "Firehose_20150804.PutRecord", new
        {
            DeliveryStreamName = "readings",
            Record = new { Data = Convert.ToBase64String(Encoding.UTF8.GetBytes("{\"t\":1}\n")) },
        }))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        using (var flushed = await server.Client.PostAsync("/v1/delivery-streams/readings/flush", null))
        {
            Assert.Equal(HttpStatusCode.OK, flushed.StatusCode);
        }

        var bodies = new List<JsonElement>();
        while (bodies.Count < 2)
        {
            using var received = await AwsJson(server, "AmazonSQS.ReceiveMessage", new
            {
                QueueUrl = new Uri(server.BaseAddress, "/000000000000/newfiles").ToString(),
                MaxNumberOfMessages = 10,
                WaitTimeSeconds = 20,
            }, "application/x-amz-json-1.0");
            var answer = JsonDocument.Parse(await received.Content.ReadAsStringAsync()).RootElement;
            Assert.True(answer.TryGetProperty("Messages", out var messages), answer.ToString());
            bodies.AddRange(messages.EnumerateArray().Select(m => JsonDocument.Parse(m.GetProperty("Body").GetString()!).RootElement));
        }

        Assert.Equal("s3:TestEvent", bodies[0].GetProperty("Event").GetString());
        var s3 = bodies[1].GetProperty("Records")[0].GetProperty("s3");
        Assert.Equal("lake", s3.GetProperty("bucket").GetProperty("name").GetString());
        var key = WebUtility.UrlDecode(s3.GetProperty("object").GetProperty("key").GetString()!);
        Assert.StartsWith("readings-1-", key.Split('/')[^1], StringComparison.Ordinal);
        Assert.Equal(8, s3.GetProperty("object").GetProperty("size").GetInt64());
    }

    public void Dispose() => work.Delete(recursive: true);

    /// <summary>A put addressed virtual-host style, which the S3 API claims without a signature on a server that checks none.</summary>
    private static async Task PutAsync(SpillwayProcess server, string bucket, string key, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, "/" + string.Join('/', key.Split('/').Select(Uri.EscapeDataString)))
        {
            Content = new StringContent(body),
        };
        request.Headers.Host = $"{bucket}.localhost:{server.BaseAddress.Port}";
        using var response = await server.Client.SendAsync(request);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    private static Task<HttpResponseMessage> AwsJson(SpillwayProcess server, string target, object body, string contentType = "application/x-amz-json-1.1")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/") { Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, contentType) };
        request.Content.Headers.ContentType!.CharSet = null;
        request.Headers.Add("X-Amz-Target", target);
        return server.Client.SendAsync(request);
    }
}
