using System.Text.Json;
using Spillway.Exports;

namespace Spillway.Gateway.Reads;

/// <summary>Reads the body of <c>POST /v1/exports</c>, naming the member at fault; unknown members are refused.</summary>
internal static class ExportRequestReader
{
    public static ExportRequest Read(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new ExportRequestException("$", "The body must be a JSON object.");
        }

        string? table = null;
        var format = ExportFormat.Csv;
        var gzip = false;
        Dictionary<string, string>? filters = null;
        string? email = null;
        Uri? webhook = null;
        foreach (var member in root.EnumerateObject())
        {
            switch (member.Name)
            {
                case "table":
                    table = String(member.Value, "table");
                    break;
                case "format":
                    format = String(member.Value, "format") switch
                    {
                        "csv" => ExportFormat.Csv,
                        "ndjson" => ExportFormat.Ndjson,
                        _ => throw new ExportRequestException("format", "format must be \"csv\" or \"ndjson\"."),
                    };
                    break;
                case "gzip":
                    gzip = member.Value.ValueKind switch
                    {
                        JsonValueKind.True => true,
                        JsonValueKind.False => false,
                        _ => throw new ExportRequestException("gzip", "gzip must be true or false."),
                    };
                    break;
                case "filters":
                    filters = Filters(member.Value);
                    break;
                case "notify":
                    (email, webhook) = Notify(member.Value);
                    break;
                default:
                    throw new ExportRequestException(member.Name, $"'{Clip(member.Name)}' is not a member of an export request.");
            }
        }

        if (string.IsNullOrEmpty(table))
        {
            throw new ExportRequestException("table", "table is required.");
        }

        return new ExportRequest(table, format, gzip, filters, email, webhook);
    }

    private static Dictionary<string, string> Filters(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new ExportRequestException("filters", "filters must be an object such as {\"email\": \"…\", \"created_at.gte\": \"…\"}.");
        }

        var filters = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var filter in value.EnumerateObject())
        {
            var parameter = "filters." + filter.Name;
            var text = filter.Value.ValueKind switch
            {
                JsonValueKind.String => filter.Value.GetString()!,
                JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => filter.Value.GetRawText(),
                _ => throw new ExportRequestException(parameter, $"{Clip(parameter)} must be a string, a number or a boolean."),
            };
            if (!filters.TryAdd(filter.Name, text))
            {
                throw new ExportRequestException(parameter, $"{Clip(parameter)} is given more than once.");
            }
        }

        return filters;
    }

    private static (string? Email, Uri? Webhook) Notify(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new ExportRequestException("notify", "notify must be an object such as {\"email\": \"…\", \"webhook\": \"https://…\"}.");
        }

        string? email = null;
        Uri? webhook = null;
        foreach (var member in value.EnumerateObject())
        {
            switch (member.Name)
            {
                case "email":
                    email = String(member.Value, "notify.email");
                    break;
                case "webhook":
                    var text = String(member.Value, "notify.webhook");
                    webhook = Uri.TryCreate(text, UriKind.Absolute, out var url)
                        ? url
                        : throw new ExportRequestException("notify.webhook", "notify.webhook must be an absolute http(s) URL.");
                    break;
                default:
                    throw new ExportRequestException("notify." + member.Name, $"'{Clip(member.Name)}' is not a member of notify (email, webhook).");
            }
        }

        return (email, webhook);
    }

    private static string String(JsonElement value, string parameter) => value.ValueKind == JsonValueKind.String
        ? value.GetString()!
        : throw new ExportRequestException(parameter, $"{parameter} must be a string.");

    private static string Clip(string text) => text.Length <= 60 ? text : text[..60] + "…";
}
