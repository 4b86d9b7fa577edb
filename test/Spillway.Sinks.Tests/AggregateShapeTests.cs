using Spillway.Sinks.Aggregates;

namespace Spillway.Sinks.Tests;

public sealed class AggregateShapeTests
{
    private static readonly AggregateColumn Device = new("device", ColumnType.Text);
    private static readonly AggregateColumn Count = new("readings", ColumnType.Integer);

    [Theory]
    [InlineData("1minute", "Table")]
    [InlineData("per minute", "Table")]
    [InlineData("counts;drop", "Table")]
    [InlineData("", "Table")]
    [InlineData("spillway_aggregation_checkpoints", "checkpoints")]
    public void A_table_name_that_is_not_a_plain_identifier_is_refused_naming_it(string table, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => new AggregateShape(table, [Device], [Count]));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("device\"", "not a valid name")]
    [InlineData("x234567890123456789012345678901234567890123456789012345678901234", "not a valid name")]
    [InlineData("Window_Start", "appears twice")]
    [InlineData("READINGS", "appears twice")]
    public void A_column_name_that_is_invalid_or_taken_is_refused_naming_it(string name, string expected)
    {
        var error = Assert.Throws<ArgumentException>(
            () => new AggregateShape("t", [Device, new AggregateColumn(name, ColumnType.Integer)], [Count]));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Keys_and_values_take_only_their_kinds()
    {
        Assert.Contains("a key is Text, Integer or Real", Assert.Throws<ArgumentException>(
            () => new AggregateShape("t", [new AggregateColumn("at", ColumnType.Timestamp)], [Count])).Message, StringComparison.Ordinal);
        Assert.Contains("a value is Integer or Real", Assert.Throws<ArgumentException>(
            () => new AggregateShape("t", [Device], [new AggregateColumn("name", ColumnType.Text)])).Message, StringComparison.Ordinal);
        Assert.Contains("only text has a MaxLength", Assert.Throws<ArgumentException>(
            () => new AggregateShape("t", [new AggregateColumn("line", ColumnType.Integer, 5)], [Count])).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_wider_than_an_index_holds_is_refused_and_text_keys_default_to_200_characters()
    {
        var wide = Enumerable.Range(0, 4).Select(i => new AggregateColumn($"k{i}", ColumnType.Text)).ToList();

        var error = Assert.Throws<ArgumentException>(() => new AggregateShape("t", wide, [Count]));
        var shape = new AggregateShape("t", wide[..3], [Count]);

        Assert.Contains("3072", error.Message, StringComparison.Ordinal);
        Assert.All(shape.Keys, k => Assert.Equal(AggregateShape.DefaultTextKeyLength, k.MaxLength));
        Assert.Equal(["k0", "k1", "k2", "window_start", "window_end", "readings"], shape.Columns.Select(c => c.Name));
    }

    [Fact]
    public void CreateAggregateTable_refuses_bad_database_settings_before_connecting()
    {
        var shape = new AggregateShape("t", [Device], [Count]);

        Assert.Throws<ArgumentException>(
            () => SqlSinkFactory.CreateAggregateTable(new SqlSinkOptions { Name = "a", DatabaseUrl = "oracle://x/y" }, shape));
        Assert.Throws<ArgumentException>(() => SqlSinkFactory.CreateAggregateTable(
            new SqlSinkOptions { Name = "a", DatabaseUrl = "sqlite:///tmp/a.db", MaxConnections = 0 }, shape));
    }

    [Theory]
    [InlineData(0, "has 1 keys; the shape has 2")]
    [InlineData(1, "has a null key 'device'")]
    [InlineData(2, "has a value of type Int32 for 'line', which takes a long")]
    [InlineData(3, "which takes a string of at most 3 characters")]
    [InlineData(4, "not a whole millisecond")]
    [InlineData(5, "not after window_start")]
    [InlineData(6, "has 1 values; the shape has 2")]
    [InlineData(7, "without U+0000 or an unpaired surrogate")]
    public async Task A_row_that_does_not_fit_the_shape_is_refused_naming_the_row_and_the_problem(int bad, string expected)
    {
        var shape = new AggregateShape("t", [new AggregateColumn("device", ColumnType.Text, 3), new AggregateColumn("line", ColumnType.Integer)],
            [Count, new AggregateColumn("mean", ColumnType.Real)]);
        var start = new DateTimeOffset(2026, 12, 6, 8, 0, 0, TimeSpan.Zero);
        var good = new AggregateRow(["abc", 1L], start, start.AddMinutes(1), [1L, 0.5]);
        AggregateRow[] rows =
        [
            good with { Keys = ["abc"] },
            good with { Keys = [null, 1L] },
            good with { Keys = ["abc", 1] },
            good with { Keys = ["abcd", 1L] },
            good with { WindowEnd = start.AddTicks(10_000_001) },
            good with { WindowEnd = start },
            good with { Values = [1L] },
            good with { Keys = ["a\uD800", 1L] },
        ];
        var directory = Directory.CreateTempSubdirectory("spillway-agg-");
        try
        {
            await using var table = SqlSinkFactory.CreateAggregateTable(
                new SqlSinkOptions { Name = "a", DatabaseUrl = "sqlite://" + Path.Combine(directory.FullName, "a.db") }, shape);

            var error = await Assert.ThrowsAsync<ArgumentException>(() => table.UpsertAsync([good, good, rows[bad]], "owner", new byte[] { 1 }));

            Assert.Contains("Row 2 ", error.Message, StringComparison.Ordinal);
            Assert.Contains(expected, error.Message, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(directory.FullName, "a.db")), "a refused batch opened the database");
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            directory.Delete(recursive: true);
        }
    }
}
