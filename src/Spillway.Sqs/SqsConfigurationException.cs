namespace Spillway.Sqs;

/// <summary>The SQS API's configuration is invalid; <see cref="Key"/> names the offending key, <see cref="Problem"/> says why.</summary>
public sealed class SqsConfigurationException(string key, string problem) : Exception($"{key}: {problem}")
{
    /// <summary>The configuration key at fault, for example <c>Spillway:Sqs:AccountId</c>.</summary>
    public string Key { get; } = key;

    /// <summary>What is wrong with its value; never contains a secret.</summary>
    public string Problem { get; } = problem;
}
