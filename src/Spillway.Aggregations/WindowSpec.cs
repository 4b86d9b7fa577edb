using Spillway.Aggregations.Internal;

namespace Spillway.Aggregations;

/// <summary>The three window shapes, as Flink's TUMBLE, HOP and SESSION.</summary>
public enum WindowKind
{
    /// <summary>Fixed windows that do not overlap: each record is in exactly one.</summary>
    Tumbling,

    /// <summary>Fixed windows of <see cref="WindowSpec.Size"/> starting every <see cref="WindowSpec.Slide"/>: a record is in
    /// size/slide windows.</summary>
    Hopping,

    /// <summary>Per key, records closer than <see cref="WindowSpec.Gap"/> to each other share a window.</summary>
    Session,
}

/// <summary>
/// A window: its kind and its sizes. Windows are aligned to the Unix epoch (a one-minute window starts on the minute),
/// as Flink's are without an offset. Built through <see cref="Tumbling"/>, <see cref="Hopping"/> or <see cref="Session"/>,
/// which validate.
/// </summary>
public sealed record WindowSpec
{
    /// <summary>The longest window or gap accepted: 366 days.</summary>
    public static readonly TimeSpan MaxSize = TimeSpan.FromDays(366);

    /// <summary>Most windows one record may fall in (size/slide) for a hopping window.</summary>
    public const int MaxPanesPerWindow = 1_000;

    private WindowSpec(WindowKind kind, TimeSpan size, TimeSpan slide, TimeSpan gap)
    {
        Kind = kind;
        Size = size;
        Slide = slide;
        Gap = gap;
    }

    public WindowKind Kind { get; }

    /// <summary>The length of a tumbling or hopping window; zero for a session window.</summary>
    public TimeSpan Size { get; }

    /// <summary>How often a hopping window starts; equal to <see cref="Size"/> for a tumbling window, zero for sessions.</summary>
    public TimeSpan Slide { get; }

    /// <summary>The idle gap that ends a session; zero for the other kinds.</summary>
    public TimeSpan Gap { get; }

    /// <summary>Windows of <paramref name="size"/> (whole milliseconds, 1 ms to 366 days) that do not overlap.</summary>
    public static WindowSpec Tumbling(TimeSpan size)
    {
        CheckLength(size, "size");
        return new WindowSpec(WindowKind.Tumbling, size, size, TimeSpan.Zero);
    }

    /// <summary>Windows of <paramref name="size"/> starting every <paramref name="slide"/>; the size must be a whole multiple
    /// of the slide, at most <see cref="MaxPanesPerWindow"/> times it.</summary>
    public static WindowSpec Hopping(TimeSpan size, TimeSpan slide)
    {
        CheckLength(size, "size");
        CheckLength(slide, "slide");
        if (size.Ticks % slide.Ticks != 0 || size < slide)
        {
            throw new ArgumentException($"A hopping window's size ({Durations.Format(size)}) must be a whole multiple of its slide ({Durations.Format(slide)}).");
        }

        if (size.Ticks / slide.Ticks > MaxPanesPerWindow)
        {
            throw new ArgumentException($"A hopping window's size may be at most {MaxPanesPerWindow} times its slide.");
        }

        return new WindowSpec(WindowKind.Hopping, size, slide, TimeSpan.Zero);
    }

    /// <summary>Session windows closed by <paramref name="gap"/> without a record of the key (1 ms to 366 days).</summary>
    public static WindowSpec Session(TimeSpan gap)
    {
        CheckLength(gap, "gap");
        return new WindowSpec(WindowKind.Session, TimeSpan.Zero, TimeSpan.Zero, gap);
    }

    private static void CheckLength(TimeSpan value, string what)
    {
        if (value <= TimeSpan.Zero || value > MaxSize || value.Ticks % TimeSpan.TicksPerMillisecond != 0)
        {
            throw new ArgumentException($"A window {what} must be whole milliseconds from 1 ms to 366 days; got {value}.");
        }
    }
}
