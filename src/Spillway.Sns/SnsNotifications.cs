using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Spillway.Aws;
using Spillway.Messaging;
using Spillway.Messaging.Topics;
using Spillway.Sns.Internal;
using Spillway.Storage;

namespace Spillway.Sns;

/// <summary>
/// What subscribers receive: the SNS envelope, signed with this server's own key (SignatureVersion 1, SHA1withRSA, or 2,
/// SHA256withRSA, as the topic's <c>SignatureVersion</c> says), or the raw body. The key pair and its self-signed
/// certificate are made on first start and kept in the state directory; the certificate is served at
/// <see cref="CertificatePath"/>, which every envelope names in <c>SigningCertURL</c>.
/// </summary>
public sealed class SnsNotifications
{
    /// <summary>Where the certificate is served, on the main listener.</summary>
    public const string CertificatePath = "/sns/SigningCert.pem";

    /// <summary>Where a GET with <c>SubscriptionArn</c> unsubscribes, the <c>UnsubscribeURL</c> of every envelope.</summary>
    public const string UnsubscribePath = "/sns/unsubscribe";

    private const string KeyFile = "signing-key.pem";
    private const string CertificateFile = "signing-cert.pem";

    // Not disposed: the engine calls the renderer until it closes, and the host keeps this for the life of the process.
    private readonly RSA key;
    private readonly Lock gate = new();

    // The signed fields are the same for every subscription of a message, and deliveries of one publish are rendered one
    // after another: the last signature is reused rather than computed again for each subscription.
    private (string StringToSign, string Version, string Signature)? last;
    private readonly AwsAccount account;
    private readonly Func<Uri> publicUrl;

    private SnsNotifications(RSA key, string certificatePem, AwsAccount account, Func<Uri> publicUrl)
    {
        this.key = key;
        CertificatePem = certificatePem;
        this.account = account;
        this.publicUrl = publicUrl;
    }

    /// <summary>The certificate receivers verify signatures with, PEM-encoded.</summary>
    public string CertificatePem { get; }

    /// <summary>The renderer the engine calls for every delivery (<see cref="QueueEngineOptions.NotificationRenderer"/>).</summary>
    public NotificationRenderer Renderer => Render;

