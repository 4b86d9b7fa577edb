using System.Globalization;

namespace Spillway.DeliveryStreams.Keys;

/// <summary>
/// The name Firehose gives a delivered object after its prefix:
/// <c>&lt;stream&gt;-&lt;version&gt;-yyyy-MM-dd-HH-mm-ss-&lt;uuid&gt;&lt;extension&gt;</c>, the time being the oldest
/// record's arrival and the version the destination's, which each change of it raises.
/// </summary>
public static class ObjectName
{
    /// <summary>The object's name; <paramref name="id"/> is fixed by the delivery, so a retry names the same object.</summary>
    public static string For(string stream, int version, DateTimeOffset oldest, Guid id, string extension) =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"{stream}-{version}-{oldest:yyyy'-'MM'-'dd'-'HH'-'mm'-'ss}-{id:D}{extension}");
}
