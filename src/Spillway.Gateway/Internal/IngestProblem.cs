namespace Spillway.Gateway.Internal;

/// <summary>An RFC 9457 problem the gateway answers with; serialized by <see cref="GatewayJsonContext"/>.</summary>
internal sealed class IngestProblem
{
    private const int MaxErrors = 32;
    private const string InvalidRecordTitle = "One or more records do not match the route's schema.";

    public required string Type { get; init; }

    public required string Title { get; init; }

    public required int Status { get; init; }

    public string? Detail { get; init; }

    /// <summary>Messages by JSON-pointer-like path (<c>/2/email</c> in a batch, <c>email</c> in a single object,
    /// <c>$</c> for the body as a whole, or a header name).</summary>
    public Dictionary<string, string[]>? Errors { get; init; }

    /// <summary>Adds an error unless the path already has one or the map is full (the answer stays small).</summary>
    internal static void AddError(ref Dictionary<string, string[]>? errors, string path, string message)
    {
        errors ??= new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (errors.Count < MaxErrors)
        {
            errors.TryAdd(path, [message]);
        }
    }

    public static IngestProblem MalformedJson(string path, string detail)
        => Create(400, "malformed-json", "The request body is not well-formed JSON.", detail, path, detail);

    public static IngestProblem InvalidRecords(Dictionary<string, string[]> errors) => new()
    {
        Type = "urn:spillway:problem:invalid-record",
        Title = InvalidRecordTitle,
        Status = 400,
        Detail = "Nothing was stored; see errors for each field.",
        Errors = errors,
    };

    public static IngestProblem NotAnObject(string path, string detail)
        => Create(400, "invalid-record", InvalidRecordTitle, detail, path, detail);

    public static IngestProblem TooDeep(string path, int maxDepth)
        => Create(400, "too-deep", "The request body is nested too deeply.", $"JSON may nest at most {maxDepth} levels.",
            path, $"nests deeper than {maxDepth} levels");

    public static IngestProblem EmptyBody(string detail)
        => Create(400, "empty-body", "The request carries no record.", detail, "$", detail);

    public static IngestProblem UnreadableBody(string detail)
        => Create(400, "unreadable-body", "The request body could not be read.", detail, "$", detail);

    public static IngestProblem InvalidEncoding()
        => Create(400, "invalid-encoding", "The request body is not valid UTF-8.", "Send the body as UTF-8.", "$", "is not valid UTF-8");

    public static IngestProblem InvalidHeader(string header, string detail)
        => Create(400, "invalid-header", $"The {header} header is invalid.", detail, header, detail);

    public static IngestProblem BodyTooLarge(int maxBodyBytes)
        => Create(413, "body-too-large", "The request body is too large.",
            $"The body may be at most {maxBodyBytes} bytes; split it into several requests.", "$", $"is larger than {maxBodyBytes} bytes");

    public static IngestProblem TooManyRecords(int maxRecords)
        => Create(413, "too-many-records", "The request carries too many records.",
            $"A request may carry at most {maxRecords} records; split it into several requests.",
            "$",
            $"has more than {maxRecords} records");

    public static IngestProblem RecordTooLarge(string path, int maxRecordBytes)
        => Create(413, "record-too-large", "A record is larger than the queue's maximum message size.",
            $"A record may be at most {maxRecordBytes} bytes.", path, $"is larger than {maxRecordBytes} bytes");

    public static IngestProblem UnsupportedMediaType(string? contentType)
        => Create(415, "unsupported-media-type", "The content type is not supported.",
            "Send application/json (an object or an array of objects) or application/x-ndjson (one object per line), " +
            $"in UTF-8; got '{contentType ?? "none"}'.",
            "Content-Type",
            "must be application/json or application/x-ndjson with charset utf-8");

    public static IngestProblem Unauthorized() => new()
    {
        Type = "urn:spillway:problem:unauthorized",
        Title = "A valid API key is required.",
        Status = 401,
        Detail = "Send the key as 'Authorization: Bearer <key>' or 'X-Api-Key: <key>'.",
    };

    public static IngestProblem Unavailable(string detail) => new()
    {
        Type = "urn:spillway:problem:unavailable",
        Title = "The records cannot be stored right now.",
        Status = 503,
        Detail = detail,
    };

    private static IngestProblem Create(int status, string type, string title, string detail, string path, string message) => new()
    {
        Type = "urn:spillway:problem:" + type,
        Title = title,
        Status = status,
        Detail = detail,
        Errors = new(StringComparer.Ordinal) { [path] = [message] },
    };
}
