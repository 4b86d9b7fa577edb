namespace Spillway.Hosting;

/// <summary>The configuration is invalid; the message names the offending key.</summary>
internal sealed class ConfigurationException(string key, string problem)
    : Exception($"Invalid configuration: {key}: {problem}")
{
    public string Key { get; } = key;

    /// <summary>The same problem, reported by the gateway's own validation.</summary>
    public static ConfigurationException From(Gateway.GatewayConfigurationException e) => new(e.Key, e.Message[e.Key.Length..].Trim());
}
