using Spillway.Sinks;

namespace Spillway.Gateway;

/// <summary>
/// One HTTP ingest route: where it listens, which queue it feeds, its limits and the schema every record must match.
/// The host binds a list of these from the configuration section <c>Spillway:Routes</c> of <c>spillway.json</c>:
/// <code>
/// "Spillway": {
///   "Routes": [
///     {
///       "Path": "/submit",
///       "QueueName": "submit",
///       "MaxBodyBytes": 1048576,
///       "MaxRecordsPerRequest": 1000,
///       "MaxBacklog": 1000000,
///       "AllowUnknownFields": false,
///       "Fields": {
///         "name":  { "Type": "string", "Required": true, "MaxLength": 200 },
///         "email": { "Type": "string", "Required": true, "MaxLength": 320, "Format": "email" }
///       }
///     }
///   ]
/// }
/// </code>
/// The gateway takes a snapshot of the options when the routes are mapped; later changes have no effect.
/// Call <see cref="Validate(string)"/> (the gateway does) to reject a bad configuration with a message naming the key.
/// </summary>
public sealed record IngestRouteOptions
{
    /// <summary>Largest <see cref="MaxBodyBytes"/> accepted: 16 MiB, well inside what one atomic write of the queue
    /// engine takes (a batch is one log record), and far more than a sign-up form or a device report needs.</summary>
    public const int MaxBodyBytesLimit = 16 * 1024 * 1024;

    /// <summary>Largest <see cref="MaxRecordsPerRequest"/> accepted: 10,000, the most records one atomic send stores.</summary>
    public const int MaxRecordsPerRequestLimit = 10_000;

    /// <summary>Most fields a route may declare: 64.</summary>
    public const int MaxFieldCount = 64;

    /// <summary>The route's name (<c>Spillway:Routes:&lt;name&gt;</c>), as metrics tag its requests; null tags them by
    /// <see cref="Path"/>. Defaults to null.</summary>
    public string? Name { get; set; }

    /// <summary>URL path of the route, answering <c>POST</c>. Must start with '/'. Required.</summary>
    public string Path { get; set; } = "";

    /// <summary>Name of the queue the records are stored in. Required; the queue must exist when requests arrive.</summary>
    public string QueueName { get; set; } = "";

    /// <summary>A stream to put the records into instead of a queue (a stream of the transport's
    /// <see cref="Transport.IStreamTransport"/>); null for a queue route. Each record is put with its
    /// <see cref="PartitionKeyField"/>'s value as partition key, and 202 answers once every record is durable.</summary>
    public string? Stream { get; set; }

    /// <summary>For a <see cref="Stream"/> route: the record field whose value (a string or a number) is the partition
    /// key. Required there; a record without it is a 400 naming the field.</summary>
    public string? PartitionKeyField { get; set; }

    /// <summary>A topic to publish the records to instead of a queue (a topic of the transport's
    /// <see cref="Transport.ITopicTransport"/>); null otherwise. Each record is one publish, its JSON the message, and 202
    /// answers once every record is durable for every subscription it matches.</summary>
    public string? Topic { get; set; }

    /// <summary>For a <see cref="Topic"/> route: record fields copied into each publish's message attributes, so that
    /// subscriptions can filter on them (a string as String, a number as Number, an array as String.Array, true and false
    /// as String). At most 10; a record without one of them publishes without that attribute.</summary>
    public List<string> MessageAttributeFields { get; set; } = [];

    /// <summary>Largest request body accepted, in bytes; a larger one gets 413. 1 byte–16 MiB; defaults to 1 MiB.</summary>
    public int MaxBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// Most records in one request (a JSON array or NDJSON body); more gets 413. 1–10,000 (the most one atomic send of
    /// the queue engine takes); defaults to 1,000,
    /// which keeps a single request's atomic batch small enough not to stall other writers.
    /// </summary>
    public int MaxRecordsPerRequest { get; set; } = 1000;

