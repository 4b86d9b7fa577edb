using System.CommandLine;
using System.Globalization;
using System.Text.Json;

namespace Spillway.Cli;

/// <summary><c>spillway aggregations list|describe|results</c> against a running server's <c>/v1/aggregations</c>.</summary>
internal static class AggregationCommands
{
    public static Command Create() => new("aggregations", "List and describe the aggregations of a running server, and read their results.")
    {
        List(), Describe(), Results(),
    };

    private static Command List()
    {
        var command = new Command("list", "List aggregations with their source, state and figures.")
        {
            ServerClient.ServerOption, ServerClient.ApiKeyOption,
        };
        command.SetAction((result, cancellationToken) => ServerClient.RunAsync(result, async client =>
        {
            using var document = await client.SendAsync(HttpMethod.Get, "/v1/aggregations", null, cancellationToken).ConfigureAwait(false);
            var table = new TextTable("NAME", "SOURCE", "STATE", "RECORDS IN", "LATE", "INVALID", "OPEN WINDOWS", "WATERMARK");
            foreach (var a in document.RootElement.GetProperty("aggregations").EnumerateArray())
            {
                table.Add(
                    a.GetProperty("name").GetString(),
                    a.GetProperty("source").GetString(),
                    a.GetProperty("state").GetString(),
                    a.GetProperty("recordsIn").GetInt64(),
                    a.GetProperty("lateRecords").GetInt64(),
                    a.GetProperty("invalidRecords").GetInt64(),
                    a.GetProperty("openWindows").GetInt64(),
                    a.GetProperty("watermark").ValueKind == JsonValueKind.Null ? "-" : a.GetProperty("watermark").GetString());
            }

            table.Write(Console.Out);
        }));
        return command;
    }

    private static Command Describe()
    {
        var name = new Argument<string>("name") { Description = "The aggregation." };
        var command = new Command("describe", "Show an aggregation's declaration, outputs and figures.")
        {
            name, ServerClient.ServerOption, ServerClient.ApiKeyOption,
        };
        command.SetAction((result, cancellationToken) => ServerClient.RunAsync(result, async client =>
        {
            var path = "/v1/aggregations/" + Uri.EscapeDataString(result.GetValue(name)!);
            using var document = await client.SendAsync(HttpMethod.Get, path, null, cancellationToken).ConfigureAwait(false);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                var value = property.Value.ValueKind switch
                {
                    JsonValueKind.String => property.Value.GetString(),
                    JsonValueKind.Null => "-",
                    JsonValueKind.Object or JsonValueKind.Array => property.Value.GetRawText(),
                    _ => property.Value.ToString(),
                };
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{property.Name,-20} {value}"));
            }
        }));
        return command;
    }

    private static Command Results()
    {
        var name = new Argument<string>("name") { Description = "The aggregation." };
        var limit = new Option<int>("--limit") { Description = "Rows to print, 1-10000 (default 100).", DefaultValueFactory = _ => 100 };
        var from = new Option<string?>("--from") { Description = "Only windows starting at or after this ISO-8601 time." };
        var before = new Option<string?>("--before") { Description = "Only windows starting before this ISO-8601 time." };
        var json = new Option<bool>("--json") { Description = "Print each row as a JSON line instead of a table." };
        var command = new Command("results", "Print an aggregation's result rows in window order: keys, window_start, window_end, aggregates.")
        {
            name, limit, from, before, json, ServerClient.ServerOption, ServerClient.ApiKeyOption,
        };
        command.SetAction((result, cancellationToken) => ServerClient.RunAsync(result, async client =>
        {
            var query = new List<string> { "limit=" + result.GetValue(limit).ToString(CultureInfo.InvariantCulture) };
            if (result.GetValue(from) is { } start)
            {
                query.Add("from=" + Uri.EscapeDataString(start));
            }

            if (result.GetValue(before) is { } end)
            {
                query.Add("before=" + Uri.EscapeDataString(end));
            }

            var path = "/v1/aggregations/" + Uri.EscapeDataString(result.GetValue(name)!) + "/results?" + string.Join('&', query);
            using var document = await client.SendAsync(HttpMethod.Get, path, null, cancellationToken).ConfigureAwait(false);
            var rows = document.RootElement.GetProperty("rows").EnumerateArray().ToList();
            if (result.GetValue(json))
            {
                rows.ForEach(r => Console.WriteLine(r.GetRawText()));
                return;
            }

            if (rows.Count == 0)
            {
                Console.WriteLine("no results yet");
                return;
            }

            var columns = rows[0].EnumerateObject().Select(p => p.Name).ToArray();
            var table = new TextTable([.. columns.Select(c => c.ToUpperInvariant())]);
            foreach (var row in rows)
            {
                table.Add([.. columns.Select(c => row.GetProperty(c) switch
                {
                    { ValueKind: JsonValueKind.Null } => "-",
                    { ValueKind: JsonValueKind.String } text => (object?)text.GetString(),
                    var other => other.GetRawText(),
                })]);
            }

            table.Write(Console.Out);
        }));
        return command;
    }
}
