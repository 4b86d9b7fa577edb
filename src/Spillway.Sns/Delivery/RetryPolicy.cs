using System.Globalization;
using System.Text.Json;

namespace Spillway.Sns.Delivery;

/// <summary>
/// SNS's healthy retry policy: when each retry of a failed delivery is made. The retries run in four phases: immediate
/// (<see cref="NoDelayRetries"/>), at the least delay (<see cref="MinDelayRetries"/>), a backoff from the least to the
/// greatest delay along <see cref="BackoffFunction"/>, and at the greatest delay (<see cref="MaxDelayRetries"/>).
/// </summary>
internal sealed record RetryPolicy(
    int MinDelaySeconds, int MaxDelaySeconds, int NumRetries, int NoDelayRetries, int MinDelayRetries, int MaxDelayRetries, string BackoffFunction)
{
    /// <summary>SNS's HTTP/S default, for e-mail too: three retries 20 s apart.</summary>
    public static RetryPolicy Default { get; } = new(20, 20, 3, 0, 0, 0, "linear");

    /// <summary>
    /// SNS's policy for the endpoints AWS manages (Lambda): 3 at once, 2 one second apart, 10 backing off from 1 to 20 s,
    /// then 100,000 every 20 s (23 days; a delivery queue keeps a message 14 days).
    /// </summary>
    public static RetryPolicy Managed { get; } = new(1, 20, 100_015, 3, 2, 100_000, "exponential");

    private const int MaxRetries = 100;
    private const int MaxDelayLimit = 3600;
    private static readonly string[] Functions = ["linear", "arithmetic", "geometric", "exponential"];

    /// <summary>
    /// The delay before retry number <paramref name="retry"/> (1 for the first retry); null once the policy has no more
    /// retries, and the delivery is given up.
    /// </summary>
    public TimeSpan? DelayBefore(int retry)
    {
        if (retry < 1 || retry > NumRetries)
        {
            return null;
        }

        if (retry <= NoDelayRetries)
        {
            return TimeSpan.Zero;
        }

        if (retry <= NoDelayRetries + MinDelayRetries)
        {
            return TimeSpan.FromSeconds(MinDelaySeconds);
        }

        var backoff = NumRetries - NoDelayRetries - MinDelayRetries - MaxDelayRetries;
        var step = retry - NoDelayRetries - MinDelayRetries;
        if (step > backoff)
        {
            return TimeSpan.FromSeconds(MaxDelaySeconds);
        }

        double min = MinDelaySeconds, max = MaxDelaySeconds, k = step, n = backoff;
        var seconds = BackoffFunction switch
        {
            // Each delay a constant step above the one before.
            "linear" => min + ((max - min) * k / n),

            // The steps themselves grow by a constant: the delays are partial sums of an arithmetic series.
            "arithmetic" => min + ((max - min) * k * (k + 1) / (n * (n + 1))),

            // Each delay a constant ratio times the one before.
            "geometric" when min > 0 => min * Math.Pow(max / min, k / n),

            // The distance to the greatest delay halves at each step from the end: slow at first, steep at the end.
            "exponential" => min + ((max - min) * (Math.Pow(2, k) - 1) / (Math.Pow(2, n) - 1)),
            _ => min + ((max - min) * k / n),
        };
        return TimeSpan.FromSeconds(Math.Round(seconds, 3));
    }

    /// <summary>
    /// The policy a subscription's deliveries follow: its own <c>healthyRetryPolicy</c>, else the topic's
    /// <c>http.defaultHealthyRetryPolicy</c> (which wins when the topic sets <c>disableSubscriptionOverrides</c>), else SNS's default.
    /// </summary>
    public static RetryPolicy Effective(string? subscriptionPolicy, string? topicPolicy)
    {
        RetryPolicy? fromTopic = null;
        var overridesDisabled = false;
        if (topicPolicy is not null && TryParseDocument(topicPolicy, out var topic)
            && topic.TryGetProperty("http", out var http) && http.ValueKind == JsonValueKind.Object)
        {
            if (http.TryGetProperty("defaultHealthyRetryPolicy", out var healthy) && healthy.ValueKind == JsonValueKind.Object)
            {
                fromTopic = Read(healthy, "DeliveryPolicy");
            }

            overridesDisabled = http.TryGetProperty("disableSubscriptionOverrides", out var disabled) && disabled.ValueKind == JsonValueKind.True;
        }

        if (!overridesDisabled && subscriptionPolicy is not null && TryParseDocument(subscriptionPolicy, out var own)
            && own.TryGetProperty("healthyRetryPolicy", out var ownHealthy) && ownHealthy.ValueKind == JsonValueKind.Object)
        {
            return Read(ownHealthy, "DeliveryPolicy");
        }

        return fromTopic ?? Default;
    }

    /// <summary>Checks a subscription's DeliveryPolicy as SNS does; returns it, or throws <see cref="ArgumentException"/>
    /// saying what is wrong.</summary>
    public static string Validate(string json)
    {
        using var document = JsonDocument.Parse(json);
        if (document.RootElement.TryGetProperty("healthyRetryPolicy", out var healthy))
        {
            if (healthy.ValueKind != JsonValueKind.Object)
            {
                throw new ArgumentException("DeliveryPolicy: healthyRetryPolicy must be an object");
            }

            Read(healthy, "DeliveryPolicy: healthyRetryPolicy");
        }

        return json;
    }

    private static RetryPolicy Read(JsonElement healthy, string context)
    {
        var min = Integer(healthy, "minDelayTarget", Default.MinDelaySeconds, context);
        var max = Integer(healthy, "maxDelayTarget", Default.MaxDelaySeconds, context);
        var retries = Integer(healthy, "numRetries", Default.NumRetries, context);
        var noDelay = Integer(healthy, "numNoDelayRetries", 0, context);
        var minRetries = Integer(healthy, "numMinDelayRetries", 0, context);
        var maxRetries = Integer(healthy, "numMaxDelayRetries", 0, context);
        var function = healthy.TryGetProperty("backoffFunction", out var f) && f.ValueKind == JsonValueKind.String ? f.GetString()! : "linear";
        if (min < 1 || min > max)
        {
            throw new ArgumentException($"{context}: minDelayTarget must be between 1 and maxDelayTarget ({max}); got {min}");
        }

        if (max > MaxDelayLimit)
        {
            throw new ArgumentException($"{context}: maxDelayTarget must be at most {MaxDelayLimit}; got {max}");
        }

        if (retries is < 0 or > MaxRetries)
        {
            throw new ArgumentException($"{context}: numRetries must be between 0 and {MaxRetries}; got {retries}");
        }

        if (noDelay < 0 || minRetries < 0 || maxRetries < 0 || noDelay + minRetries + maxRetries > retries)
        {
            throw new ArgumentException(
                $"{context}: numNoDelayRetries, numMinDelayRetries and numMaxDelayRetries must be at least 0 and add up to at most numRetries ({retries})");
        }

        if (!Functions.Contains(function, StringComparer.Ordinal))
        {
            throw new ArgumentException($"{context}: backoffFunction must be linear, arithmetic, geometric or exponential; got '{function}'");
        }

        return new RetryPolicy(min, max, retries, noDelay, minRetries, maxRetries, function);
    }

    private static int Integer(JsonElement policy, string name, int fallback, string context)
    {
        if (!policy.TryGetProperty(name, out var value))
        {
            return fallback;
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number)
            ? number
            : throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{context}: {name} must be an integer"));
    }

    private static bool TryParseDocument(string json, out JsonElement root)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            root = document.RootElement.Clone();
            return root.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            root = default;
            return false;
        }
    }
}
