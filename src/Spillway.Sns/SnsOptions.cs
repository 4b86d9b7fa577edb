namespace Spillway.Sns;

/// <summary>
/// Settings of the SNS API, bound by the host from <c>Spillway:Sns</c>. It answers with the account, region and credentials
/// of the SQS API (<c>Spillway:Sqs</c>), so one set of client settings serves both.
/// </summary>
public sealed class SnsOptions
{
    /// <summary>Whether the API is served on the main listener. Defaults to true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// The base URL receivers reach this server at, put in each notification's <c>SigningCertURL</c> and
    /// <c>UnsubscribeURL</c>. Defaults to null: the first URL the server listens on (a wildcard host read as localhost).
    /// Set it when subscribers reach the server through a proxy or another name.
    /// </summary>
    public string? PublicUrl { get; set; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the setting when <see cref="PublicUrl"/> is not an absolute
    /// http or https URL.</summary>
    public void Validate()
    {
        if (PublicUrl is { } url
            && !(Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)))
        {
            throw new ArgumentException($"PublicUrl '{url}' is not an absolute http or https URL.", nameof(PublicUrl));
        }
    }
}
