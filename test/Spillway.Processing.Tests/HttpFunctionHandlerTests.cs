using System.Net;
using System.Net.Sockets;
using System.Text;
using Spillway.Messaging;
using Spillway.Processing.Tests.Functions;

namespace Spillway.Processing.Tests;

public sealed class HttpFunctionHandlerTests
{
    private static readonly DateTimeOffset SentAt = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("python")]
    [InlineData("node")]
    public async Task Function_receives_the_sqs_event_and_its_batch_item_failures_are_honoured(string language)
    {
        await using var function = await FunctionProcess.StartAsync(language);
        using var handler = new HttpFunctionHandler(new HttpFunctionOptions { Url = function.BaseUrl });
        var batch = Batch("""{"name":"田中太郎","email":"tanaka@example.com"}""", """{"fail":true}""", """{"name":"b"}""");

        var outcome = await handler.HandleAsync(batch, CancellationToken.None);

        // The function also fails any record not shaped as Lambda shapes it (md5, ARN, attributes), so exactly one
        // failure proves both the event shape and the partial response.
        Assert.Equal([batch.Messages[1].MessageId], outcome.FailedMessageIds);
    }

    [Fact]
    public async Task Function_receives_the_kinesis_event_and_its_failures_name_sequence_numbers()
    {
        await using var function = await FunctionProcess.StartAsync("python");
        using var handler = new HttpFunctionHandler(new HttpFunctionOptions { Url = function.BaseUrl });
        string[] data = ["""{"device":"a"}""", """{"fail":true}""", """{"device":"c"}"""];
        var records = data.Select((d, i) => new Messaging.Streams.StreamRecord(
            (49_000_000_000_000_000L + i).ToString(System.Globalization.CultureInfo.InvariantCulture), SentAt, "key-" + i, Encoding.UTF8.GetBytes(d)))
            .ToList();
        var messages = records.Select(r => new ReceivedMessage(
            StreamBatch.RecordId("readings", "shardId-000000000000", r.SequenceNumber), r.SequenceNumber, r.Data, 1, SentAt, SentAt, 0)).ToList();
        var batch = new MessageBatch("readings", messages)
        {
            Stream = new StreamBatch("readings", "shardId-000000000000", records, "arn:aws:kinesis:us-east-1:000000000000:stream/readings"),
        };

        var outcome = await handler.HandleAsync(batch, CancellationToken.None);

        // The function fails any record not shaped as Lambda shapes a Kinesis record, so one failure proves the shape.
        Assert.Equal([messages[1].MessageId], outcome.FailedMessageIds);
    }

    [Theory]
    [InlineData("python")]
    [InlineData("node")]
    public async Task Empty_answer_is_full_success(string language)
    {
        await using var function = await FunctionProcess.StartAsync(language);
        using var handler = new HttpFunctionHandler(new HttpFunctionOptions { Url = function.Url("/empty") });

        var outcome = await handler.HandleAsync(Batch("""{"fail":true}"""), CancellationToken.None);

        Assert.Empty(outcome.FailedMessageIds);
    }

    [Theory]
    [InlineData("python", "/status500")]
    [InlineData("python", "/bad-id")]
    [InlineData("node", "/status500")]
    [InlineData("node", "/bad-id")]
    public async Task Non_2xx_or_unknown_item_identifier_fails_the_whole_batch(string language, string path)
    {
        await using var function = await FunctionProcess.StartAsync(language);
        using var handler = new HttpFunctionHandler(new HttpFunctionOptions { Url = function.Url(path) });

        await Assert.ThrowsAsync<HttpFunctionException>(
            async () => await handler.HandleAsync(Batch("""{"name":"a"}"""), CancellationToken.None));
    }

    [Fact]
    public async Task Function_that_does_not_answer_in_time_fails_the_whole_batch()
    {
        await using var function = await FunctionProcess.StartAsync("python");
        using var handler = new HttpFunctionHandler(
            new HttpFunctionOptions { Url = function.Url("/slow"), Timeout = TimeSpan.FromMilliseconds(300) });

        var failure = await Assert.ThrowsAsync<HttpFunctionException>(
            async () => await handler.HandleAsync(Batch("""{"name":"a"}"""), CancellationToken.None));
        Assert.Contains("did not answer within", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unreachable_function_fails_the_whole_batch_without_leaking_credentials_in_the_url()
    {
        var port = ClosedPort();
        using var handler = new HttpFunctionHandler(
            new HttpFunctionOptions { Url = new Uri($"http://user:s3cret@127.0.0.1:{port}/fn?token=s3cret") });

        var failure = await Assert.ThrowsAsync<HttpFunctionException>(
            async () => await handler.HandleAsync(Batch("""{"name":"a"}"""), CancellationToken.None));
        Assert.DoesNotContain("s3cret", failure.Message, StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{port}/fn", failure.Message, StringComparison.Ordinal);
    }

    internal static MessageBatch Batch(params string[] bodies)
    {
        var messages = bodies
            .Select((body, i) => new ReceivedMessage(
                Guid.NewGuid(), $"handle-{i}", Encoding.UTF8.GetBytes(body), 1, SentAt, SentAt.AddSeconds(1), i + 1))
            .ToArray();
        return new MessageBatch("orders", messages);
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
