using Spillway.Aws;
using Spillway.Aws.Protocols;
using Spillway.DeliveryStreams;
using Spillway.DeliveryStreams.Destinations;

namespace Spillway.Firehose.Internal;

/// <summary>
/// Reads an <c>HttpEndpointDestinationConfiguration</c> (or <c>…Update</c>) into a delivery stream's settings: the
/// endpoint, its request and retry settings, the backup mode, and the buffering and processing that feed it. What is
/// out of range is refused as Firehose refuses it.
/// </summary>
internal static class EndpointReader
{
    public const string Configuration = "HttpEndpointDestinationConfiguration";
    public const string Update = "HttpEndpointDestinationUpdate";

    /// <summary>Firehose's largest buffer for an HTTP endpoint, in MiB.</summary>
    public const int MaxBufferMiB = 64;

    /// <summary>Applies <paramref name="destination"/> to <paramref name="current"/>: what it names replaces what was.</summary>
    public static DeliveryStreamDefinition Apply(DeliveryStreamDefinition current, AwsInput destination)
    {
        var endpointConfiguration = destination.Structure("EndpointConfiguration");
        var url = endpointConfiguration?.String("Url");
        var endpoint = current.HttpEndpoint ?? new HttpEndpointDestination
        {
            Url = Url(url ?? throw FirehoseErrors.Shape(
                "1 validation error detected: Value null at 'httpEndpointDestinationConfiguration.endpointConfiguration.url' failed to satisfy "
                + "constraint: Member must not be null")),
        };
        if (endpointConfiguration is not null)
        {
            endpoint = endpoint with
            {
                Url = url is null ? endpoint.Url : Url(url),
                Name = endpointConfiguration.String("Name") ?? endpoint.Name,
                AccessKey = endpointConfiguration.String("AccessKey") ?? endpoint.AccessKey,
            };
        }

        if (destination.Structure("RequestConfiguration") is { } request)
        {
            endpoint = endpoint with
            {
                Gzip = request.String("ContentEncoding") switch
                {
                    null => endpoint.Gzip,
                    "NONE" => false,
                    "GZIP" => true,
                    var other => throw FirehoseErrors.Invalid($"RequestConfiguration.ContentEncoding {other} is not one of NONE and GZIP."),
                },
                CommonAttributes = request.Structures("CommonAttributes", "CommonAttributes") is { } attributes
                    ? attributes.ToDictionary(
                        a => a.String("AttributeName") is { Length: > 0 } name
                            ? name
                            : throw FirehoseErrors.Invalid("A common attribute needs an AttributeName."),
                        a => a.String("AttributeValue") ?? string.Empty,
                        StringComparer.Ordinal)
                    : endpoint.CommonAttributes,
            };
        }

        if (destination.Structure("RetryOptions")?.Long("DurationInSeconds") is { } seconds)
        {
            endpoint = endpoint with
            {
                RetryDuration = seconds is >= 0 and <= HttpEndpointDestination.MaxRetrySeconds
                    ? TimeSpan.FromSeconds(seconds)
                    : throw FirehoseErrors.Shape(
                        $"1 validation error detected: Value '{seconds}' at 'httpEndpointDestinationConfiguration.retryOptions.durationInSeconds' "
                        + $"failed to satisfy constraint: Member must have value between 0 and {HttpEndpointDestination.MaxRetrySeconds}"),
            };
        }

        endpoint = destination.String("S3BackupMode") switch
        {
            null => endpoint,
            "FailedDataOnly" => endpoint with { BackupAllData = false },
            "AllData" => endpoint with { BackupAllData = true },
            var other => throw FirehoseErrors.Invalid($"S3BackupMode {other} is not one of FailedDataOnly and AllData."),
        };

        var next = current with { HttpEndpoint = endpoint, SqlTable = null, Conversion = null };
        if ((destination.Structure("S3Configuration") ?? destination.Structure("S3Update")) is { } s3)
        {
            next = DestinationReader.ApplyBackup(next, s3);
        }

        next = DestinationReader.ApplyHints(next, destination.Structure("BufferingHints"), MaxBufferMiB);
        return DestinationReader.ApplyProcessing(next, destination);
    }

    private static Uri Url(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps)
            ? url
            : throw FirehoseErrors.Invalid($"EndpointConfiguration.Url '{text}' is not an absolute http or https URL.");
}
