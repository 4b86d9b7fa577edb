using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Spillway.Aggregations;
using Spillway.DeliveryStreams;
using Spillway.Messaging;
using Spillway.Messaging.Topics;
using Spillway.Sinks;
using Spillway.Sinks.Aggregates;
using Spillway.Transport;

namespace Spillway.Hosting.Aggregations;

/// <summary>
/// Where an aggregation's runner writes: its results table, upserted with the checkpoint in one transaction (the
/// exactly-once part: after a crash the runner replays from the checkpoint and writes the same rows again); late and
/// invalid records to their queue first, each under an idempotency key of its record, so a replay never doubles one;
/// then, once committed, each row to the delivery stream and the topic named, which a replay may send again.
/// </summary>
internal sealed class AggregationResults(
    AggregationDefinition definition,
    IAggregateTable table,
    IQueueSender? lateRecords,
    DeliveryStream? deliveryStream,
    ITopicPublisher? topic) : IAggregationOutput
{
    private const int LatestKept = 5;
    private readonly Queue<string> latest = new();

    private string Owner => "aggregation:" + definition.Name;

    /// <summary>The last rows written (at most five), newest last, as JSON: what the dashboard shows.</summary>
    public IReadOnlyList<string> Latest
    {
        get
        {
            lock (latest)
            {
                return [.. latest];
            }
        }
    }

    public IAggregateTable Table => table;

    /// <summary>The results table's layout: a text column per key, window_start and window_end, an integer column per
    /// count and distinct count, a real one per other aggregate.</summary>
    public static AggregateShape ShapeOf(AggregationDefinition definition, string table) => new(
        table,
        [.. definition.KeyFields.Select(k => new AggregateColumn(k.ColumnName, ColumnType.Text))],
        [.. definition.Aggregates.Select(a => new AggregateColumn(
            a.OutputName, a.Function is AggregateFunction.Count or AggregateFunction.CountDistinct ? ColumnType.Integer : ColumnType.Real))]);

    public async ValueTask<byte[]?> ReadCheckpointAsync(CancellationToken cancellationToken) =>
        await table.ReadCheckpointAsync(Owner, cancellationToken).ConfigureAwait(false);

    public async ValueTask WriteAsync(IReadOnlyList<AggregateResult> rows, IReadOnlyList<LateRecord> late, byte[] checkpoint, CancellationToken cancellationToken)
    {
        foreach (var record in late)
        {
            if (lateRecords is null)
            {
                break;
            }

            await lateRecords.SendBatchAsync([LateMessage(record)], $"{Owner}:{record.RecordId}", cancellationToken).ConfigureAwait(false);
        }

        await table.UpsertAsync([.. rows.Select(Row)], Owner, checkpoint, cancellationToken).ConfigureAwait(false);
        lock (latest)
        {
            foreach (var row in rows.TakeLast(LatestKept))
            {
                latest.Enqueue(Encoding.UTF8.GetString(RowJson(row)));
                if (latest.Count > LatestKept)
                {
                    latest.Dequeue();
                }
            }
        }

        if (rows.Count == 0 || (deliveryStream is null && topic is null))
        {
            return;
        }

        var lines = rows.Select(r => (ReadOnlyMemory<byte>)RowJson(r)).ToList();
        if (deliveryStream is not null)
        {
            for (var i = 0; i < lines.Count; i += 500)
            {
                await deliveryStream.PutAsync(lines.GetRange(i, Math.Min(500, lines.Count - i)), cancellationToken).ConfigureAwait(false);
            }
        }

        if (topic is not null)
        {
            foreach (var line in lines)
            {
                await topic.PublishAsync(new TopicMessage(Encoding.UTF8.GetString(line.Span)), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>A key as the table's text column holds it: text as it is, numbers and booleans in JSON's spelling, a
    /// missing key as the empty string.</summary>
    private static string KeyText(object? key) => key switch
    {
        null => string.Empty,
        string text => text,
        bool flag => flag ? "true" : "false",
        IFormattable number => number.ToString(null, CultureInfo.InvariantCulture),
        var other => other.ToString() ?? string.Empty,
    };

    private AggregateRow Row(AggregateResult result) => new(
        [.. result.Keys.Select(KeyText)],
        result.WindowStart,
        result.WindowEnd,
        [.. result.Values.Select<object?, object?>((v, i) => v switch
        {
            double d when double.IsNaN(d) || double.IsInfinity(d) => null,
            _ when definition.Aggregates[i].Function is AggregateFunction.Count or AggregateFunction.CountDistinct => v is null ? null : Convert.ToInt64(v, CultureInfo.InvariantCulture),
            _ => v is null ? null : Convert.ToDouble(v, CultureInfo.InvariantCulture),
        })]);

    /// <summary>A row as the delivery stream and the topic get it: <c>{"key…", "window_start", "window_end", "aggregate…"}</c>.</summary>
    private byte[] RowJson(AggregateResult result)
    {
        var row = Row(result);
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            for (var i = 0; i < definition.KeyFields.Count; i++)
            {
                json.WriteString(definition.KeyFields[i].ColumnName, (string)row.Keys[i]!);
            }

            json.WriteString("window_start", Iso(row.WindowStart));
            json.WriteString("window_end", Iso(row.WindowEnd));
            for (var i = 0; i < definition.Aggregates.Count; i++)
            {
                json.WritePropertyName(definition.Aggregates[i].OutputName);
                WriteValue(json, row.Values[i]);
            }

            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>A time as results carry it: ISO-8601 UTC with milliseconds, as the results table answers.</summary>
    public static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public static void WriteValue(Utf8JsonWriter json, object? value)
    {
        switch (value)
        {
            case null:
                json.WriteNullValue();
                break;
            case long integer:
                json.WriteNumberValue(integer);
                break;
            case int integer:
                json.WriteNumberValue(integer);
                break;
            case double real:
                json.WriteNumberValue(real);
                break;
            case bool flag:
                json.WriteBooleanValue(flag);
                break;
            default:
                json.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
        }
    }

    /// <summary>A late or invalid record as its queue holds it: the record itself, with why it did not count.</summary>
    private static OutgoingMessage LateMessage(LateRecord record)
    {
        var attributes = new Dictionary<string, MessageAttributeValue>(StringComparer.Ordinal)
        {
            ["reason"] = new("String", record.Reason == LateReason.Late ? "late" : "invalid"),
        };
        if (record.RecordId is { } id)
        {
            attributes["record"] = new("String", id);
        }

        if (record.EventTime is { } eventTime)
        {
            attributes["event_time"] = new("String", Iso(eventTime));
        }

        if (record.Watermark is { } watermark)
        {
            attributes["watermark"] = new("String", Iso(watermark));
        }

        return new OutgoingMessage(record.Data.Length > 0 ? record.Data : "{}"u8.ToArray()) { Attributes = attributes };
    }
}
