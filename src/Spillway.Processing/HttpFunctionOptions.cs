namespace Spillway.Processing;

/// <summary>Settings of an <see cref="HttpFunctionHandler"/>: where the function listens and how it is invoked.</summary>
public sealed class HttpFunctionOptions
{
    private readonly Uri url = null!;
    private readonly TimeSpan timeout = TimeSpan.FromSeconds(30);
    private readonly string region = "us-east-1";
    private readonly string accountId = "000000000000";
    private readonly TimeProvider timeProvider = TimeProvider.System;

    /// <summary>The absolute http or https URL each batch is POSTed to. Required.</summary>
    public required Uri Url
    {
        get => url;
        init
        {
            ArgumentNullException.ThrowIfNull(value, nameof(Url));
            if (!value.IsAbsoluteUri || (value.Scheme != Uri.UriSchemeHttp && value.Scheme != Uri.UriSchemeHttps))
            {
                throw new ArgumentException($"{nameof(Url)} must be an absolute http or https URL.", nameof(Url));
            }

            url = value;
        }
    }

    /// <summary>
    /// How long one invocation may take, answer included, before the whole batch counts as failed (as a Lambda
    /// function timeout). 1 ms–15 min (Lambda's maximum); defaults to 30 s.
    /// </summary>
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

    /// <summary>Region written into each record's <c>awsRegion</c> and <c>eventSourceARN</c>. Defaults to "us-east-1".</summary>
    public string Region
    {
        get => region;
        init
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(value, nameof(Region));
            region = value;
        }
    }

    /// <summary>Account id written into each record's <c>eventSourceARN</c> and <c>SenderId</c>. Defaults to "000000000000".</summary>
    public string AccountId
    {
        get => accountId;
        init
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(value, nameof(AccountId));
            accountId = value;
        }
    }

    /// <summary>Clock for the invocation timeout. Defaults to <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider
    {
        get => timeProvider;
        init => timeProvider = value ?? throw new ArgumentNullException(nameof(TimeProvider));
    }

    /// <summary>The URL without user info, query or fragment, fit for logs and error messages.</summary>
    internal string SafeUrl => $"{Url.Scheme}://{Url.Host}:{Url.Port}{Url.AbsolutePath}";
}
