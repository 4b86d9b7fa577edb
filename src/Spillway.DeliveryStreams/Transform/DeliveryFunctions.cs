namespace Spillway.DeliveryStreams.Transform;

/// <summary>Where a named function listens and how long one call to it may take.</summary>
/// <param name="Url">The absolute http(s) URL the transformation event is POSTed to.</param>
/// <param name="Timeout">How long a call may take, answer included, before it counts as failed.</param>
public sealed record FunctionEndpoint(Uri Url, TimeSpan Timeout);

/// <summary>
/// How delivery streams reach the functions of their transforms. A transform's function is either an http(s) URL, called
/// with <see cref="Timeout"/>, or a Lambda function ARN or plain name whose function name is a key of <see cref="Named"/>
/// (the host names its workers with an HTTP handler there).
/// </summary>
public sealed class DeliveryFunctions
{
    private readonly TimeSpan timeout = TimeSpan.FromSeconds(60);
    private readonly IReadOnlyDictionary<string, FunctionEndpoint> named = new Dictionary<string, FunctionEndpoint>(StringComparer.OrdinalIgnoreCase);
    private readonly string region = "us-east-1";
    private readonly string accountId = "000000000000";

    /// <summary>Functions by name, compared without regard to case. Defaults to none.</summary>
    public IReadOnlyDictionary<string, FunctionEndpoint> Named
    {
        get => named;
        init => named = new Dictionary<string, FunctionEndpoint>(value ?? throw new ArgumentNullException(nameof(Named)), StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>How long a call to a function named by URL may take: 1 ms–15 min (a Lambda function's longest);
    /// defaults to 60 s.</summary>
    public TimeSpan Timeout
    {
        get => timeout;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.FromMilliseconds(1), nameof(Timeout));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, TimeSpan.FromMinutes(15), nameof(Timeout));
            timeout = value;
        }
    }

    /// <summary>The region of the event's <c>region</c> and <c>deliveryStreamArn</c>. Defaults to "us-east-1".</summary>
    public string Region
    {
        get => region;
        init
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(value, nameof(Region));
            region = value;
        }
    }

    /// <summary>The account of the event's <c>deliveryStreamArn</c>. Defaults to "000000000000".</summary>
    public string AccountId
    {
        get => accountId;
        init
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(value, nameof(AccountId));
            accountId = value;
        }
    }

    /// <summary>The client calls (and HTTP endpoint deliveries) go through. Defaults to one the delivery streams make.</summary>
    public HttpClient? HttpClient { get; init; }

    /// <summary><see cref="HttpClient"/>, or the streams' own.</summary>
    internal HttpClient Client => HttpClient ?? Shared;

    private static readonly HttpClient Shared = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
    {
        // Each call's own timeout counts, on the stream's clock.
        Timeout = System.Threading.Timeout.InfiniteTimeSpan,
    };

    /// <summary>The ARN of the delivery stream <paramref name="name"/> in <see cref="Region"/> and <see cref="AccountId"/>.</summary>
    internal string StreamArn(string name) => $"arn:aws:firehose:{Region}:{AccountId}:deliverystream/{name}";

    /// <summary>Where <paramref name="function"/> listens; null when it is neither a URL nor a known name.</summary>
    public FunctionEndpoint? Resolve(string function)
    {
        ArgumentNullException.ThrowIfNull(function);
        if (Uri.TryCreate(function, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps))
        {
            return new FunctionEndpoint(url, Timeout);
        }

        return named.TryGetValue(FunctionName(function), out var endpoint) ? endpoint : null;
    }

    /// <summary>Checks that <paramref name="function"/> can be called; the message says how to make it callable.</summary>
    public void Check(string function)
    {
        if (Resolve(function) is null)
        {
            throw new ArgumentException(
                $"The function '{function}' is unknown here: give LambdaArn as an http(s) URL, or name a worker with an http handler "
                + "(arn:aws:lambda:<region>:<account>:function:<worker>).");
        }
    }

    /// <summary>The function name of a Lambda ARN (<c>arn:aws:lambda:region:account:function:name[:qualifier]</c>); the
    /// text itself otherwise.</summary>
    public static string FunctionName(string function)
    {
        ArgumentNullException.ThrowIfNull(function);
        var parts = function.Split(':');
        return parts.Length >= 7 && parts[0] == "arn" && parts[2] == "lambda" && parts[5] == "function" ? parts[6] : function;
    }
}
