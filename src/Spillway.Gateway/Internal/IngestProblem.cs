namespace Spillway.Gateway.Internal;

/// <summary>An RFC 9457 problem the gateway answers with; serialized by <see cref="GatewayJsonContext"/>.</summary>
internal sealed class IngestProblem
{
    private const int MaxErrors = 32;

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

    public static IngestProblem MalformedJson(string path, string detail) => new()
    {
        Type = "urn:spillway:problem:malformed-json",
        Title = "The request body is not well-formed JSON.",
        Status = 400,
        Detail = detail,
        Errors = new() { [path] = [detail] },
    };

    public static IngestProblem InvalidRecords(Dictionary<string, string[]> errors) => new()
    {
        Type = "urn:spillway:problem:invalid-record",
        Title = "One or more records do not match the route's schema.",
        Status = 400,
        Detail = "Nothing was stored; see errors for each field.",
        Errors = errors,
    };

    public static IngestProblem TooDeep(string path, int maxDepth) => new()
    {
        Type = "urn:spillway:problem:too-deep",
        Title = "The request body is nested too deeply.",
        Status = 400,
        Detail = $"JSON may nest at most {maxDepth} levels.",
        Errors = new() { [path] = [$"nests deeper than {maxDepth} levels"] },
    };

    public static IngestProblem EmptyBody(string detail) => new()
    {
        Type = "urn:spillway:problem:empty-body",
        Title = "The request carries no record.",
        Status = 400,
        Detail = detail,
        Errors = new() { ["$"] = [detail] },
    };

    public static IngestProblem UnreadableBody(string detail) => new()
    {
        Type = "urn:spillway:problem:unreadable-body",
        Title = "The request body could not be read.",
        Status = 400,
        Detail = detail,
        Errors = new() { ["$"] = [detail] },
    };

    public static IngestProblem NotAnObject(string path, string detail) => new()
    {
        Type = "urn:spillway:problem:invalid-record",
        Title = "One or more records do not match the route's schema.",
        Status = 400,
        Detail = detail,
        Errors = new() { [path] = [detail] },
    };

    public static IngestProblem InvalidEncoding() => new()
    {
        Type = "urn:spillway:problem:invalid-encoding",
        Title = "The request body is not valid UTF-8.",
        Status = 400,
        Detail = "Send the body as UTF-8.",
        Errors = new() { ["$"] = ["is not valid UTF-8"] },
    };

    public static IngestProblem InvalidHeader(string header, string detail) => new()
    {
        Type = "urn:spillway:problem:invalid-header",
        Title = $"The {header} header is invalid.",
        Status = 400,
        Detail = detail,
        Errors = new() { [header] = [detail] },
    };

    public static IngestProblem BodyTooLarge(int maxBodyBytes) => new()
    {
        Type = "urn:spillway:problem:body-too-large",
        Title = "The request body is too large.",
        Status = 413,
        Detail = $"The body may be at most {maxBodyBytes} bytes; split it into several requests.",
        Errors = new() { ["$"] = [$"is larger than {maxBodyBytes} bytes"] },
    };

    public static IngestProblem TooManyRecords(int maxRecords) => new()
    {
        Type = "urn:spillway:problem:too-many-records",
        Title = "The request carries too many records.",
        Status = 413,
        Detail = $"A request may carry at most {maxRecords} records; split it into several requests.",
        Errors = new() { ["$"] = [$"has more than {maxRecords} records"] },
    };

    public static IngestProblem RecordTooLarge(string path, int maxRecordBytes) => new()
    {
        Type = "urn:spillway:problem:record-too-large",
        Title = "A record is larger than the queue's maximum message size.",
        Status = 413,
        Detail = $"A record may be at most {maxRecordBytes} bytes.",
        Errors = new() { [path] = [$"is larger than {maxRecordBytes} bytes"] },
    };

    public static IngestProblem UnsupportedMediaType(string? contentType) => new()
    {
        Type = "urn:spillway:problem:unsupported-media-type",
        Title = "The content type is not supported.",
        Status = 415,
        Detail = "Send application/json (an object or an array of objects) or application/x-ndjson (one object per line), " +
                 $"in UTF-8; got '{contentType ?? "none"}'.",
        Errors = new() { ["Content-Type"] = ["must be application/json or application/x-ndjson with charset utf-8"] },
    };

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
        Title = "The records cannot be stored right now; nothing was stored.",
        Status = 503,
        Detail = detail,
    };
}
