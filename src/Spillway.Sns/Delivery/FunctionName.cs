namespace Spillway.Sns.Delivery;

/// <summary>The function a <c>lambda</c> subscription names: <c>arn:aws:lambda:&lt;region&gt;:&lt;account&gt;:function:&lt;name&gt;</c>,
/// with an optional <c>:&lt;qualifier&gt;</c>, which Spillway ignores (a worker has one version).</summary>
public static class FunctionName
{
    /// <summary>The function's name; null when <paramref name="arn"/> is not a function ARN.</summary>
    public static string? Of(string? arn)
    {
        var parts = arn?.Split(':');
        return parts is { Length: 7 or 8 } && parts[0] == "arn" && parts[2] == "lambda" && parts[5] == "function" && parts[6].Length > 0
            ? parts[6]
            : null;
    }
}
