using System.Text;
using Spillway.Aggregations.Internal;

namespace Spillway.Aggregations.Tests;

public sealed class SketchTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(1_000)]
    [InlineData(30_000)]
    [InlineData(60_000)]
    [InlineData(1_000_000)]
    public void Distinct_count_is_within_three_standard_errors(int distinct)
    {
        var fields = new RecordFields(["v"]);
        var acc = new Accumulator([new CompiledAggregate(AggregateFunction.CountDistinct, 0, 0)]);
        for (var i = 0; i < distinct; i++)
        {
            // Every value twice: repeats must not count.
            fields.Read(Encoding.UTF8.GetBytes($$"""{"v":"user-{{i}}"}"""));
            acc.Add(fields);
            acc.Add(fields);
        }

        var estimate = (long)acc.Results()[0]!;
        Assert.InRange(estimate, distinct * (1 - (3 * 0.0081)) - 1, distinct * (1 + (3 * 0.0081)) + 1);
    }

    [Fact]
    public void Distinct_counts_merge_as_the_union_and_numbers_count_by_value()
    {
        var fields = new RecordFields(["v"]);
        var a = new Accumulator([new CompiledAggregate(AggregateFunction.CountDistinct, 0, 0)]);
        var b = new Accumulator([new CompiledAggregate(AggregateFunction.CountDistinct, 0, 0)]);
        for (var i = 0; i < 20_000; i++)
        {
            fields.Read(Encoding.UTF8.GetBytes($$"""{"v":{{i}}}"""));
            a.Add(fields);
            fields.Read(Encoding.UTF8.GetBytes($$"""{"v":{{i + 10_000}}.0}"""));
            b.Add(fields);
        }

        a.Merge(b);
        Assert.InRange((long)a.Results()[0]!, 30_000 * 0.975, 30_000 * 1.025);
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.95)]
    [InlineData(0.99)]
    [InlineData(0.999)]
    public void Percentiles_are_within_one_percent_of_the_value_at_that_rank(double q)
    {
        var random = new Random(7);
        var values = Enumerable.Range(0, 100_000).Select(_ => Math.Exp(random.NextDouble() * 12) - 50).ToArray();
        var sketch = new DdSketch();
        var half = new DdSketch();
        for (var i = 0; i < values.Length; i++)
        {
            (i % 2 == 0 ? sketch : half).Add(values[i]);
        }

        sketch.Merge(half);
        Array.Sort(values);
        var exact = values[(int)(q * (values.Length - 1))];
        var estimate = sketch.Quantile(q)!.Value;
        Assert.InRange(estimate, exact - (Math.Abs(exact) * 0.01), exact + (Math.Abs(exact) * 0.01));
    }

    [Fact]
    public void A_cleared_sketch_merged_with_another_answers_as_one_sketch_of_both_values()
    {
        var random = new Random(11);
        double[] Values(double scale) => [.. Enumerable.Range(0, 500).Select(_ => (random.NextDouble() - 0.2) * scale)];
        var (earlier, mine, theirs) = (Values(1e6), Values(10), Values(1e-3));
        var reused = new DdSketch();
        var other = new DdSketch();
        var whole = new DdSketch();
        foreach (var v in earlier)
        {
            reused.Add(v);
        }

        reused.Clear();
        foreach (var v in mine)
        {
            reused.Add(v);
            whole.Add(v);
        }

        foreach (var v in theirs)
        {
            other.Add(v);
            whole.Add(v);
        }

        reused.Merge(other);
        var ranks = Enumerable.Range(0, 101).Select(i => i / 100.0).ToArray();
        Assert.Equal(whole.Count, reused.Count);
        Assert.Equal(ranks.Select(whole.Quantile), ranks.Select(reused.Quantile));
    }

    [Fact]
    public void Percentile_sketches_survive_their_checkpoint_form()
    {
        var sketch = new DdSketch();
        foreach (var v in new[] { -3.5, 0, 0, 1e-6, 2, 1e9 })
        {
            sketch.Add(v);
            sketch.Add(v); // twelve values: more than are kept exactly, so this is the bucketed form
        }

        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            sketch.Write(writer);
        }

        buffer.Position = 0;
        var copy = DdSketch.Read(new BinaryReader(buffer));
        Assert.Equal([-3.5, 0, 0, 1e-6, 2, 1e9], [.. Enumerable.Range(0, 6).Select(i => copy.Quantile(i / 5.0)!.Value)], new Close());
    }

    [Fact]
    public void A_few_values_are_answered_exactly_and_the_next_one_moves_them_into_buckets_within_one_percent()
    {
        double[] few = [7.25, -3.5, 0, 1e-6, 1e9, 2, 2, 41.5];
        var sketch = new DdSketch();
        var merged = new DdSketch();
        foreach (var v in few)
        {
            sketch.Add(v);
        }

        merged.Merge(sketch);
        var sorted = few.Order().ToArray();
        var ranks = Enumerable.Range(0, 101).Select(i => i / 100.0).ToArray();
        Assert.Equal(ranks.Select(q => (double?)sorted[(int)(q * (few.Length - 1))]), ranks.Select(sketch.Quantile));
        Assert.Equal(ranks.Select(sketch.Quantile), ranks.Select(merged.Quantile));
        Assert.Equal(ranks.Select(sketch.Quantile), ranks.Select(RoundTrip(sketch).Quantile));

        sketch.Add(100);
        merged.Merge(RoundTrip(sketch)); // eight exact values and a bucketed sketch of nine
        double[] all = [.. few, .. few, 100];
        Array.Sort(all);
        foreach (var q in ranks)
        {
            var exact = all[(int)(q * (all.Length - 1))];
            Assert.InRange(merged.Quantile(q)!.Value, exact - (Math.Abs(exact) * 0.01), exact + (Math.Abs(exact) * 0.01));
        }

        Assert.Equal(17, merged.Count);
        sketch.Clear();
        sketch.Add(5);
        Assert.Equal(5, sketch.Quantile(0.99)); // exact again after a clear
    }

    private static DdSketch RoundTrip(DdSketch sketch)
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            sketch.Write(writer);
        }

        buffer.Position = 0;
        return DdSketch.Read(new BinaryReader(buffer));
    }

    private sealed class Close : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= Math.Abs(x) * 0.01;

        public int GetHashCode(double obj) => 0;
    }
}
