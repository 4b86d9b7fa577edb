namespace Spillway.Bench.Spike;

/// <summary>Settings of the spike benchmark.</summary>
/// <param name="Records">Records fired at /submit.</param>
/// <param name="Clients">Concurrent clients.</param>
/// <param name="DatabaseUrl">postgresql://… for the drain and COPY comparison; null uses SQLite.</param>
/// <param name="Json">Print a JSON summary as the last line.</param>
public sealed record SpikeOptions(int Records, int Clients, string? DatabaseUrl, bool Json);
