using Spillway.Aws.Signing;

namespace Spillway.S3;

/// <summary>What the host tells the S3 API: the credentials and clock it shares with the other AWS APIs
/// (<c>Spillway:Sqs</c>), and the host names of virtual-host-style addressing.</summary>
public sealed class S3ApiSettings
{
    /// <summary>The access keys requests must be signed with; <see cref="SigningCredentials.None"/> (the default) accepts
    /// any signature or none.</summary>
    public SigningCredentials Credentials { get; init; } = SigningCredentials.None;

    /// <summary>When set, every request is refused with AccessDenied and this reason. Defaults to null.</summary>
    public string? RefusalReason { get; init; }

    /// <summary>The clock of signatures. Defaults to the system clock.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// Host name suffixes under which <c>&lt;bucket&gt;.&lt;suffix&gt;</c> addresses a bucket (virtual-host style), e.g.
    /// <c>bucket.localhost:8080</c>. Defaults to "localhost", which resolves to loopback on most systems.
    /// </summary>
    public IReadOnlyList<string> VirtualHostSuffixes { get; init; } = ["localhost"];

    /// <summary>The largest object one PutObject or UploadPart takes. Defaults to 5 GiB, S3's limit.</summary>
    public long MaxUploadBytes { get; init; } = 5L * 1024 * 1024 * 1024;
}
