using System.Text;
using System.Text.Json;
using Spillway.DeliveryStreams.Conversion;
using Spillway.DeliveryStreams.Transform;
using Spillway.Storage;
using Spillway.TestKit;

namespace Spillway.DeliveryStreams.Tests;

/// <summary>Records transformed through a function over HTTP before their file is written, as Firehose's Lambda processor.</summary>
public sealed class TransformTests : DeliveryStoreTestBase
{
    protected override DeliveryStreamStore Open() => DeliveryStreamStore.Open(
        FileStorageDevice.Instance, Data, Destination.WriteAsync, Clock, functions: new DeliveryFunctions { Timeout = TimeSpan.FromSeconds(5) });

    private async Task<FunctionServer> Function(Func<JsonElement, (int Status, string Body)> answer) =>
        Own(await FunctionServer.StartAsync(answer));

    private static DeliveryStreamDefinition Readings(FunctionServer function, int retries = 3) => new()
    {
        Name = "readings",
        Bucket = "lake",
        BufferInterval = TimeSpan.FromSeconds(60),
        AppendNewline = true,
        Transform = new RecordTransform { Function = function.Url.ToString(), NumberOfRetries = retries },
    };

    private static ReadOnlyMemory<byte> Json(string text) => Encoding.UTF8.GetBytes(text);

    private static (string, string?) ByContent(string record) => record switch
    {
        _ when record.StartsWith("keep:", StringComparison.Ordinal) => ("Ok", record[5..].ToUpperInvariant()),
        "drop" => ("Dropped", null),
        _ => ("ProcessingFailed", null),
    };

    [Fact]
    public async Task Ok_records_carry_the_new_data_dropped_ones_are_left_out_and_failed_ones_go_to_processing_failed()
    {
        var function = await Function(request => (200, FunctionServer.Answer(request, ByContent)));
        var stream = await Store.CreateAsync(Readings(function));
        var ids = await stream.PutAsync([Json("keep:a"), Json("drop"), Json("fail"), Json("keep:b")]);

        var keys = await stream.FlushAsync();

        var request = Assert.Single(function.Events);
        Assert.Equal("arn:aws:firehose:us-east-1:000000000000:deliverystream/readings", request.GetProperty("deliveryStreamArn").GetString());
        Assert.Equal("us-east-1", request.GetProperty("region").GetString());
        Assert.True(Guid.TryParse(request.GetProperty("invocationId").GetString(), out _));
        var sent = request.GetProperty("records").EnumerateArray().ToList();
        Assert.Equal(ids, sent.Select(r => r.GetProperty("recordId").GetString()));
        Assert.All(sent, r => Assert.Equal(Clock.GetUtcNow().ToUnixTimeMilliseconds(), r.GetProperty("approximateArrivalTimestamp").GetInt64()));

        Assert.Equal(2, keys.Count);
        Assert.Equal("A\nB\n", Encoding.UTF8.GetString(Destination.Read("lake", keys[0])));
        Assert.Matches(@"^processing-failed/2026/03/04/05/readings-1-2026-03-04-05-06-07-[0-9a-f-]{36}$", keys[1]);
        var error = JsonDocument.Parse(Destination.Read("lake", keys[1])).RootElement;
        Assert.Equal("Lambda.ProcessingFailed", error.GetProperty("errorCode").GetString());
        Assert.Equal("fail", Encoding.UTF8.GetString(error.GetProperty("rawData").GetBytesFromBase64()));
        Assert.Equal(function.Url.ToString(), error.GetProperty("lambdaArn").GetString());
        Assert.Equal(1, stream.Statistics.RecordsFailed);
    }

