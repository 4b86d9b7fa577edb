using System.Text.Json;
using System.Text.Json.Serialization;
using Spillway.DeliveryStreams.Conversion;
using Spillway.DeliveryStreams.Destinations;
using Spillway.DeliveryStreams.Transform;
using Spillway.Sinks;
using Spillway.Storage;

namespace Spillway.DeliveryStreams.Internal;

/// <summary>A delivery stream's settings on disk (<c>stream.json</c> in its directory), replaced atomically.</summary>
internal static class DeliveryCatalog
{
    public const string FileName = "stream.json";

    private const int FormatVersion = 1;

    public static void Write(IStorageDevice device, string directory, DeliveryStreamDefinition definition, DateTimeOffset createdAt)
    {
        var stored = new StoredDefinition(
            FormatVersion,
            definition.Name,
            definition.Bucket,
            definition.BufferSizeBytes,
            (long)definition.BufferInterval.TotalSeconds,
            definition.Prefix,
            definition.ErrorOutputPrefix,
            definition.Compression == DeliveryCompression.Gzip ? "GZIP" : "UNCOMPRESSED",
            definition.AppendNewline,
            new SortedDictionary<string, string>((IDictionary<string, string>)definition.PartitionQueries.ToDictionary(), StringComparer.Ordinal),
            definition.Version,
            new SortedDictionary<string, string>((IDictionary<string, string>)definition.Tags.ToDictionary(), StringComparer.Ordinal),
            createdAt.ToUnixTimeMilliseconds(),
            definition.Transform is { } t
                ? new StoredTransform(t.Function, t.NumberOfRetries, t.BufferSizeMiB, (long)t.BufferInterval.TotalSeconds)
                : null,
            definition.Conversion is { } c
                ? new StoredConversion(
                    [.. c.Columns.Select(k => new StoredColumn(k.Name, ParquetColumn.TypeName(k.Type)))],
                    c.Compression.ToString(),
                    c.Input.ToString(),
                    c.DatabaseName,
                    c.TableName)
                : null)
        {
            SourceStream = definition.Source?.Stream,
            SourceFromOldest = definition.Source?.FromOldest ?? false,
            HttpEndpoint = definition.HttpEndpoint is { } h
                ? new StoredHttpEndpoint(
                    h.Url.ToString(),
                    h.Name,
                    h.AccessKey,
                    h.Gzip,
                    new SortedDictionary<string, string>((IDictionary<string, string>)h.CommonAttributes.ToDictionary(), StringComparer.Ordinal),
                    (long)h.RetryDuration.TotalSeconds,
                    h.BackupAllData)
                : null,
            SqlTable = definition.SqlTable is { } q
                ? new StoredSqlTable(q.Database, q.Table, [.. q.Columns.Select(c => new StoredSqlColumn(c.Column, c.Field, c.Type.ToString(), c.MaxLength, c.Required))])
                : null,
        };
        device.WriteAtomically(Path.Combine(directory, FileName), JsonSerializer.SerializeToUtf8Bytes(stored, CatalogJson.Default.StoredDefinition));
    }

    /// <summary>The stream kept in <paramref name="directory"/>; null when its creation never became durable.</summary>
    public static (DeliveryStreamDefinition Definition, DateTimeOffset CreatedAt)? TryRead(IStorageDevice device, string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!device.FileExists(path))
        {
            return null;
        }

        using var file = device.Open(path, create: false);
        var bytes = new byte[file.Length];
        _ = file.Read(0, bytes);
        var stored = JsonSerializer.Deserialize(bytes, CatalogJson.Default.StoredDefinition)
            ?? throw new InvalidDataException($"The delivery stream catalog {path} is empty.");
        if (stored.FormatVersion != FormatVersion)
        {
            throw new InvalidDataException($"Unsupported delivery stream catalog format version {stored.FormatVersion} in {path}.");
        }

