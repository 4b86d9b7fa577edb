namespace Spillway.Aggregations.Internal;

/// <summary>
/// A DDSketch (Masson, Rim, Lee, 2019) of 1% relative accuracy: values fall in logarithmic buckets of ratio
/// γ = 1.01/0.99, and a bucket answers with the value within 1% of all it holds, so any percentile comes back within ±1%
/// of a value of the requested rank. Mergeable: two sketches add bucket by bucket. Each sign keeps at most
/// <see cref="MaxBuckets"/> buckets (values from 1e-9 to 1e9 need about 2,100 of them); beyond that the buckets nearest
/// zero are folded together, which only coarsens the smallest magnitudes.
/// Up to <see cref="ExactValues"/> values are kept as they are, and answered exactly: most windows of a key hold a
/// handful of readings, and for them no logarithm is taken and no bucket array is touched. The next value moves them
/// into the buckets.
/// </summary>
internal sealed class DdSketch
{
    public const double RelativeAccuracy = 0.01;
    public const int MaxBuckets = 4096;
    private static readonly double Gamma = (1 + RelativeAccuracy) / (1 - RelativeAccuracy);
    private static readonly double InverseLogGamma = 1 / Math.Log(Gamma);

    // Smallest magnitude told apart from zero: below it a value counts as zero.
    private const double MinMagnitude = 1e-300;

    /// <summary>How many values are kept exactly before the sketch moves them into its buckets.</summary>
    public const int ExactValues = 8;

    // Stores are structs held in place, not objects of their own: merging the panes of a window touches one object less
    // per sketch. They are never copied.
    private Store positive = new();
    private Store negative = new();
    private long zeros;

    // The values themselves while there are at most ExactValues of them (then bucketed is false).
    private double[]? exact;
    private int exactCount;
    private bool bucketed;

    public long Count => positive.Total + negative.Total + zeros + exactCount;

    public void Add(double value)
    {
        if (!bucketed)
        {
            if (exactCount < ExactValues)
            {
                (exact ??= new double[ExactValues])[exactCount++] = value;
                return;
            }

            Bucket();
        }

        AddToBuckets(value);
    }

    // Moves the exact values into the buckets; from then on every value goes there (until Clear).
    private void Bucket()
    {
        bucketed = true;
        for (var i = 0; i < exactCount; i++)
        {
            AddToBuckets(exact![i]);
        }

        exactCount = 0;
    }

    private void AddToBuckets(double value)
    {
        if (value > MinMagnitude)
        {
            positive.Add(Index(value), 1);
        }
        else if (value < -MinMagnitude)
        {
            negative.Add(Index(-value), 1);
        }
        else
        {
            zeros++;
        }
    }

    public void Clear()
    {
        positive.Clear();
        negative.Clear();
        zeros = 0;
        exactCount = 0;
        bucketed = false;
    }

    public void Merge(DdSketch other)
    {
        if (!other.bucketed)
        {
            for (var i = 0; i < other.exactCount; i++)
            {
                Add(other.exact![i]);
            }

            return;
        }

        if (!bucketed)
        {
            Bucket();
        }

        positive.Merge(in other.positive);
        negative.Merge(in other.negative);
        zeros += other.zeros;
    }

    /// <summary>The value at rank <paramref name="q"/> (0–1) by the lower-rank convention; null when empty.</summary>
    public double? Quantile(double q)
    {
        var count = Count;
        if (count == 0)
        {
            return null;
        }

        var rank = (long)(q * (count - 1));
        if (!bucketed)
        {
            Span<double> sorted = stackalloc double[ExactValues];
            exact.AsSpan(0, exactCount).CopyTo(sorted);
            sorted = sorted[..exactCount];
            sorted.Sort();
            return sorted[(int)rank];
        }

        if (rank < negative.Total)
        {
            // The most negative values come first: walk the negative buckets from the largest magnitude down.
            return -Value(negative.IndexAtRankFromTop(rank));
        }

        rank -= negative.Total;
        if (rank < zeros)
        {
            return 0;
        }

        return Value(positive.IndexAtRank(rank - zeros));
    }

    public int Size => positive.Size + negative.Size + 16 + (exact is null ? 0 : ExactValues * 8);

    /// <summary>
    /// The checkpoint form: bucketed, the count of zeros (never negative) and both stores; exact, -1 minus the number of
    /// values, then the values.
    /// </summary>
    public void Write(BinaryWriter writer)
    {
        if (!bucketed)
        {
            writer.Write(-1L - exactCount);
            for (var i = 0; i < exactCount; i++)
            {
                writer.Write(exact![i]);
            }

            return;
        }

        writer.Write(zeros);
        positive.Write(writer);
        negative.Write(writer);
    }

    public static DdSketch Read(BinaryReader reader)
    {
        var first = reader.ReadInt64();
        var sketch = new DdSketch();
        if (first < 0)
        {
            var values = -1 - first;
            if (values > ExactValues)
            {
                throw new InvalidDataException("A percentile sketch in the checkpoint is damaged.");
            }

            for (var i = 0; i < values; i++)
            {
                sketch.Add(reader.ReadDouble());
            }

            return sketch;
        }

        sketch.bucketed = true;
        sketch.zeros = first;
        sketch.positive.Read(reader);
        sketch.negative.Read(reader);
        return sketch;
    }

