namespace Spillway.Messaging.Topics.Filtering;

/// <summary>Whether a message matched a filter policy and, when it did not, why.</summary>
public readonly record struct FilterResult
{
    /// <summary>A match.</summary>
    public static FilterResult Match => new(true, null);

    private FilterResult(bool matched, string? explanation)
    {
        Matched = matched;
        Explanation = explanation;
    }

    /// <summary>True when the message passes the policy.</summary>
    public bool Matched { get; }

    /// <summary>Null on a match; otherwise one sentence naming the key and the condition that failed, e.g.
    /// <c>Message attribute "price_usd" is 210, which does not match [{"numeric":["&gt;",0,"&lt;=",150]}].</c></summary>
    public string? Explanation { get; }

    internal static FilterResult NoMatch(string explanation) => new(false, explanation);
}