    /// <summary>
    /// When the queue's backlog (visible + in flight + delayed messages) reaches this, requests get 503 with
    /// <c>Retry-After</c> instead of growing the backlog further. At least 1; defaults to 1,000,000 messages
    /// (about a few hundred MiB of small records), enough to absorb a long database outage during a burst.
    /// </summary>
    public long MaxBacklog { get; set; } = 1_000_000;

    /// <summary>
    /// Whether a record may carry fields not declared in <see cref="Fields"/>. Defaults to false: an unknown field
    /// gets 400, so a typo in a field name is reported instead of silently dropped by the sink.
    /// </summary>
    public bool AllowUnknownFields { get; set; }

    /// <summary>
    /// The declared fields, by JSON property name (case-sensitive). At most 64; at least one unless
    /// <see cref="AllowUnknownFields"/> is true. Defaults to none.
    /// </summary>
    public Dictionary<string, FieldSchema> Fields { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// What the table the route's records end in can hold, when an SQL sink drains the route's queue
    /// (<see cref="SqlSinkFactory.CreateRecordRule"/>). Every record must pass it after the fields, so a record the
    /// sink would refuse (a column stricter than its field, say) gets 400 instead of 202 and a dead letter. Set by the
    /// host from the sink's mapping, not read from configuration. Defaults to null: no rule beyond the fields.
    /// </summary>
    public SinkRecordRule? SinkRule { get; set; }

    /// <summary>The seed's default route: <c>POST /submit</c> into queue <c>submit</c> with fields
    /// <c>name</c> (string, required, at most 200 characters) and <c>email</c> (string, required, email, at most 320).</summary>
    public static IngestRouteOptions CreateSubmitRoute() => new()
    {
        Path = "/submit",
        QueueName = "submit",
        Fields = new Dictionary<string, FieldSchema>(StringComparer.Ordinal)
        {
            ["name"] = new() { Type = "string", Required = true, MaxLength = 200 },
            ["email"] = new() { Type = "string", Required = true, MaxLength = 320, Format = "email" },
        },
    };

    /// <summary>
    /// Throws <see cref="GatewayConfigurationException"/> naming the first bad key, prefixed with
    /// <paramref name="configurationKey"/> (for example <c>Spillway:Routes:0</c>).
    /// </summary>
    public void Validate(string configurationKey)
    {
        ArgumentNullException.ThrowIfNull(configurationKey);
        if (string.IsNullOrEmpty(Path) || Path[0] != '/' || Path.Contains('{', StringComparison.Ordinal))
        {
            throw new GatewayConfigurationException($"{configurationKey}:Path", "must be a literal URL path starting with '/'.");
        }

        if (Stream is not null && Topic is not null)
        {
            throw new GatewayConfigurationException($"{configurationKey}:Topic", "a route puts into a stream or publishes to a topic, not both.");
        }

        if (Topic is null && MessageAttributeFields.Count > 0)
        {
            throw new GatewayConfigurationException($"{configurationKey}:MessageAttributeFields", "applies to topic routes only.");
        }

        if (MessageAttributeFields.Count > Messaging.Topics.TopicLimits.MaxMessageAttributes)
        {
            throw new GatewayConfigurationException(
                $"{configurationKey}:MessageAttributeFields", $"names at most {Messaging.Topics.TopicLimits.MaxMessageAttributes} fields (a message's attribute limit).");
        }

        if (Stream is not null)
        {
            if (string.IsNullOrWhiteSpace(PartitionKeyField))
            {
                throw new GatewayConfigurationException($"{configurationKey}:PartitionKeyField", "is required on a stream route.");
            }
        }
        else if (Topic is null && string.IsNullOrWhiteSpace(QueueName))
        {
            throw new GatewayConfigurationException($"{configurationKey}:QueueName", "is required.");
        }

        if (MaxBodyBytes is < 1 or > MaxBodyBytesLimit)
        {
            throw new GatewayConfigurationException($"{configurationKey}:MaxBodyBytes", $"must be between 1 and {MaxBodyBytesLimit}.");
        }

        if (MaxRecordsPerRequest is < 1 or > MaxRecordsPerRequestLimit)
        {
            throw new GatewayConfigurationException(
                $"{configurationKey}:MaxRecordsPerRequest", $"must be between 1 and {MaxRecordsPerRequestLimit}.");
        }

        if (MaxBacklog < 1)
        {
            throw new GatewayConfigurationException($"{configurationKey}:MaxBacklog", "must be at least 1.");
        }

        if (Fields is null)
        {
            throw new GatewayConfigurationException($"{configurationKey}:Fields", "must not be null.");
        }

        if (Fields.Count == 0 && !AllowUnknownFields)
        {
            // Such a route would accept only "{}": almost certainly a misspelt or missing Fields section.
            throw new GatewayConfigurationException(
                $"{configurationKey}:Fields", "declares no field; declare at least one or set AllowUnknownFields to true.");
        }

        if (Fields.Count > MaxFieldCount)
        {
            throw new GatewayConfigurationException($"{configurationKey}:Fields", $"declares more than {MaxFieldCount} fields.");
        }

        foreach (var (name, field) in Fields)
        {
            var key = $"{configurationKey}:Fields:{name}";
            if (string.IsNullOrEmpty(name))
            {
                throw new GatewayConfigurationException(key, "a field name must not be empty.");
            }

            if (field is null)
            {
                throw new GatewayConfigurationException(key, "must not be null.");
            }

            field.Validate(key);
        }
    }
}

/// <summary>What one declared field of a record must look like.</summary>
public sealed record FieldSchema
{
    /// <summary>
    /// The JSON type of the value: <c>string</c>, <c>integer</c> (a number without fraction or exponent that fits a
    /// 64-bit signed integer), <c>number</c> or <c>boolean</c>. Defaults to <c>string</c>. Kept as text, not an enum,
    /// so a typo in spillway.json stops start-up with the key named instead of being dropped by the binder.
    /// </summary>
    public string Type { get; set; } = "string";