    private static int Index(double magnitude) => (int)Math.Ceiling(Math.Log(magnitude) * InverseLogGamma);

    private static double Value(int index) => 2 * Math.Pow(Gamma, index) / (Gamma + 1);

    /// <summary>Counts of consecutive bucket indexes from <see cref="offset"/>, grown as values arrive. The lowest and
    /// highest buckets holding values are tracked, so clearing, merging and ranking touch only those between: a window's
    /// few values sit in a few buckets of an array sized for many.</summary>
    private struct Store
    {
        private long[] counts = [];
        private int offset;
        private int low;
        private int high;

        public Store()
        {
        }

        public long Total { get; private set; }

        public readonly int Size => counts.Length * 8;

        public void Add(int index, long count)
        {
            if (Total == 0)
            {
                if (counts.Length == 0)
                {
                    counts = new long[16];
                }

                // Empty, the array is all zeros. A reused one keeps its place when the value falls in it (a field's values
                // keep to a range, so the next window's will too); otherwise it is centred on the value.
                if (index < offset || index >= offset + counts.Length)
                {
                    offset = index - (counts.Length / 2);
                }

                low = high = index;
            }
            else if (index < offset || index >= offset + counts.Length)
            {
                index = Grow(index);
            }

            counts[index - offset] += count;
            Total += count;
            low = Math.Min(low, index);
            high = Math.Max(high, index);
        }

        public void Merge(in Store other)
        {
            if (other.Total == 0)
            {
                return;
            }

            // Room for both ends first; the buckets between then fall inside (or, past MaxBuckets, fold into the lowest).
            Add(other.low, other.counts[other.low - other.offset]);
            if (other.high != other.low)
            {
                Add(other.high, other.counts[other.high - other.offset]);
            }

            for (var i = other.low + 1; i < other.high; i++)
            {
                var count = other.counts[i - other.offset];
                if (count != 0)
                {
                    counts[Math.Max(i, offset) - offset] += count;
                    Total += count;
                }
            }
        }

        public void Clear()
        {
            if (Total != 0)
            {
                Array.Clear(counts, low - offset, high - low + 1);
                Total = 0;
            }
        }

        public int IndexAtRank(long rank)
        {
            // A high percentile is nearer the top: walk from the end it is closer to.
            if (rank * 2 >= Total)
            {
                return IndexAtRankFromTop(Total - 1 - rank);
            }

            long seen = 0;
            for (var i = low; i <= high; i++)
            {
                seen += counts[i - offset];
                if (seen > rank)
                {
                    return i;
                }
            }

            return high;
        }

        public int IndexAtRankFromTop(long rank)
        {
            long seen = 0;
            for (var i = high; i >= low; i--)
            {
                seen += counts[i - offset];
                if (seen > rank)
                {
                    return i;
                }
            }

            return low;
        }

        public void Write(BinaryWriter writer)
        {
            writer.Write(Total == 0 ? 0 : low);
            writer.Write(Total == 0 ? 0 : high - low + 1);
            // Most buckets hold a few values: a variable-length count is usually one byte instead of eight.
            for (var i = low; Total != 0 && i <= high; i++)
            {
                writer.Write7BitEncodedInt64(counts[i - offset]);
            }
        }

        public void Read(BinaryReader reader)
        {
            var start = reader.ReadInt32();
            var length = reader.ReadInt32();
            if (length is < 0 or > MaxBuckets)
            {
                throw new InvalidDataException("A percentile sketch in the checkpoint is damaged.");
            }

            for (var i = 0; i < length; i++)
            {
                var count = reader.Read7BitEncodedInt64();
                if (count < 0)
                {
                    throw new InvalidDataException("A percentile sketch in the checkpoint is damaged.");
                }

                if (count != 0)
                {
                    Add(start + i, count);
                }
            }
        }

        // Widens the array to take the index, doubling at least; past MaxBuckets the lowest buckets fold into one.
        private int Grow(int index)
        {
            var from = Math.Min(index, offset);
            var to = Math.Max(index, offset + counts.Length - 1);
            if (to - from + 1 > MaxBuckets)
            {
                var floor = to - MaxBuckets + 1;
                var folded = new long[MaxBuckets];
                for (var i = 0; i < counts.Length; i++)
                {
                    var at = Math.Max(offset + i, floor) - floor;
                    folded[at] += counts[i];
                }

                counts = folded;
                offset = floor;
                low = Math.Max(low, floor);
                return Math.Max(index, floor);
            }

            var length = Math.Min(MaxBuckets, Math.Max(counts.Length * 2, to - from + 1));
            var newOffset = index < offset ? to - length + 1 : from;
            var grown = new long[length];
            Array.Copy(counts, 0, grown, offset - newOffset, counts.Length);
            counts = grown;
            offset = newOffset;
            return index;
        }
    }
}
