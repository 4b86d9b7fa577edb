using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Spillway.Aggregations;
using Spillway.Gateway;
using Spillway.Gateway.Admin;
using Spillway.Sinks;
using Spillway.Sinks.Aggregates;

namespace Spillway.Hosting.Aggregations;

/// <summary>
/// Aggregations seen, declared, read and removed by an operator:
/// <list type="bullet">
/// <item><c>GET /v1/aggregations</c> → <c>{"aggregations":[…]}</c>, each with its declaration, state and figures</item>
/// <item><c>POST /v1/aggregations</c> with a declaration (JSON, or <c>{"name", "sql"}</c>) → 201 and the aggregation;
/// 400 naming what is wrong; 409 when the name is taken</item>
/// <item><c>GET /v1/aggregations/{name}</c> → one of them; 404 when there is none</item>
/// <item><c>GET /v1/aggregations/{name}/results?limit=&amp;after=&amp;from=&amp;before=</c> → <c>{"rows":[…],"next":…}</c>,
/// keyset pages in window order</item>
/// <item><c>DELETE /v1/aggregations/{name}</c> → 204, its results table and checkpoint dropped</item>
/// </list>
/// </summary>
internal static class AggregationEndpoints
{
    private const int MaxBodyBytes = 256 * 1024;

    public static IEndpointRouteBuilder MapAggregations(this IEndpointRouteBuilder endpoints, AggregationService aggregations, GatewayOptions gateway)
    {
        var group = endpoints.MapGroup("/v1/aggregations").RequireApiKey(gateway);
        group.MapGet("/", () => Json(json =>
        {
            json.WriteStartObject();
            json.WriteStartArray("aggregations");
            foreach (var aggregation in aggregations.List())
            {
                Describe(json, aggregation);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }));
        group.MapGet("/{name}", (string name) => aggregations.TryGet(name, out var aggregation)
            ? Json(json => Describe(json, aggregation))
            : Unknown(name));
        group.MapPost("/", (Func<HttpContext, Task<IResult>>)(context => CreateAsync(aggregations, context)));
        group.MapDelete("/{name}", async (string name, CancellationToken cancellationToken) =>
        {
            try
            {
                return await aggregations.DeleteAsync(name, cancellationToken).ConfigureAwait(false) ? Results.NoContent() : Unknown(name);
            }
            catch (InvalidOperationException e)
            {
                return Problem(StatusCodes.Status409Conflict, "Declared in the configuration", e.Message);
            }
        });
        group.MapGet("/{name}/results", (string name, HttpContext context) => ResultsAsync(aggregations, name, context));
        return endpoints;
    }

    private static async Task<IResult> CreateAsync(AggregationService aggregations, HttpContext context)
    {
        if (context.Request.ContentLength > MaxBodyBytes)
        {
            return Problem(StatusCodes.Status413PayloadTooLarge, "Declaration too large", $"A declaration is at most {MaxBodyBytes} bytes.");
        }

        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync(context.RequestAborted).ConfigureAwait(false);
        try
        {
            var created = await aggregations.CreateAsync(body, context.RequestAborted).ConfigureAwait(false);
            return Json(json => Describe(json, created), StatusCodes.Status201Created);
        }
        catch (ArgumentException e)
        {
            return Problem(StatusCodes.Status400BadRequest, "Invalid aggregation", e.Message);
        }
        catch (InvalidOperationException e)
        {
            return Problem(StatusCodes.Status409Conflict, "Aggregation exists", e.Message);
        }
        catch (SinkUnavailableException e)
        {
            return Problem(StatusCodes.Status503ServiceUnavailable, "Database unavailable", e.Message);
        }
    }

    private static async Task<IResult> ResultsAsync(AggregationService aggregations, string name, HttpContext context)
    {
        if (!aggregations.TryGet(name, out var aggregation))
        {
            return Unknown(name);
        }

        var query = context.Request.Query;
        var limit = 100;
        if (query["limit"] is { Count: > 0 } text
            && (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > 10_000))
        {
            return Problem(StatusCodes.Status400BadRequest, "Invalid limit", "limit must be a whole number from 1 to 10000.");
        }

        DateTimeOffset? from = null, before = null;
        foreach (var (key, assign) in new (string, Action<DateTimeOffset>)[] { ("from", t => from = t), ("before", t => before = t) })
        {
            if (query[key] is { Count: > 0 } value)
            {
                if (!DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
                {
                    return Problem(StatusCodes.Status400BadRequest, "Invalid " + key, $"{key} must be an ISO-8601 time.");
                }

                assign(time);
            }
        }

        AggregatePage page;
        try
        {
            page = await aggregation.Results.Table.ReadPageAsync(
                new AggregatePageRequest
                {
                    Limit = limit,
                    After = query["after"] is { Count: > 0 } after ? after.ToString() : null,
                    WindowStartFrom = from,
                    WindowStartBefore = before,
                },
                context.RequestAborted).ConfigureAwait(false);
        }
        catch (ArgumentException e)
        {
            return Problem(StatusCodes.Status400BadRequest, "Invalid page", e.Message);
        }
        catch (SinkUnavailableException e)
        {
            return Problem(StatusCodes.Status503ServiceUnavailable, "Database unavailable", e.Message);
        }

        return Json(json =>
        {
            json.WriteStartObject();
            json.WriteString("aggregation", name);
            json.WriteStartArray("rows");
            foreach (var row in page.Rows)
            {
                json.WriteStartObject();
                foreach (var (column, value) in row)
                {
                    json.WritePropertyName(column);
                    AggregationResults.WriteValue(json, value);
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
            if (page.Next is { } next)
            {
                json.WriteString("next", next);
            }
            else
            {
                json.WriteNull("next");
            }

            json.WriteEndObject();
        });
    }

    /// <summary>An aggregation as the API and the CLI show it.</summary>
    private static void Describe(Utf8JsonWriter json, RunningAggregation aggregation)
    {
        var definition = aggregation.Declaration.Definition;
        var output = aggregation.Declaration.Output;
        var runner = aggregation.Runner;
        var figures = runner.Statistics;
        json.WriteStartObject();
        json.WriteString("name", aggregation.Name);
        json.WriteString("source", definition.Source);
        json.WriteString("declaredIn", aggregation.Declaration.FromConfiguration ? "configuration" : "api");
        json.WriteString("state", runner.LastError is null ? "running" : "retrying");
        if (runner.LastError is { } error)
        {
            json.WriteString("lastError", error.Message);
        }

        json.WriteString("table", aggregation.Results.Table.Shape.Table);
        json.WriteString("lateRecords", output.LateRecords ?? definition.Name + "-late");
        if (output.DeliveryStream is { } stream)
        {
            json.WriteString("deliveryStream", stream);
        }

        if (output.Topic is { } topic)
        {
            json.WriteString("topic", topic);
        }

        json.WriteStartArray("columns");
        foreach (var column in aggregation.Results.Table.Shape.Columns)
        {
            json.WriteStringValue(column.Name);
        }

        json.WriteEndArray();
        json.WriteNumber("recordsIn", figures.RecordsIn);
        json.WriteNumber("recordsFiltered", figures.RecordsFiltered);
        json.WriteNumber("lateRecords", figures.LateRecords);
        json.WriteNumber("invalidRecords", figures.InvalidRecords);
        json.WriteNumber("rowsEmitted", figures.RowsEmitted);
        json.WriteNumber("openWindows", figures.OpenWindows);
        json.WriteNumber("stateBytes", figures.StateBytes);
        WriteTime(json, "watermark", figures.Watermark);
        WriteTime(json, "lastCheckpointAt", runner.LastCheckpointAt);
        json.WritePropertyName("declaration");
        using (var declaration = JsonDocument.Parse(AggregationJson.Serialize(definition)))
        {
            declaration.RootElement.WriteTo(json);
        }

        json.WriteEndObject();
    }

    private static void WriteTime(Utf8JsonWriter json, string name, DateTimeOffset? time)
    {
        if (time is { } value)
        {
            json.WriteString(name, AggregationResults.Iso(value));
        }
        else
        {
            json.WriteNull(name);
        }
    }

    private static IResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: title);

    private static IResult Unknown(string name) =>
        Problem(StatusCodes.Status404NotFound, "Unknown aggregation", $"There is no aggregation named '{name}'.");

    private static IResult Json(Action<Utf8JsonWriter> write, int status = StatusCodes.Status200OK)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var json = new Utf8JsonWriter(buffer))
        {
            write(json);
        }

        return Results.Content(Encoding.UTF8.GetString(buffer.WrittenSpan), "application/json", Encoding.UTF8, status);
    }
}
