using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Spillway.Aws;
using Spillway.Messaging;
using Spillway.Sns.Internal;

namespace Spillway.Sns;

/// <summary>Maps the SNS API onto an ASP.NET Core application.</summary>
public static class SnsEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Adds the SNS API (query protocol, <c>Version=2010-03-31</c>) to the application's AWS router
    /// (<see cref="AwsEndpointRouteBuilderExtensions.MapAwsService"/>) over the topics of <paramref name="engine"/>, with
    /// what notifications point receivers at: the signing certificate (<see cref="SnsNotifications.CertificatePath"/>) and
    /// the unsubscribe link (<see cref="SnsNotifications.UnsubscribePath"/>); nothing when <see cref="SnsOptions.Enabled"/>
    /// is false.
    /// </summary>
    public static IEndpointRouteBuilder MapSnsApi(
        this IEndpointRouteBuilder endpoints, QueueEngine engine, SnsApiSettings settings, SnsOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(settings);
        if (options?.Enabled == false)
        {
            return endpoints;
        }

        var api = new SnsApi(engine, settings);
        endpoints.MapAwsService(api);
        var certificate = settings.Notifications.CertificatePem;
        endpoints.MapGet(SnsNotifications.CertificatePath, () => Results.Text(certificate, "application/x-pem-file"));
        endpoints.MapGet(SnsNotifications.UnsubscribePath, async (HttpContext context) =>
        {
            if (settings.RefusalReason is { } reason)
            {
                return Answer(403, "Sender", "AuthorizationError", reason, context);
            }

            return await api.UnsubscribeByUrlAsync(context.Request.Query["SubscriptionArn"], context.RequestAborted).ConfigureAwait(false) switch
            {
                SnsApi.UrlUnsubscribe.Unsubscribed => Results.Text(
                    $"<?xml version=\"1.0\"?><UnsubscribeResponse xmlns=\"{SnsApi.XmlNamespace}\"><ResponseMetadata><RequestId>"
                    + $"{context.TraceIdentifier}</RequestId></ResponseMetadata></UnsubscribeResponse>",
                    "text/xml"),
                SnsApi.UrlUnsubscribe.Refused => Answer(
                    403, "Sender", "AuthorizationError", "This subscription was confirmed to be removed only by an authenticated Unsubscribe.", context),
                _ => Answer(404, "Sender", "NotFound", "Subscription does not exist", context),
            };
        });
        return endpoints;
    }

    private static IResult Answer(int status, string type, string code, string message, HttpContext context) => Results.Text(
        $"<?xml version=\"1.0\"?><ErrorResponse xmlns=\"{SnsApi.XmlNamespace}\"><Error><Type>{type}</Type><Code>{code}</Code>"
        + $"<Message>{System.Security.SecurityElement.Escape(message)}</Message></Error><RequestId>{context.TraceIdentifier}</RequestId></ErrorResponse>",
        "text/xml",
        statusCode: status);
}
