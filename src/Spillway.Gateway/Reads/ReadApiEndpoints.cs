using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Spillway.Gateway.Internal;
using Spillway.Sinks;

namespace Spillway.Gateway.Reads;

/// <summary>
/// <c>GET /v1/tables/{table}?limit=…&amp;cursor=…&amp;column=value&amp;column.gte=value</c> →
/// <c>{"items":[…],"nextCursor":"…"}</c>: keyset pages in id order over the tables the configuration exposes,
/// behind the read keys.
/// </summary>
public static class ReadApiEndpoints
{
    /// <summary>Rows per page when the request names no limit.</summary>
    public const int DefaultLimit = 100;

    /// <summary>Most rows per page.</summary>
    public const int MaxLimit = 1000;

    /// <summary>
    /// Maps the read API. Throws <see cref="GatewayConfigurationException"/> when a read key is invalid.
    /// </summary>
    public static IEndpointRouteBuilder MapReadApi(
        this IEndpointRouteBuilder endpoints, IReadOnlyDictionary<string, ExposedTable> tables, GatewayOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(tables);
        var group = endpoints.MapGroup("/v1/tables").RequireReadApiKey(options).WithParameterProblems();
        group.MapGet("/{table}", (string table, HttpContext context) =>
            tables.TryGetValue(table, out var exposed)
                ? ReadPageAsync(exposed, context)
                : Task.FromResult<IResult>(ReadProblem.NotFound("table", $"No table named '{Clip(table)}' is exposed.")));
        group.MapOtherMethods("/{table}", "GET");
        return endpoints;
    }

    /// <summary>
    /// Requires a read key (<see cref="GatewayOptions.ReadApiKeys"/>) on every endpoint of the group when any key is
    /// configured; ingest keys are refused. 401 with a problem body otherwise.
    /// </summary>
    public static RouteGroupBuilder RequireReadApiKey(this RouteGroupBuilder group, GatewayOptions? options)
    {
        ArgumentNullException.ThrowIfNull(group);
        options ??= new GatewayOptions();
        var readKeys = options.ResolveReadApiKeys();
        var anyKey = readKeys.Count > 0 || options.ResolveApiKeys().Count > 0;
        var authenticator = new ApiKeyAuthenticator(readKeys);
        group.AddEndpointFilter(async (context, next) =>
            !anyKey || (authenticator.IsEnabled && authenticator.IsAuthorized(context.HttpContext.Request))
                ? await next(context).ConfigureAwait(false)
                : ReadProblem.Unauthorized());
        return group;
    }

    private static async Task<IResult> ReadPageAsync(ExposedTable table, HttpContext context)
    {
        var limit = DefaultLimit;
        string? cursor = null;
        var filterParameters = new List<KeyValuePair<string, string?>>();
        foreach (var (name, values) in context.Request.Query)
        {
            if (values.Count != 1)
            {
                return ReadProblem.BadParameter(name, $"Parameter '{Clip(name)}' is given more than once.");
            }

            switch (name)
            {
                case "limit":
                    if (!int.TryParse(values[0], NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxLimit)
                    {
                        return ReadProblem.BadParameter("limit", $"limit must be a whole number from 1 to {MaxLimit}.");
                    }

                    break;
                case "cursor":
                    cursor = values[0];
                    break;
                default:
                    filterParameters.Add(new(name, values[0]));
                    break;
            }
        }

        var filters = new List<TableFilter>();
        if (TableFilterSyntax.TryParse(table, filterParameters, filters) is { } error)
        {
            return ReadProblem.BadParameter(error.Parameter, error.Detail);
        }

        var scope = TableFilterSyntax.Scope(table, filters);
        Guid? after = null;
        if (cursor is not null)
        {
            if (!TableCursor.TryDecode(cursor, scope, out var last))
            {
                return ReadProblem.BadParameter(
                    "cursor", "cursor is not a cursor this table returned for these filters; start again without one.");
            }

            after = last;
        }

        // One row more than the page tells whether another page follows without a second query.
        var buffer = new ArrayBufferWriter<byte>(16 * 1024);
        var rows = 0;
        Guid lastId = default;
        await using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartArray("items");
            try
            {
                await table.Reader.ReadAsync(
                    new TableQuery { Filters = filters, After = after, Limit = limit + 1 },
                    (row, _) =>
                    {
                        if (++rows <= limit)
                        {
                            lastId = row.Id;
                            row.WriteJson(json);
                        }

                        return ValueTask.CompletedTask;
                    },
                    context.RequestAborted).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SinkUnavailableException or System.Data.Common.DbException)
            {
                // Unreachable, or the table is not created yet (the database was down at start-up): try again later.
                context.Response.Headers.RetryAfter = "5";
                return new ReadProblem(
                    StatusCodes.Status503ServiceUnavailable, "unavailable", "The database cannot be reached right now.", "Try again shortly.");
            }

            json.WriteEndArray();
            if (rows > limit)
            {
                json.WriteString("nextCursor", TableCursor.Encode(lastId, scope));
            }

            json.WriteEndObject();
        }

        return TypedResults.Bytes(buffer.WrittenMemory.ToArray(), "application/json");
    }

    private static string Clip(string text) => text.Length <= 60 ? text : text[..60] + "…";
}
