using System.Formats.Cbor;
using System.Net;
using System.Text;
using System.Text.Json;
using Spillway.Messaging;
using Spillway.TestKit;

namespace Spillway.Kinesis.Tests;

/// <summary>
/// A real Kestrel on 127.0.0.1 serving the Kinesis API over a queue engine in a temporary directory, on a manual clock,
/// with helpers that speak JSON 1.1 as boto3 and the JS SDK do and CBOR as the Java SDK does.
/// </summary>
internal sealed class KinesisTestServer : IAsyncDisposable
{
    public const string Account = "000000000000";

    private readonly string directory = Directory.CreateTempSubdirectory("spillway-kinesis-").FullName;
    private TestWebHost host = null!;

    public ManualTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    public QueueEngine Engine { get; private set; } = null!;

    public HttpClient Client => host.Client;

    public static async Task<KinesisTestServer> StartAsync()
    {
        var server = new KinesisTestServer();
        server.Engine = await QueueEngine.OpenAsync(new QueueEngineOptions { DataDirectory = server.directory, TimeProvider = server.Clock });
        server.host = await TestWebHost.StartAsync(app => app.MapKinesisApi(server.Engine, settings: new KinesisApiSettings { TimeProvider = server.Clock }));
        return server;
    }

    public static string StreamArn(string name) => $"arn:aws:kinesis:us-east-1:{Account}:stream/{name}";

    /// <summary>A JSON 1.1 request: POST / with X-Amz-Target: Kinesis_20131202.<paramref name="action"/>.</summary>
    public async Task<JsonAnswer> JsonAsync(string action, object body)
    {
        using var request = Request(action, body as string ?? JsonSerializer.Serialize(body), "application/x-amz-json-1.1");
        using var response = await Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        using var document = JsonDocument.Parse(text.Length == 0 ? "{}" : text);
        return new JsonAnswer(response.StatusCode, document.RootElement.Clone(), text, response.Content.Headers.ContentType?.MediaType ?? "");
    }

    /// <summary>A CBOR request as the Java SDK sends it: a map written by <paramref name="write"/>, the answer decoded.</summary>
    public async Task<CborAnswer> CborAsync(string action, Action<CborWriter> write)
    {
        var writer = new CborWriter(CborConformanceMode.Lax, convertIndefiniteLengthEncodings: false);
        write(writer);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/");
        request.Headers.Add("X-Amz-Target", "Kinesis_20131202." + action);
        request.Content = new ByteArrayContent(writer.Encode());
        request.Content.Headers.ContentType = new("application/x-amz-cbor-1.1");
        using var response = await Client.SendAsync(request);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        var body = bytes.Length == 0 ? new Dictionary<string, object?>() : (Dictionary<string, object?>)CborValue.Read(new CborReader(bytes, CborConformanceMode.Lax))!;
        return new CborAnswer(response.StatusCode, body, response.Content.Headers.ContentType?.MediaType ?? "");
    }

    public async Task CreateStreamAsync(string name, int shards = 1)
    {
        var answer = await JsonAsync("CreateStream", new { StreamName = name, ShardCount = shards });
        answer.AssertOk();
    }

    public async Task<string> IteratorAsync(string stream, string shard, string type, string? sequence = null, double? timestamp = null)
    {
        var body = new Dictionary<string, object> { ["StreamName"] = stream, ["ShardId"] = shard, ["ShardIteratorType"] = type };
        if (sequence is not null)
        {
            body["StartingSequenceNumber"] = sequence;
        }

        if (timestamp is not null)
        {
            body["Timestamp"] = timestamp;
        }

        var answer = await JsonAsync("GetShardIterator", body);
        answer.AssertOk();
        return answer.String("ShardIterator")!;
    }

    public static HttpRequestMessage Request(string action, string json, string contentType)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/");
        request.Headers.Add("X-Amz-Target", "Kinesis_20131202." + action);
        request.Content = new StringContent(json, Encoding.UTF8);
        request.Content.Headers.ContentType = new(contentType);
        return request;
    }

    public async ValueTask DisposeAsync()
    {
        await host.DisposeAsync();
        await Engine.DisposeAsync();
        Directory.Delete(directory, recursive: true);
    }
}

/// <summary>A JSON answer: the status and the body (an empty object for an empty body).</summary>
internal sealed record JsonAnswer(HttpStatusCode Status, JsonElement Body, string RawBody, string ContentType)
{
    public string? String(string name) => Body.TryGetProperty(name, out var value) ? value.GetString() : null;

    public void AssertOk() => Assert.True(Status == HttpStatusCode.OK, $"expected 200, got {(int)Status}: {RawBody}");

    /// <summary>Asserts Kinesis's JSON error: 400, <c>__type</c> and a message.</summary>
    public void AssertError(string type)
    {
        Assert.True(Status == HttpStatusCode.BadRequest && String("__type") == type, $"expected 400 {type}, got {(int)Status}: {RawBody}");
        Assert.False(string.IsNullOrEmpty(String("message")));
    }
}

/// <summary>A CBOR answer, decoded into maps, lists, strings, byte arrays, integers and <see cref="CborTimestamp"/>.</summary>
internal sealed record CborAnswer(HttpStatusCode Status, Dictionary<string, object?> Body, string ContentType);

/// <summary>A tag-1 timestamp as read from the wire: the number it holds.</summary>
internal sealed record CborTimestamp(object Value);

internal static class CborValue
{
    public static object? Read(CborReader reader)
    {
        switch (reader.PeekState())
        {
            case CborReaderState.StartMap:
                var map = new Dictionary<string, object?>(StringComparer.Ordinal);
                reader.ReadStartMap();
                while (reader.PeekState() != CborReaderState.EndMap)
                {
                    map.Add(reader.ReadTextString(), Read(reader));
                }

                reader.ReadEndMap();
                return map;
            case CborReaderState.StartArray:
                var list = new List<object?>();
                reader.ReadStartArray();
                while (reader.PeekState() != CborReaderState.EndArray)
                {
                    list.Add(Read(reader));
                }

                reader.ReadEndArray();
                return list;
            case CborReaderState.TextString:
                return reader.ReadTextString();
            case CborReaderState.ByteString:
                return reader.ReadByteString();
            case CborReaderState.UnsignedInteger or CborReaderState.NegativeInteger:
                return reader.ReadInt64();
            case CborReaderState.Boolean:
                return reader.ReadBoolean();
            case CborReaderState.Tag:
                Assert.Equal(CborTag.UnixTimeSeconds, reader.ReadTag());
                return new CborTimestamp(Read(reader)!);
            case CborReaderState.DoublePrecisionFloat or CborReaderState.SinglePrecisionFloat or CborReaderState.HalfPrecisionFloat:
                return reader.ReadDouble();
            default:
                reader.ReadNull();
                return null;
        }
    }
}
