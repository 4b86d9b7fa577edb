namespace Spillway.Messaging.Topics.Filtering;

/// <summary>SNS's limits on a filter policy, stated once.</summary>
public static class FilterPolicyLimits
{
    /// <summary>Most keys a policy may test: every key given an array of values counts, in every <c>$or</c>
    /// alternative and at every depth of a body policy; keys that only hold nested keys do not.</summary>
    public const int MaxKeys = 5;

    /// <summary>Most combinations: the product over the policy's value arrays of their length times their depth (1 at the
    /// top), where a <c>$or</c> contributes the sum of its alternatives.</summary>
    public const int MaxCombinations = 150;

    /// <summary>Largest policy, in bytes of UTF-8 (256 KB).</summary>
    public const int MaxPolicyBytes = 256 * 1024;

    /// <summary>Largest magnitude of an operand of <c>numeric</c> or of a number in <c>anything-but</c>.</summary>
    public const decimal MaxNumber = 1_000_000_000m;

    /// <summary>Most digits after the decimal point in such an operand.</summary>
    public const int MaxDecimals = 5;
}
