namespace Spillway.Sinks.Tests.Compliance;

/// <summary>A sink with key columns: a record replaces the row of its key, the later one winning.</summary>
public abstract partial class SqlSinkCompliance<TDatabase>
{
    [Fact]
    public async Task A_later_record_with_the_same_key_replaces_the_row_and_a_replay_changes_nothing()
    {
        var sink = await ReadySinkAsync(o => o with
        {
            Columns =
            [
                new ColumnMapping("name", "name", ColumnType.Text, 200, Required: true),
                new ColumnMapping("email", "email", ColumnType.Text, 320, Required: true),
            ],
            KeyColumns = ["name"],
        });
        var first = new[] { Record(Guid.NewGuid(), "a", "a1@example.com"), Record(Guid.NewGuid(), "b", "b1@example.com") };
        var second = new[]
        {
            Record(Guid.NewGuid(), "a", "a2@example.com"), Record(Guid.NewGuid(), "c", "c1@example.com"),
            Record(Guid.NewGuid(), "a", "a3@example.com"),
        };

        await sink.WriteAsync(first);
        await sink.WriteAsync(second);
        await sink.WriteAsync(second);

        Assert.Equal(3L, await CountAsync());
        Assert.Equal(1L, await ScalarAsync($"SELECT count(*) FROM {Table} WHERE name = 'a' AND email = 'a3@example.com'"));
        Assert.Equal(1L, await ScalarAsync($"SELECT count(*) FROM {Table} WHERE name = 'b' AND email = 'b1@example.com'"));
        Assert.Equal(1L, await ScalarAsync($"SELECT count(*) FROM {Table} WHERE name = 'c'"));
    }

    [Fact]
    public async Task A_key_column_that_may_be_null_or_is_unbounded_text_is_refused()
    {
        var optional = Assert.Throws<ArgumentException>(() => Sink(o => o with
        {
            Columns = [new ColumnMapping("name", "name", ColumnType.Text, 200), new ColumnMapping("email", "email", ColumnType.Text, 320, Required: true)],
            KeyColumns = ["name"],
        }));
        var unbounded = Assert.Throws<ArgumentException>(() => Sink(o => o with
        {
            Columns = [new ColumnMapping("name", "name", ColumnType.Text, Required: true)],
            KeyColumns = ["name"],
        }));

        Assert.Equal(nameof(SqlSinkOptions.KeyColumns), optional.ParamName);
        Assert.Equal(nameof(SqlSinkOptions.KeyColumns), unbounded.ParamName);
    }
}
