namespace Spillway.Aws;

/// <summary>
/// An Amazon Resource Name, <c>arn:&lt;partition&gt;:&lt;service&gt;:&lt;region&gt;:&lt;account&gt;:&lt;resource&gt;</c>.
/// The resource may itself hold ':' or '/' (<c>stream/orders</c>, an SNS subscription's <c>topic:uuid</c>).
/// </summary>
public readonly record struct Arn(string Partition, string Service, string Region, string AccountId, string Resource)
{
    private const string Prefix = "arn:";

    /// <summary>An ARN in the <c>aws</c> partition.</summary>
    public static Arn Of(string service, string region, string accountId, string resource) => new("aws", service, region, accountId, resource);

    /// <summary>Reads an ARN; false when <paramref name="text"/> is not one (six ':'-separated parts, the first "arn",
    /// partition, service and resource not empty).</summary>
    public static bool TryParse(string? text, out Arn arn)
    {
        arn = default;
        if (text is null || !text.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var parts = text.Split(':', 6);
        if (parts.Length != 6 || parts[1].Length == 0 || parts[2].Length == 0 || parts[5].Length == 0)
        {
            return false;
        }

        arn = new Arn(parts[1], parts[2], parts[3], parts[4], parts[5]);
        return true;
    }

    /// <summary>The ARN's text.</summary>
    public override string ToString() => string.Concat(Prefix, Partition, ":", Service, ":", Region, ":", AccountId, ":" + Resource);
}
