using System.Text.Json;
using System.Text.Unicode;
using Spillway.Exports;

namespace Spillway.Gateway.Reads;

/// <summary>
/// Reads the body of <c>POST /v1/exports</c>, naming the member at fault. Strict: unknown members, members given twice,
/// values of the wrong type and text that is not valid Unicode (invalid UTF-8, an escaped unpaired surrogate) are all
/// refused with <see cref="ExportRequestException"/>, never let through to fail later.
/// </summary>
internal static class ExportRequestReader
{
    private const string Root = "$";

    public static ExportRequest Read(ReadOnlyMemory<byte> body)
    {
        if (!Utf8.IsValid(body.Span))
        {
            throw new ExportRequestException(Root, "The body is not valid UTF-8.");
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            return Read(document.RootElement);
        }
        catch (JsonException e)
        {
            throw new ExportRequestException(Root, "The body is not well-formed JSON: " + e.Message);
        }
    }

    private static ExportRequest Read(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new ExportRequestException(Root, "The body must be a JSON object.");
        }

        string? table = null;
        var format = ExportFormat.Csv;
        var gzip = false;
        Dictionary<string, string>? filters = null;
        string? email = null;
        Uri? webhook = null;
        foreach (var (name, value) in Members(root, Root))
        {
            switch (name)
            {
                case "table":
                    table = String(value, "table");
                    break;
                case "format":
                    format = String(value, "format") switch
                    {
                        "csv" => ExportFormat.Csv,
                        "ndjson" => ExportFormat.Ndjson,
                        _ => throw new ExportRequestException("format", "format must be \"csv\" or \"ndjson\"."),
                    };
                    break;
                case "gzip":
                    gzip = value.ValueKind switch
                    {
                        JsonValueKind.True => true,
                        JsonValueKind.False => false,
                        _ => throw new ExportRequestException("gzip", "gzip must be true or false."),
                    };
                    break;
                case "filters":
                    filters = Filters(value);
                    break;
                case "notify":
                    (email, webhook) = Notify(value);
                    break;
                default:
                    throw new ExportRequestException(name, $"'{Clip(name)}' is not a member of an export request.");
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
        foreach (var (name, filter) in Members(value, "filters"))
        {
            var parameter = "filters." + name;
            filters[name] = filter.ValueKind switch
            {
                JsonValueKind.String => String(filter, parameter),
                JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => filter.GetRawText(),
                _ => throw new ExportRequestException(parameter, $"{Clip(parameter)} must be a string, a number or a boolean."),
            };
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
        foreach (var (name, member) in Members(value, "notify"))
        {
            switch (name)
            {
                case "email":
                    email = String(member, "notify.email");
                    break;
                case "webhook":
                    var text = String(member, "notify.webhook");
                    webhook = Uri.TryCreate(text, UriKind.Absolute, out var url)
                        ? url
                        : throw new ExportRequestException("notify.webhook", "notify.webhook must be an absolute http(s) URL.");
                    break;
                default:
                    throw new ExportRequestException("notify." + name, $"'{Clip(name)}' is not a member of notify (email, webhook).");
            }
        }

        return (email, webhook);
    }

    /// <summary>The members of an object, each name decoded once and given at most once.</summary>
    private static List<(string Name, JsonElement Value)> Members(JsonElement value, string parent)
    {
        var members = new List<(string Name, JsonElement Value)>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var member in value.EnumerateObject())
        {
            string name;
            try
            {
                name = member.Name;
            }
            catch (InvalidOperationException)
            {
                throw new ExportRequestException(parent, $"A member name in {parent} is not valid Unicode text.");
            }

            if (!names.Add(name))
            {
                var parameter = parent == Root ? name : $"{parent}.{name}";
                throw new ExportRequestException(parameter, $"{Clip(parameter)} is given more than once.");
            }

            members.Add((name, member.Value));
        }

        return members;
    }

    private static string String(JsonElement value, string parameter)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            throw new ExportRequestException(parameter, $"{Clip(parameter)} must be a string.");
        }

        try
        {
            return value.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw new ExportRequestException(parameter, $"{Clip(parameter)} is not valid Unicode text.");
        }
    }

    private static string Clip(string text) => text.Length <= 60 ? text : text[..60] + "…";
}
