using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Spillway.Gateway.Reads;

/// <summary>
/// RFC 9457 problems of the read API and exports, with <c>errors</c> keyed by the request parameter at fault, as the
/// ingest endpoints key theirs by field. Written by hand so that no reflection-based serializer is needed.
/// </summary>
internal sealed class ReadProblem(int status, string type, string title, string detail, string? parameter = null) : IResult
{
    public int Status { get; } = status;

    public string? Parameter { get; } = parameter;

    public static ReadProblem BadParameter(string parameter, string detail) =>
        new(StatusCodes.Status400BadRequest, "invalid-parameter", "A request parameter is invalid.", detail, parameter);

    public static ReadProblem MethodNotAllowed(string method, string allowed) => new(
        StatusCodes.Status405MethodNotAllowed, "method-not-allowed", "The method is not allowed on this path.", $"{method} is not allowed here; use {allowed}.");

    public static ReadProblem NotFound(string what, string detail) =>
        new(StatusCodes.Status404NotFound, "not-found", $"The {what} does not exist.", detail);

    public static ReadProblem Unauthorized() => new(
        StatusCodes.Status401Unauthorized,
        "unauthorized",
        "A valid read API key is required.",
        "Send a read key (Spillway:Gateway:ReadApiKeys) as 'Authorization: Bearer <key>' or 'X-Api-Key: <key>'; ingest keys cannot read.");

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var response = httpContext.Response;
        response.StatusCode = Status;
        response.ContentType = "application/problem+json";
        await using var json = new Utf8JsonWriter(response.Body);
        json.WriteStartObject();
        json.WriteString("type", "urn:spillway:problem:" + type);
        json.WriteString("title", title);
        json.WriteNumber("status", Status);
        json.WriteString("detail", detail);
        if (Parameter is not null)
        {
            json.WriteStartObject("errors");
            json.WriteStartArray(Parameter);
            json.WriteStringValue(detail);
            json.WriteEndArray();
            json.WriteEndObject();
        }

        json.WriteEndObject();
        await json.FlushAsync(httpContext.RequestAborted).ConfigureAwait(false);
    }
}
