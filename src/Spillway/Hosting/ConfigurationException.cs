namespace Spillway.Hosting;

/// <summary>The configuration is invalid; the message names the offending key.</summary>
internal sealed class ConfigurationException(string key, string problem)
    : Exception($"Invalid configuration: {key}: {problem}")
{
    public string Key { get; } = key;

    /// <summary>The same problem, reported by the gateway's own validation.</summary>
    public static ConfigurationException From(Gateway.GatewayConfigurationException e) => new(e.Key, e.Message[e.Key.Length..].Trim());

    /// <summary>
    /// A library's refusal of a value, named by the configuration key it came from: the library states its rule once,
    /// and the host does not check it again. The message keeps the rule and drops the parameter noise.
    /// </summary>
    public static ConfigurationException FromLibrary(string key, ArgumentException e)
    {
        var problem = e.Message.Split('\n')[0];
        var parameter = problem.IndexOf(" (Parameter '", StringComparison.Ordinal);
        return new ConfigurationException(key, (parameter < 0 ? problem : problem[..parameter]).Trim());
    }
}