    /// <summary>
    /// Opens the signing key kept in <paramref name="stateDirectory"/>, creating it with its certificate the first time
    /// (durably: a restart signs with the same key). <paramref name="publicUrl"/> gives the base of the URLs envelopes carry,
    /// read at each delivery so a server listening on a port the kernel picks names the port it got.
    /// </summary>
    public static SnsNotifications Open(string stateDirectory, AwsAccount account, Func<Uri> publicUrl)
    {
        ArgumentException.ThrowIfNullOrEmpty(stateDirectory);
        ArgumentNullException.ThrowIfNull(account);
        ArgumentNullException.ThrowIfNull(publicUrl);

        // Only the server's own user may read the private key.
        var directory = OperatingSystem.IsWindows()
            ? Directory.CreateDirectory(stateDirectory)
            : Directory.CreateDirectory(stateDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var keyPath = Path.Combine(directory.FullName, KeyFile);
        var certificatePath = Path.Combine(directory.FullName, CertificateFile);
        var key = RSA.Create();
        try
        {
            if (File.Exists(keyPath) && File.Exists(certificatePath))
            {
                key.ImportFromPem(File.ReadAllText(keyPath));
                return new SnsNotifications(key, File.ReadAllText(certificatePath), account, publicUrl);
            }

            key.KeySize = 2048;
            var request = new CertificateRequest("CN=Spillway SNS signing", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            var now = DateTimeOffset.UtcNow;
            using var certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(20));
            var certificatePem = certificate.ExportCertificatePem() + "\n";

            // The key first: a certificate is only ever written beside the key it certifies.
            FileStorageDevice.Instance.WriteAtomically(keyPath, Encoding.ASCII.GetBytes(key.ExportPkcs8PrivateKeyPem() + "\n"));
            FileStorageDevice.Instance.WriteAtomically(certificatePath, Encoding.ASCII.GetBytes(certificatePem));
            return new SnsNotifications(key, certificatePem, account, publicUrl);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    /// <summary>The URL of the certificate.</summary>
    public Uri CertificateUrl => new(publicUrl(), CertificatePath);

    /// <summary>The URL that unsubscribes <paramref name="subscriptionArn"/>.</summary>
    public Uri UnsubscribeUrl(string subscriptionArn) =>
        new(publicUrl(), UnsubscribePath + "?SubscriptionArn=" + Uri.EscapeDataString(subscriptionArn));

    private OutgoingMessage Render(TopicDefinition topic, Subscription subscription, Notification notification)
    {
        var published = notification.Published;
        var message = Envelope.MessageFor(published, subscription.Protocol);

        // A subscription with its own delivery queue keeps the signed envelope there whatever its settings: the delivery
        // worker reads the headers, subject and event from it and sends the raw body when the subscription asks for it.
        if (subscription.RawMessageDelivery && !subscription.OwnsDeliveryQueue)
        {
            return new OutgoingMessage(Encoding.UTF8.GetBytes(message)) { Attributes = published.Attributes };
        }

        var topicArn = SnsArns.Topic(account, topic.Name);
        var subscriptionArn = SnsArns.Subscription(topicArn, subscription.Id);
        var envelope = new Envelope(
            "Notification",
            notification.MessageId.ToString(),
            topicArn,
            published.Subject,
            message,
            Envelope.FormatTimestamp(notification.Timestamp),
            SignatureVersionOf(topic))
        {
            SequenceNumber = notification.SequenceNumber,
            SigningCertUrl = CertificateUrl.ToString(),
            UnsubscribeUrl = UnsubscribeUrl(subscriptionArn).ToString(),
            Attributes = published.Attributes,
        };
        return new OutgoingMessage(envelope.ToJson(Sign(envelope.StringToSign(), envelope.SignatureVersion)));
    }

    /// <summary>The URL that confirms a subscription: SNS's <c>?Action=ConfirmSubscription&amp;TopicArn=…&amp;Token=…</c> on
    /// the main listener, which a GET answers as the ConfirmSubscription action does.</summary>
    public Uri SubscribeUrl(string topicArn, string token) =>
        new(publicUrl(), "/?Action=ConfirmSubscription&TopicArn=" + Uri.EscapeDataString(topicArn) + "&Token=" + Uri.EscapeDataString(token));

    /// <summary>
    /// The signed SubscriptionConfirmation an endpoint of <paramref name="subscription"/> receives: its token and the
    /// SubscribeURL that confirms it.
    /// </summary>
    internal OutgoingMessage Confirmation(TopicDefinition topic, Subscription subscription, DateTimeOffset now)
    {
        var topicArn = SnsArns.Topic(account, topic.Name);
        var token = subscription.ConfirmationToken ?? throw new ArgumentException("The subscription is confirmed already.", nameof(subscription));
        var envelope = new Envelope(
            "SubscriptionConfirmation",
            Guid.NewGuid().ToString(),
            topicArn,
            null,
            $"You have chosen to subscribe to the topic {topicArn}.\nTo confirm the subscription, visit the SubscribeURL included in this message.",
            Envelope.FormatTimestamp(now),
            SignatureVersionOf(topic))
        {
            Token = token,
            SubscribeUrl = SubscribeUrl(topicArn, token).ToString(),
            SigningCertUrl = CertificateUrl.ToString(),
        };
        return new OutgoingMessage(envelope.ToJson(Sign(envelope.StringToSign(), envelope.SignatureVersion)));
    }

    /// <summary>The signature of <paramref name="stringToSign"/>, base64: SHA1withRSA for version 1, SHA256withRSA for 2.</summary>
    internal string Sign(string stringToSign, string signatureVersion)
    {
        lock (gate)
        {
            if (last is { } previous && previous.Version == signatureVersion && previous.StringToSign == stringToSign)
            {
                return previous.Signature;
            }
        }

        var signature = Convert.ToBase64String(key.SignData(
            Encoding.UTF8.GetBytes(stringToSign),
            signatureVersion == "2" ? HashAlgorithmName.SHA256 : HashAlgorithmName.SHA1,
            RSASignaturePadding.Pkcs1));
        lock (gate)
        {
            last = (stringToSign, signatureVersion, signature);
        }

        return signature;
    }

    private static string SignatureVersionOf(TopicDefinition topic) =>
        topic.Attributes.TryGetValue(TopicAttributes.SignatureVersion, out var version) ? version : "1";
}
