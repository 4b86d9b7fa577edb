using Spillway.Amqp;

namespace Spillway.Hosting;

/// <summary>Resolves <c>--transport</c>/<c>Spillway:Transport</c>/<c>SPILLWAY_TRANSPORT_FILE</c> and <c>--role</c>.</summary>
internal static class TransportSetup
{
    public const string TransportKey = SpillwayOptions.SectionName + ":Transport";
    public const string RoleKey = SpillwayOptions.SectionName + ":Role";

    public static ResolvedConfiguration Apply(ResolvedConfiguration resolved, string? transport, string? role)
    {
        if (string.IsNullOrWhiteSpace(transport))
        {
            var file = Environment.GetEnvironmentVariable("SPILLWAY_TRANSPORT_FILE");
            transport = string.IsNullOrWhiteSpace(file)
                ? null
                : ConfigurationResolver.ReadSecretFile("SPILLWAY_TRANSPORT_FILE", file).FirstOrDefault();
        }

        Uri? uri = null;
        if (!string.IsNullOrWhiteSpace(transport) && !string.Equals(transport.Trim(), "embedded", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                uri = AmqpTransportOptions.ParseUri(transport);
            }
            catch (ArgumentException e)
            {
                // The message names the expected shape, never the value (it may hold a password).
                throw new ConfigurationException(TransportKey, e.Message);
            }
        }

        var parsed = role?.Trim().ToLowerInvariant() switch
        {
            null or "" or "all" => ServerRole.All,
            "gateway" => ServerRole.Gateway,
            "worker" => ServerRole.Worker,
            _ => throw new ConfigurationException(RoleKey, $"'{role}' is not a role; use all, gateway or worker"),
        };
        if (uri is null && parsed != ServerRole.All)
        {
            // The embedded engine lives in this process: a gateway without workers would fill a queue nobody drains,
            // and a worker without routes would drain a queue nobody fills.
            throw new ConfigurationException(
                RoleKey,
                $"role '{role}' needs a shared transport (--transport amqp://…); with the embedded engine every node runs both roles");
        }

        return resolved with { Transport = uri, Role = parsed };
    }
}
