using Spillway.Aws.Internal;

namespace Spillway.Aws.Protocols;

/// <summary>
/// Writes an answer in the request's protocol. Actions describe their output once, naming each member as every protocol
/// spells it: XML flattens lists and maps into repeated elements (SQS) or wraps them (<paramref name="xmlWrapper"/>, with
/// <c>member</c> items, as SNS does), JSON and CBOR nest them. Each writer writes straight into a pooled buffer.
/// </summary>
public abstract class AwsResponse
{
    private protected AwsResponse(PooledBuffer buffer) => Buffer = buffer;

    private protected PooledBuffer Buffer { get; }

    /// <summary>What has been written and flushed so far (an event's payload once <see cref="End"/> has run).</summary>
    internal ReadOnlyMemory<byte> Written => Buffer.WrittenMemory;

    /// <summary>Drops everything written, so the writer starts a new answer (the next event of an event stream).</summary>
    internal virtual void Restart() => Buffer.Clear();

    /// <summary>The answer's content type.</summary>
    public abstract string ContentType { get; }

    /// <summary>Starts the answer of an action with output.</summary>
    public abstract void Begin(string action);

    /// <summary>Ends it; XML adds the response metadata with <paramref name="requestId"/>.</summary>
    public abstract void End(string action, string requestId);

    /// <summary>The whole answer of an action without output.</summary>
    public abstract void Empty(string action, string requestId);

    /// <summary>The whole answer of a refused request (replacing anything written).</summary>
    public abstract void Error(AwsError error, string message, string requestId);

    /// <summary>A string member; nothing when <paramref name="value"/> is null.</summary>
    public abstract void String(string name, string? value);

    /// <summary>A string member given as UTF-8 (a message body as stored), written without a UTF-16 round trip.</summary>
    public abstract void Utf8String(string name, ReadOnlySpan<byte> utf8);

    /// <summary>An integer member.</summary>
    public abstract void Number(string name, long value);

    /// <summary>A boolean member.</summary>
    public abstract void Bool(string name, bool value);

    /// <summary>A binary member (base64 in XML and JSON, a byte string in CBOR).</summary>
    public abstract void Blob(string name, ReadOnlySpan<byte> value);

    /// <summary>A timestamp member (ISO 8601 in XML, epoch seconds in JSON, tag 1 with epoch milliseconds in CBOR).</summary>
    public abstract void Timestamp(string name, DateTimeOffset value);

    /// <summary>Starts a nested structure member.</summary>
    public abstract void BeginStructure(string name);

    /// <summary>Ends it.</summary>
    public abstract void EndStructure(string name);

    /// <summary>Starts a list member: <paramref name="name"/> in JSON/CBOR; in XML the items follow flattened, or inside
    /// <paramref name="xmlWrapper"/> when given.</summary>
    public abstract void BeginList(string name, string? xmlWrapper = null);

    /// <summary>Ends it (with the same <paramref name="xmlWrapper"/>).</summary>
    public abstract void EndList(string? xmlWrapper = null);

    /// <summary>Starts a structure item of a list (its XML element is <paramref name="xmlName"/>).</summary>
    public abstract void BeginItem(string xmlName);

    /// <summary>Ends it.</summary>
    public abstract void EndItem(string xmlName);

    /// <summary>A string item of a list.</summary>
    public abstract void ListString(string xmlName, string value);

    /// <summary>Starts a map member, like <see cref="BeginList"/>.</summary>
    public abstract void BeginMap(string name, string? xmlWrapper = null);

    /// <summary>Ends it.</summary>
    public abstract void EndMap(string? xmlWrapper = null);

    /// <summary>A string entry of a map: in XML <c>&lt;xmlName&gt;&lt;keyName&gt;key&lt;/…&gt;&lt;valueName&gt;value…</c>.</summary>
    public abstract void MapEntry(string xmlName, string keyName, string valueName, string key, string value);

    /// <summary>Starts a structure entry of a map; its members follow.</summary>
    public abstract void BeginMapValue(string xmlName, string keyName, string key, string valueName);

    /// <summary>Ends it.</summary>
    public abstract void EndMapValue(string xmlName, string valueName);
}
