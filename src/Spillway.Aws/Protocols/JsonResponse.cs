using System.Text.Encodings.Web;
using System.Text.Json;
using Spillway.Aws.Internal;

namespace Spillway.Aws.Protocols;

/// <summary>The JSON 1.0 or 1.1 answer, written with <see cref="Utf8JsonWriter"/>.</summary>
internal sealed class JsonResponse : AwsResponse
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        // The answer is never embedded in HTML; keeping non-ASCII text as is keeps it short.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
    };

    private readonly Utf8JsonWriter json;
    private readonly string typePrefix;

    public JsonResponse(PooledBuffer buffer, string jsonVersion, string typePrefix)
        : base(buffer)
    {
        json = new Utf8JsonWriter(buffer, WriterOptions);
        this.typePrefix = typePrefix;
        ContentType = "application/x-amz-json-" + jsonVersion;
    }

    public override string ContentType { get; }

    public override void Begin(string action) => json.WriteStartObject();

    internal override void Restart()
    {
        json.Reset();
        Buffer.Clear();
    }

    public override void End(string action, string requestId)
    {
        json.WriteEndObject();
        json.Flush();
    }

    public override void Empty(string action, string requestId)
    {
    }

    public override void Error(AwsError error, string message, string requestId)
    {
        json.Reset();
        Buffer.Clear();
        json.WriteStartObject();
        json.WriteString("__type", typePrefix + error.Shape);
        json.WriteString("message", message);
        json.WriteEndObject();
        json.Flush();
    }

    public override void String(string name, string? value)
    {
        if (value is not null)
        {
            json.WriteString(name, value);
        }
    }

    public override void Utf8String(string name, ReadOnlySpan<byte> utf8) => json.WriteString(name, utf8);

    public override void Number(string name, long value) => json.WriteNumber(name, value);

    public override void Bool(string name, bool value) => json.WriteBoolean(name, value);

    public override void Blob(string name, ReadOnlySpan<byte> value) => json.WriteBase64String(name, value);

    // Epoch seconds as a plain decimal ("1506440188.749"): the Java SDK's parser fails on an exponent.
    public override void Timestamp(string name, DateTimeOffset value) => json.WriteNumber(name, value.ToUnixTimeMilliseconds() / 1000m);

    public override void BeginStructure(string name) => json.WriteStartObject(name);

    public override void EndStructure(string name) => json.WriteEndObject();

    public override void BeginList(string name, string? xmlWrapper = null) => json.WriteStartArray(name);

    public override void EndList(string? xmlWrapper = null) => json.WriteEndArray();

    public override void BeginItem(string xmlName) => json.WriteStartObject();

    public override void EndItem(string xmlName) => json.WriteEndObject();

    public override void ListString(string xmlName, string value) => json.WriteStringValue(value);

    public override void BeginMap(string name, string? xmlWrapper = null) => json.WriteStartObject(name);

    public override void EndMap(string? xmlWrapper = null) => json.WriteEndObject();

    public override void MapEntry(string xmlName, string keyName, string valueName, string key, string value) => json.WriteString(key, value);

    public override void BeginMapValue(string xmlName, string keyName, string key, string valueName) => json.WriteStartObject(key);

    public override void EndMapValue(string xmlName, string valueName) => json.WriteEndObject();
}