    [Fact]
    public async Task A_failing_function_is_retried_with_back_off_then_its_records_go_to_processing_failed()
    {
        var function = await Function(_ => (500, "{\"errorMessage\":\"boom\"}"));
        var stream = await Store.CreateAsync(Readings(function, retries: 2) with { BufferInterval = TimeSpan.Zero });
        var start = Clock.GetUtcNow();

        await stream.PutAsync([Json("keep:a"), Json("keep:b")]);
        await Clock.WhenTimerDueBy(start.AddSeconds(1));
        Assert.Single(function.Events);
        Clock.Advance(TimeSpan.FromSeconds(1));
        await Clock.WhenTimerDueBy(start.AddSeconds(3));
        Assert.Equal(2, function.Events.Count);
        Clock.Advance(TimeSpan.FromSeconds(2));
        var key = await Destination.NextAsync();

        Assert.Equal(3, function.Events.Count);
        Assert.StartsWith("processing-failed/", key, StringComparison.Ordinal);
        var lines = Encoding.UTF8.GetString(Destination.Read("lake", key)).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["keep:a", "keep:b"], lines.Select(l => Encoding.UTF8.GetString(l.GetProperty("rawData").GetBytesFromBase64())));
        Assert.All(lines, l =>
        {
            Assert.Equal("Lambda.FunctionError", l.GetProperty("errorCode").GetString());
            Assert.Equal(3, l.GetProperty("attemptsMade").GetInt32());
            Assert.Equal(start.AddSeconds(3).ToUnixTimeMilliseconds(), l.GetProperty("attemptEndingTimestamp").GetInt64());
        });
        Assert.Equal(["processing-failed"], Destination.Keys("lake").Select(k => k[..k.IndexOf('/')]).Distinct());
    }

    [Theory]
    [InlineData("missing", "Lambda.MissingRecordId")]
    [InlineData("unknown", "Lambda.MissingRecordId")]
    [InlineData("twice", "Lambda.DuplicatedRecordId")]
    [InlineData("garbage", "Lambda.JsonProcessingException")]
    [InlineData("result", "Lambda.JsonProcessingException")]
    public async Task An_answer_that_does_not_account_for_each_record_once_fails_the_whole_call(string fault, string code)
    {
        var function = await Function(request =>
        {
            var ids = request.GetProperty("records").EnumerateArray().Select(r => r.GetProperty("recordId").GetString()!).ToList();
            var data = Convert.ToBase64String("x"u8.ToArray());
            object Ok(string id) => new { recordId = id, result = "Ok", data };
            return (200, fault switch
            {
                "missing" => JsonSerializer.Serialize(new { records = new[] { Ok(ids[0]) } }),
                "unknown" => JsonSerializer.Serialize(new { records = new[] { Ok(ids[0]), Ok(ids[1]), Ok("elsewhere") } }),
                "twice" => JsonSerializer.Serialize(new { records = new[] { Ok(ids[0]), Ok(ids[1]), Ok(ids[1]) } }),
                "result" => JsonSerializer.Serialize(new { records = new[] { Ok(ids[0]), new { recordId = ids[1], result = "Fine", data } } }),
                _ => "<html>",
            });
        });
        var stream = await Store.CreateAsync(Readings(function, retries: 0));
        await stream.PutAsync([Json("keep:a"), Json("keep:b")]);

        var key = Assert.Single(await stream.FlushAsync());

        Assert.StartsWith("processing-failed/", key, StringComparison.Ordinal);
        var lines = Encoding.UTF8.GetString(Destination.Read("lake", key)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.All(lines, l => Assert.Equal(code, JsonDocument.Parse(l).RootElement.GetProperty("errorCode").GetString()));
        Assert.Single(function.Events);
    }

    [Fact]
    public async Task A_function_that_does_not_answer_within_the_timeout_fails_the_call()
    {
        var answered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var called = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var server = await FunctionServer.StartAsync(async request =>
        {
            called.TrySetResult();
            await answered.Task;
            return (200, FunctionServer.Answer(request, ByContent));
        });
        Own(server);
        try
        {
            var stream = await Store.CreateAsync(Readings(server, retries: 0));
            await stream.PutAsync([Json("keep:a")]);
            var flush = stream.FlushAsync();
            await called.Task.WaitAsync(TimeSpan.FromSeconds(30));
            await Clock.WhenTimerDueBy(Clock.GetUtcNow().AddSeconds(5));
            Clock.Advance(TimeSpan.FromSeconds(5));

            var key = Assert.Single(await flush.WaitAsync(TimeSpan.FromSeconds(30)));

            Assert.StartsWith("processing-failed/", key, StringComparison.Ordinal);
            var error = JsonDocument.Parse(Destination.Read("lake", key)).RootElement;
            Assert.Equal("Lambda.FunctionTimedOut", error.GetProperty("errorCode").GetString());
        }
        finally
        {
            answered.TrySetResult();
        }
    }

    [Fact]
    public async Task Calls_hold_at_most_the_processors_buffer_size()
    {
        var function = await Function(request => (200, FunctionServer.Answer(request, r => ("Ok", r[..1]))));
        var stream = await Store.CreateAsync(Readings(function) with
        {
            Transform = new RecordTransform { Function = function.Url.ToString(), BufferSizeMiB = 0.2 },
        });
        var record = new string('k', 100 * 1024);

        await stream.PutAsync([Json(record), Json(record), Json(record)]);
        var key = Assert.Single(await stream.FlushAsync());

        Assert.Equal([2, 1], function.Events.Select(e => e.GetProperty("records").GetArrayLength()));
        Assert.Equal("k\nk\nk\n", Encoding.UTF8.GetString(Destination.Read("lake", key)));
        Assert.NotEqual(function.Events.First().GetProperty("invocationId").GetString(), function.Events.Last().GetProperty("invocationId").GetString());
    }

    [Fact]
    public async Task A_transformed_file_written_again_after_a_stop_holds_what_the_function_answered_the_first_time()
    {
        var calls = 0;
        var function = await Function(request =>
        {
            var call = Interlocked.Increment(ref calls);
            return (200, FunctionServer.Answer(request, r => ("Ok", $"{r}-call{call}")));
        });
        var stream = await Store.CreateAsync(Readings(function) with { BufferInterval = TimeSpan.Zero });
        Destination.FailAfterWriting(1);
        var start = Clock.GetUtcNow();
        await stream.PutAsync([Json("a"), Json("b")]);
        var first = await Destination.NextAsync();
        await Clock.WhenTimerDueBy(start.AddSeconds(1));

        await Store.DisposeAsync();
        Store = Open();
        var again = await Destination.NextAsync();

        Assert.Equal(first, again);
        Assert.Equal([first], Destination.Keys("lake"));
        Assert.Equal("a-call1\nb-call1\n", Encoding.UTF8.GetString(Destination.Read("lake", again)));
        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task A_transform_can_turn_records_into_json_that_is_converted_to_parquet()
    {
        var function = await Function(request => (200, FunctionServer.Answer(request, csv =>
        {
            var fields = csv.Split(',');
            return fields.Length == 2 ? ("Ok", $"{{\"device\":\"{fields[0]}\",\"reading\":\"{fields[1]}\"}}") : ("ProcessingFailed", null);
        })));
        var stream = await Store.CreateAsync(Readings(function) with
        {
            AppendNewline = false,
            Conversion = new ParquetConversion { Columns = [new("device", ParquetColumnType.String), new("reading", ParquetColumnType.Int)] },
        });

        await stream.PutAsync([Json("d1,5"), Json("d2,x"), Json("bad")]);
        var keys = await stream.FlushAsync();

        Assert.Equal(3, keys.Count);
        Assert.EndsWith(".parquet", keys[0], StringComparison.Ordinal);
        Assert.StartsWith("processing-failed/", keys[1], StringComparison.Ordinal);
        Assert.StartsWith("format-conversion-failed/", keys[2], StringComparison.Ordinal);
        using var file = new ParquetSharp.ParquetFileReader(
            new ParquetSharp.IO.ManagedRandomAccessFile(new MemoryStream(Destination.Read("lake", keys[0])), leaveOpen: false));
        using var group = file.RowGroup(0);
        using var devices = group.Column(0).LogicalReader<string>();
        using var readings = group.Column(1).LogicalReader<int?>();
        Assert.Equal(["d1"], devices.ReadAll(1));
        Assert.Equal([5], readings.ReadAll(1));
        var conversion = JsonDocument.Parse(Destination.Read("lake", keys[2])).RootElement;
        Assert.Equal("{\"device\":\"d2\",\"reading\":\"x\"}", Encoding.UTF8.GetString(conversion.GetProperty("rawData").GetBytesFromBase64()));
    }

    [Fact]
    public async Task A_transform_must_name_a_function_that_can_be_called()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(async () => await Store.CreateAsync(new DeliveryStreamDefinition
        {
            Name = "readings",
            Bucket = "lake",
            Transform = new RecordTransform { Function = "arn:aws:lambda:us-east-1:000000000000:function:nowhere" },
        }));

        Assert.Contains("'arn:aws:lambda:us-east-1:000000000000:function:nowhere' is unknown", error.Message, StringComparison.Ordinal);
        Assert.Empty(Store.List());
    }
}