        var definition = new DeliveryStreamDefinition
        {
            Name = stored.Name,
            Bucket = stored.Bucket,
            BufferSizeBytes = stored.BufferSizeBytes,
            BufferInterval = TimeSpan.FromSeconds(stored.BufferIntervalSeconds),
            Prefix = stored.Prefix,
            ErrorOutputPrefix = stored.ErrorOutputPrefix,
            Compression = stored.Compression == "GZIP" ? DeliveryCompression.Gzip : DeliveryCompression.None,
            AppendNewline = stored.AppendNewline,
            PartitionQueries = stored.PartitionQueries,
            Version = stored.Version,
            Tags = stored.Tags,
            Source = stored.SourceStream is { } stream ? new DeliveryStreamSource(stream, stored.SourceFromOldest) : null,
            Transform = stored.Transform is { } t
                ? new RecordTransform
                {
                    Function = t.Function,
                    NumberOfRetries = t.NumberOfRetries,
                    BufferSizeMiB = t.BufferSizeMiB,
                    BufferInterval = TimeSpan.FromSeconds(t.BufferIntervalSeconds),
                }
                : null,
            Conversion = stored.Conversion is { } c
                ? new ParquetConversion
                {
                    Columns = [.. c.Columns.Select(k => new ParquetColumn(
                        k.Name, ParquetColumn.ParseType(k.Type) ?? throw new InvalidDataException($"Unknown column type {k.Type} in {path}.")))],
                    Compression = Enum.Parse<ParquetCompression>(c.Compression),
                    Input = Enum.Parse<JsonInputFormat>(c.Input),
                    DatabaseName = c.DatabaseName,
                    TableName = c.TableName,
                }
                : null,
            HttpEndpoint = stored.HttpEndpoint is { } h
                ? new HttpEndpointDestination
                {
                    Url = new Uri(h.Url),
                    Name = h.Name,
                    AccessKey = h.AccessKey,
                    Gzip = h.Gzip,
                    CommonAttributes = h.CommonAttributes,
                    RetryDuration = TimeSpan.FromSeconds(h.RetrySeconds),
                    BackupAllData = h.BackupAllData,
                }
                : null,
            SqlTable = stored.SqlTable is { } q
                ? new SqlTableDestination
                {
                    Database = q.Database,
                    Table = q.Table,
                    Columns = [.. q.Columns.Select(c => new ColumnMapping(c.Column, c.Field, Enum.Parse<ColumnType>(c.Type), c.MaxLength, c.Required))],
                }
                : null,
        };
        return (definition, DateTimeOffset.FromUnixTimeMilliseconds(stored.CreatedAtMs));
    }
}

internal sealed record StoredDefinition(
    int FormatVersion,
    string Name,
    string Bucket,
    long BufferSizeBytes,
    long BufferIntervalSeconds,
    string? Prefix,
    string? ErrorOutputPrefix,
    string Compression,
    bool AppendNewline,
    SortedDictionary<string, string> PartitionQueries,
    int Version,
    SortedDictionary<string, string> Tags,
    long CreatedAtMs,
    StoredTransform? Transform = null,
    StoredConversion? Conversion = null)
{
    /// <summary>The source stream's name; absent for a stream that takes puts (and in catalogs written before sources).</summary>
    public string? SourceStream { get; init; }

    public bool SourceFromOldest { get; init; }

    /// <summary>An HTTP endpoint destination; absent for files (and in catalogs written before it).</summary>
    public StoredHttpEndpoint? HttpEndpoint { get; init; }

    /// <summary>A SQL table destination; absent for files (and in catalogs written before it).</summary>
    public StoredSqlTable? SqlTable { get; init; }
}

internal sealed record StoredHttpEndpoint(
    string Url, string? Name, string? AccessKey, bool Gzip, SortedDictionary<string, string> CommonAttributes, long RetrySeconds, bool BackupAllData);

internal sealed record StoredSqlTable(string Database, string Table, List<StoredSqlColumn> Columns);

internal sealed record StoredSqlColumn(string Column, string Field, string Type, int? MaxLength, bool Required);

internal sealed record StoredTransform(string Function, int NumberOfRetries, double BufferSizeMiB, long BufferIntervalSeconds);

internal sealed record StoredConversion(List<StoredColumn> Columns, string Compression, string Input, string? DatabaseName, string? TableName);

internal sealed record StoredColumn(string Name, string Type);

[JsonSerializable(typeof(StoredDefinition))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
internal sealed partial class CatalogJson : JsonSerializerContext;
