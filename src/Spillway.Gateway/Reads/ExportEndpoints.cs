using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Net.Http.Headers;
using Spillway.Exports;
using Spillway.Gateway.Internal;
using Spillway.Storage;

namespace Spillway.Gateway.Reads;

/// <summary>
/// Export jobs over HTTP, behind the read keys:
/// <list type="bullet">
/// <item><c>POST /v1/exports</c> <c>{"table":"users","format":"csv","gzip":true,"filters":{…},"notify":{"email":…,"webhook":…}}</c> → 202 <c>{"id":…}</c></item>
/// <item><c>GET /v1/exports/{id}</c> → the job: <c>queued</c>, <c>running</c> (rows so far), <c>done</c> (rows, bytes), <c>failed</c> (reason), <c>expired</c></item>
/// <item><c>GET /v1/exports/{id}/download</c> → the file, with ranges (206, 416)</item>
/// </list>
/// </summary>
public static class ExportEndpoints
{
    private const int MaxRequestBytes = 64 * 1024;

    /// <summary>Maps the export endpoints; throws <see cref="GatewayConfigurationException"/> when a read key is invalid.</summary>
    public static IEndpointRouteBuilder MapExports(this IEndpointRouteBuilder endpoints, ExportService exports, GatewayOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(exports);
        var group = endpoints.MapGroup("/v1/exports").RequireReadApiKey(options).WithParameterProblems();
        group.MapPost("/", Task<IResult> (HttpContext context) => SubmitAsync(exports, context));
        group.MapGet("/{id}", IResult (string id) =>
            exports.Get(id) is { } job ? new JobResult(job, exports, StatusCodes.Status200OK) : UnknownJob(id));
        group.MapGet("/{id}/download", Task<IResult> (string id, HttpContext context) => DownloadAsync(exports, id, context));
        group.MapOtherMethods("/", "POST");
        group.MapOtherMethods("/{id}", "GET");
        group.MapOtherMethods("/{id}/download", "GET");
        return endpoints;
    }

    private static async Task<IResult> SubmitAsync(ExportService exports, HttpContext context)
    {
        var request = context.Request;
        if (request.ContentType is not { } type || !type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            return new ReadProblem(
                StatusCodes.Status415UnsupportedMediaType, "unsupported-media-type", "The content type is not supported.", "Send application/json.");
        }

        var body = await RequestBody.ReadAsync(request, MaxRequestBytes, context.RequestAborted).ConfigureAwait(false);
        ExportRequest export;
        try
        {
            switch (body.Fault)
            {
                case BodyFault.TooLarge:
                    return new ReadProblem(
                        StatusCodes.Status413PayloadTooLarge, "body-too-large", "The request body is too large.", $"At most {MaxRequestBytes} bytes.");
                case BodyFault.Malformed:
                    return new ReadProblem(
                        StatusCodes.Status400BadRequest, "malformed-request", "The request is malformed.", $"The body could not be read: {body.Detail}");
            }

            export = ExportRequestReader.Read(body.Memory);
        }
        catch (ExportRequestException e)
        {
            return ReadProblem.BadParameter(e.Parameter, e.Message);
        }
        finally
        {
            body.Return();
        }

        try
        {
            var job = await exports.SubmitAsync(export, context.RequestAborted).ConfigureAwait(false);
            context.Response.Headers.Location = $"/v1/exports/{job.Id}";
            return new JobResult(job, exports, StatusCodes.Status202Accepted);
        }
        catch (ExportRequestException e)
        {
            return ReadProblem.BadParameter(e.Parameter, e.Message);
        }
        catch (StorageFullException e)
        {
            return new ReadProblem(StatusCodes.Status503ServiceUnavailable, "unavailable", "The job cannot be stored right now.", e.Message);
        }
    }

    private static async Task<IResult> DownloadAsync(ExportService exports, string id, HttpContext context)
    {
        if (exports.Get(id) is not { } job)
        {
            return UnknownJob(id);
        }

        if (job.State == ExportState.Expired)
        {
            return new ReadProblem(StatusCodes.Status410Gone, "expired", "The export has expired.", "Its file was deleted; start a new export.");
        }

        if (job.State != ExportState.Done)
        {
            return new ReadProblem(
                StatusCodes.Status409Conflict, "not-ready", "The export is not ready.", $"The job is {job.State.ToString().ToLowerInvariant()}.");
        }

        var stream = await exports.OpenFileAsync(job, context.RequestAborted).ConfigureAwait(false);
        if (stream is null)
        {
            return new ReadProblem(StatusCodes.Status410Gone, "expired", "The export's file is gone.", "Start a new export.");
        }

        // The id names one immutable file, so it is a strong validator: If-Range and conditional GETs just work.
        return TypedResults.Stream(
            stream,
            job.ContentType,
            job.FileName,
            job.FinishedAt,
            new EntityTagHeaderValue($"\"{job.Id}\""),
            enableRangeProcessing: true);
    }

    private static ReadProblem UnknownJob(string id) =>
        ReadProblem.NotFound("export", $"There is no export with id '{(id.Length <= 40 ? id : id[..40] + "…")}'.");

    /// <summary>A job as the API shows it.</summary>
    private sealed class JobResult(ExportJob job, ExportService exports, int status) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            var buffer = new ArrayBufferWriter<byte>(512);
            await using (var json = new Utf8JsonWriter(buffer))
            {
                json.WriteStartObject();
                json.WriteString("id", job.Id);
                json.WriteString("table", job.Request.Table);
                json.WriteString("format", job.Request.Format.ToString().ToLowerInvariant());
                json.WriteBoolean("gzip", job.Request.Gzip);
                json.WriteString("state", job.State.ToString().ToLowerInvariant());
                if (job.State is ExportState.Running or ExportState.Done or ExportState.Expired)
                {
                    json.WriteNumber("rows", job.Rows);
                }

                if (job.State is ExportState.Done or ExportState.Expired)
                {
                    json.WriteNumber("bytes", job.Bytes);
                }

                if (job.Reason is { } reason && job.State is ExportState.Failed or ExportState.Queued)
                {
                    json.WriteString("reason", reason);
                }

                json.WriteNumber("attempts", job.Attempts);
                json.WriteString("createdAt", job.CreatedAt);
                WriteTime(json, "startedAt", job.StartedAt);
                WriteTime(json, "finishedAt", job.FinishedAt);
                WriteTime(json, "expiresAt", job.ExpiresAt);
                if (job.State == ExportState.Done)
                {
                    json.WriteString("downloadUrl", exports.DownloadUrl(job).ToString());
                }

                json.WriteEndObject();
            }

            httpContext.Response.StatusCode = status;
            httpContext.Response.ContentType = "application/json";
            await httpContext.Response.Body.WriteAsync(buffer.WrittenMemory, httpContext.RequestAborted).ConfigureAwait(false);
        }

        private static void WriteTime(Utf8JsonWriter json, string name, DateTimeOffset? value)
        {
            if (value is { } time)
            {
                json.WriteString(name, time);
            }
        }
    }
}
