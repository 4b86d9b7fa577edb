namespace Spillway.Hosting;

/// <summary>What a node runs (<c>--role</c>, <c>Spillway:Role</c>). Defaults to <see cref="All"/>.</summary>
internal enum ServerRole
{
    /// <summary>Ingest routes and workers.</summary>
    All,

    /// <summary>Ingest routes only: no workers, no sinks (scales with HTTP traffic).</summary>
    Gateway,

    /// <summary>Workers only: no ingest routes (scales with the database's appetite). Health, readiness and metrics
    /// are still served.</summary>
    Worker,
}
