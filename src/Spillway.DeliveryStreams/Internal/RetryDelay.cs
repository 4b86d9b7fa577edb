namespace Spillway.DeliveryStreams.Internal;

/// <summary>The back-off between attempts of every delivery step (storing a file, calling a transform, sending to an
/// endpoint, loading a table): 1 s, doubling to 60 s, as Firehose retries.</summary>
internal static class RetryDelay
{
    public static readonly TimeSpan First = TimeSpan.FromSeconds(1);

    private static readonly TimeSpan Last = TimeSpan.FromSeconds(60);

    /// <summary>The delay after <paramref name="delay"/>.</summary>
    public static TimeSpan Next(TimeSpan delay) => delay * 2 < Last ? delay * 2 : Last;
}
