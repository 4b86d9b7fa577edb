namespace Spillway.Gateway;

/// <summary>The gateway's configuration is invalid; <see cref="Key"/> names the offending configuration key.</summary>
public sealed class GatewayConfigurationException : Exception
{
    /// <summary>Creates the exception for <paramref name="key"/>.</summary>
    public GatewayConfigurationException(string key, string problem)
        : base($"{key} {problem}")
    {
        Key = key;
    }

    /// <summary>The configuration key at fault, for example <c>Spillway:Routes:0:MaxBodyBytes</c>.</summary>
    public string Key { get; }
}
