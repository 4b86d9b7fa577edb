using Spillway.Sinks;

namespace Spillway.DeliveryStreams.Destinations;

/// <summary>
/// The databases SQL table destinations can name: the sinks of the server's configuration, by name (compared without
/// regard to case), each with its URL, connection cap and timeouts; a destination's table and columns replace the sink's.
/// </summary>
public sealed class DeliveryDatabases
{
    private readonly IReadOnlyDictionary<string, SqlSinkOptions> named = new Dictionary<string, SqlSinkOptions>(StringComparer.OrdinalIgnoreCase);

    /// <summary>The sinks by name. Defaults to none.</summary>
    public IReadOnlyDictionary<string, SqlSinkOptions> Named
    {
        get => named;
        init => named = new Dictionary<string, SqlSinkOptions>(value ?? throw new ArgumentNullException(nameof(Named)), StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>The sink settings of <paramref name="destination"/>'s table; throws <see cref="ArgumentException"/>
    /// saying how to configure the database when it is unknown.</summary>
    public SqlSinkOptions Resolve(SqlTableDestination destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        return named.TryGetValue(destination.Database, out var database)
            ? destination.SinkOptions(database)
            : throw new ArgumentException(
                $"SqlTableDestinationConfiguration.Database '{destination.Database}' is not a configured sink (Spillway:Sinks:{destination.Database}).");
    }
}