    /// <summary>Whether the field must be present and not null. Defaults to false.</summary>
    public bool Required { get; set; }

    /// <summary>
    /// Most characters (Unicode scalar values, so "田中太郎" is 4) a string may have; null for no limit beyond the body
    /// size. Only for string fields. Defaults to null.
    /// </summary>
    public int? MaxLength { get; set; }

    /// <summary>
    /// A format the string must match: <c>email</c> (<c>local@domain</c>, a dotted local part without spaces and a
    /// host name of at least two labels), or null for any string. Only for string fields. Defaults to null.
    /// </summary>
    public string? Format { get; set; }

    /// <summary>The column type whose value rule (<see cref="ColumnValues"/>) the field's values follow, so that the
    /// route and a sink agree on what a valid value is: string is text, integer a 64-bit integer, number a finite
    /// double, boolean a boolean.</summary>
    public ColumnType ColumnType => Type.ToLowerInvariant() switch
    {
        "string" => ColumnType.Text,
        "integer" => ColumnType.Integer,
        "number" => ColumnType.Real,
        "boolean" => ColumnType.Boolean,
        _ => throw new InvalidOperationException($"Unknown field type '{Type}'."),
    };

    internal bool IsEmail => string.Equals(Format, "email", StringComparison.OrdinalIgnoreCase);

    internal void Validate(string key)
    {
        if (Type?.ToLowerInvariant() is not ("string" or "integer" or "number" or "boolean"))
        {
            throw new GatewayConfigurationException($"{key}:Type", $"must be string, integer, number or boolean (got '{Type}').");
        }

        if (!string.IsNullOrEmpty(Format) && !IsEmail)
        {
            throw new GatewayConfigurationException($"{key}:Format", $"must be email or empty (got '{Format}').");
        }

        if (MaxLength is { } max && max < 1)
        {
            throw new GatewayConfigurationException($"{key}:MaxLength", "must be at least 1.");
        }

        if (ColumnType != ColumnType.Text && (MaxLength is not null || !string.IsNullOrEmpty(Format)))
        {
            throw new GatewayConfigurationException(key, "MaxLength and Format apply to string fields only.");
        }
    }
}
