using System.Text.Json;
using System.Text.Json.Serialization;

namespace Spillway.Aggregations.Internal;

/// <summary>Lets System.Text.Json (the host's endpoints) read and write the declaration in its documented form.</summary>
internal sealed class AggregationDefinitionJsonConverter : JsonConverter<AggregationDefinition>
{
    public override AggregationDefinition Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        try
        {
            return DefinitionJsonReader.Read(document.RootElement);
        }
        catch (ArgumentException ex)
        {
            throw new JsonException(ex.Message, ex);
        }
    }

    public override void Write(Utf8JsonWriter writer, AggregationDefinition value, JsonSerializerOptions options) =>
        DefinitionJsonWriter.Write(writer, value);
}

internal static class DefinitionJsonReader
{
    public static AggregationDefinition Read(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new ArgumentException("The aggregation must be a JSON object.");
        }

        var name = Text(root, "name", required: true)!;
        var definition = root.TryGetProperty("sql", out var sql) && sql.ValueKind != JsonValueKind.Null
            ? AggregationSql.Parse(sql.ValueKind == JsonValueKind.String ? sql.GetString()! : throw Bad("sql", "a string"), name)
            : new AggregationDefinition
            {
                Name = name,
                Source = Text(root, "source", required: true)!,
                EventTimeField = Text(root, "eventTimeField", required: true)!,
                KeyFields = Array(root, "keys", Key),
                Window = Window(root.TryGetProperty("window", out var w) ? w : throw new ArgumentException("The aggregation needs \"window\".")),
                Aggregates = Array(root, "aggregates", Aggregate),
                Filter = Array(root, "filter", Condition),
            };
        definition = new AggregationDefinition
        {
            Name = definition.Name,
            Source = definition.Source,
            EventTimeField = definition.EventTimeField,
            KeyFields = definition.KeyFields,
            Window = definition.Window,
            Aggregates = definition.Aggregates,
            Filter = definition.Filter,
            MaxOutOfOrderness = Duration(root, "maxOutOfOrderness") ?? definition.MaxOutOfOrderness,
            IdleTimeout = Duration(root, "idleTimeout") ?? definition.IdleTimeout,
            AllowedLateness = Duration(root, "allowedLateness") ?? definition.AllowedLateness,
            EarlyFireInterval = Duration(root, "earlyFireInterval") ?? definition.EarlyFireInterval,
        };
        definition.Validate();
        return definition;
    }

    private static KeyField Key(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => new KeyField(e.GetString()!),
        JsonValueKind.Object => new KeyField(Text(e, "field", required: true)!, Text(e, "as", required: false)),
        _ => throw Bad("keys", "strings or {\"field\", \"as\"} objects"),
    };

    private static WindowSpec Window(JsonElement e)
    {
        if (e.ValueKind != JsonValueKind.Object)
        {
            throw Bad("window", "an object");
        }

        return Text(e, "type", required: true)!.ToLowerInvariant() switch
        {
            "tumbling" or "tumble" => WindowSpec.Tumbling(RequiredDuration(e, "size")),
            "hopping" or "hop" or "sliding" => WindowSpec.Hopping(RequiredDuration(e, "size"), RequiredDuration(e, "slide")),
            "session" => WindowSpec.Session(RequiredDuration(e, "gap")),
            var other => throw new ArgumentException($"window.type '{other}' is not tumbling, hopping or session."),
        };
    }

    private static AggregateSpec Aggregate(JsonElement e)
    {
        if (e.ValueKind != JsonValueKind.Object)
        {
            throw Bad("aggregates", "objects");
        }

        var name = Text(e, "name", required: true)!;
        var function = Text(e, "function", required: true)!.ToLowerInvariant() switch
        {
            "count" => AggregateFunction.Count,
            "sum" => AggregateFunction.Sum,
            "min" => AggregateFunction.Min,
            "max" => AggregateFunction.Max,
            "avg" => AggregateFunction.Avg,
            "count_distinct" => AggregateFunction.CountDistinct,
            "percentile" => AggregateFunction.Percentile,
            var other => throw new ArgumentException(
                $"Aggregate '{name}': function '{other}' is not count, sum, min, max, avg, count_distinct or percentile."),
        };
        double? percentile = e.TryGetProperty("percentile", out var p) && p.ValueKind != JsonValueKind.Null
            ? p.ValueKind == JsonValueKind.Number ? p.GetDouble() : throw Bad("percentile", "a number")
            : null;
        return new AggregateSpec(name, function, Text(e, "field", required: false), percentile);
    }

    private static FilterCondition Condition(JsonElement e)
    {
        if (e.ValueKind != JsonValueKind.Object)
        {
            throw Bad("filter", "objects");
        }

        var field = Text(e, "field", required: true)!;
        var op = FilterOperators.Parse(Text(e, "op", required: true)!);
        object value = e.TryGetProperty("value", out var v) ? v.ValueKind switch
        {
            JsonValueKind.Number => v.GetDouble(),
            JsonValueKind.String => v.GetString()!,
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Bad("filter.value", "a number, a string or a boolean"),
        } : throw new ArgumentException($"The filter on '{field}' needs \"value\".");
        return new FilterCondition(field, op, value);
    }

    private static IReadOnlyList<T> Array<T>(JsonElement root, string name, Func<JsonElement, T> item)
    {
        if (!root.TryGetProperty(name, out var e) || e.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        return e.ValueKind == JsonValueKind.Array ? [.. e.EnumerateArray().Select(item)] : throw Bad(name, "an array");
    }

    private static string? Text(JsonElement e, string name, bool required)
    {
        if (!e.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return required ? throw new ArgumentException($"The aggregation needs \"{name}\".") : null;
        }

        return v.ValueKind == JsonValueKind.String ? v.GetString() : throw Bad(name, "a string");
    }

    private static TimeSpan RequiredDuration(JsonElement e, string name) =>
        Duration(e, name) ?? throw new ArgumentException($"The window needs \"{name}\".");

    private static TimeSpan? Duration(JsonElement e, string name)
    {
        if (!e.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return v.ValueKind switch
        {
            JsonValueKind.String => Durations.Parse(v.GetString()!, name),
            JsonValueKind.Number when v.TryGetInt64(out var ms) && ms >= 0 => TimeSpan.FromMilliseconds(ms),
            _ => throw Bad(name, "a duration such as \"30s\" or a number of milliseconds"),
        };
    }

    private static ArgumentException Bad(string name, string expected) => new($"\"{name}\" must be {expected}.");
}

internal static class DefinitionJsonWriter
{
    public static void Write(Utf8JsonWriter w, AggregationDefinition d)
    {
        w.WriteStartObject();
        w.WriteString("name", d.Name);
        w.WriteString("source", d.Source);
        w.WriteString("eventTimeField", d.EventTimeField);
        w.WriteStartArray("keys");
        foreach (var k in d.KeyFields)
        {
            w.WriteStartObject();
            w.WriteString("field", k.Field);
            w.WriteString("as", k.ColumnName);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartObject("window");
        switch (d.Window.Kind)
        {
            case WindowKind.Tumbling:
                w.WriteString("type", "tumbling");
                w.WriteString("size", Durations.Format(d.Window.Size));
                break;
            case WindowKind.Hopping:
                w.WriteString("type", "hopping");
                w.WriteString("size", Durations.Format(d.Window.Size));
                w.WriteString("slide", Durations.Format(d.Window.Slide));
                break;
            default:
                w.WriteString("type", "session");
                w.WriteString("gap", Durations.Format(d.Window.Gap));
                break;
        }

        w.WriteEndObject();
        w.WriteStartArray("aggregates");
        foreach (var a in d.Aggregates)
        {
            w.WriteStartObject();
            w.WriteString("name", a.OutputName);
            w.WriteString("function", a.Function == AggregateFunction.CountDistinct ? "count_distinct" : a.Function.ToString().ToLowerInvariant());
            if (a.Field is not null)
            {
                w.WriteString("field", a.Field);
            }

            if (a.Percentile is { } p)
            {
                w.WriteNumber("percentile", p);
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartArray("filter");
        foreach (var f in d.Filter)
        {
            w.WriteStartObject();
            w.WriteString("field", f.Field);
            w.WriteString("op", FilterOperators.Symbol(f.Operator));
            switch (f.Value)
            {
                case double n:
                    w.WriteNumber("value", n);
                    break;
                case bool b:
                    w.WriteBoolean("value", b);
                    break;
                default:
                    w.WriteString("value", (string)f.Value);
                    break;
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteString("maxOutOfOrderness", Durations.Format(d.MaxOutOfOrderness));
        w.WriteString("idleTimeout", Durations.Format(d.IdleTimeout));
        w.WriteString("allowedLateness", Durations.Format(d.AllowedLateness));
        if (d.EarlyFireInterval is { } early)
        {
            w.WriteString("earlyFireInterval", Durations.Format(early));
        }
        else
        {
            w.WriteNull("earlyFireInterval");
        }

        w.WriteEndObject();
    }
}

internal static class FilterOperators
{
    public static FilterOperator Parse(string symbol) => symbol switch
    {
        "=" or "==" => FilterOperator.Equal,
        "!=" or "<>" => FilterOperator.NotEqual,
        "<" => FilterOperator.Less,
        "<=" => FilterOperator.LessOrEqual,
        ">" => FilterOperator.Greater,
        ">=" => FilterOperator.GreaterOrEqual,
        _ => throw new ArgumentException($"The filter operator '{symbol}' is not =, !=, <, <=, > or >=."),
    };

    public static string Symbol(FilterOperator op) => op switch
    {
        FilterOperator.Equal => "=",
        FilterOperator.NotEqual => "!=",
        FilterOperator.Less => "<",
        FilterOperator.LessOrEqual => "<=",
        FilterOperator.Greater => ">",
        _ => ">=",
    };
}
