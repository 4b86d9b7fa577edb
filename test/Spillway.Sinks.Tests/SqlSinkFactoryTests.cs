namespace Spillway.Sinks.Tests;

public sealed class SqlSinkFactoryTests
{
    [Theory]
    [InlineData("postgresql://u:hunter2@localhost/db", "postgresql")]
    [InlineData("mariadb://u:hunter2@localhost/db", "mysql")]
    [InlineData("sqlite://spillway.db", "sqlite")]
    public async Task The_provider_follows_the_url_and_ToString_hides_the_password(string url, string provider)
    {
        await using var sink = SqlSinkFactory.Create(
            new SqlSinkOptions { Name = "users", DatabaseUrl = url, DataDirectory = Path.GetTempPath() });

        Assert.Equal(provider, sink.Provider);
        Assert.Equal("users", sink.Name);
        Assert.DoesNotContain("hunter2", sink.ToString(), StringComparison.Ordinal);
        Assert.Equal(new SinkPoolStatistics(10, 0, 0, 0), sink.PoolStatistics);
    }

    [Theory]
    [InlineData("Table", "users; drop table users")]
    [InlineData("Table", "1users")]
    [InlineData("IdColumn", "")]
    [InlineData("CreatedAtColumn", "id")]
    public void Bad_names_are_rejected_naming_the_setting(string setting, string value)
    {
        var options = setting switch
        {
            "Table" => new SqlSinkOptions { Name = "s", DatabaseUrl = "sqlite:///tmp/x.db", Table = value },
            "IdColumn" => new SqlSinkOptions { Name = "s", DatabaseUrl = "sqlite:///tmp/x.db", IdColumn = value },
            _ => new SqlSinkOptions { Name = "s", DatabaseUrl = "sqlite:///tmp/x.db", CreatedAtColumn = value },
        };

        var error = Assert.Throws<ArgumentException>(() => SqlSinkFactory.Create(options));

        Assert.Contains(setting, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Limits_and_columns_are_validated()
    {
        const string url = "sqlite:///tmp/x.db";
        Assert.Contains("MaxConnections", Problem(new SqlSinkOptions { Name = "s", DatabaseUrl = url, MaxConnections = 0 }));
        Assert.Contains("BorrowTimeout", Problem(new SqlSinkOptions { Name = "s", DatabaseUrl = url, BorrowTimeout = TimeSpan.Zero }));
        Assert.Contains("appears twice", Problem(new SqlSinkOptions
        {
            Name = "s", DatabaseUrl = url, Columns = [new("name", "a", ColumnType.Text), new("NAME", "b", ColumnType.Text)],
        }));
        Assert.Contains("MaxLength", Problem(new SqlSinkOptions
        {
            Name = "s", DatabaseUrl = url, Columns = [new("name", "a", ColumnType.Text, 0)],
        }));

        static string Problem(SqlSinkOptions options) => Assert.Throws<ArgumentException>(() => SqlSinkFactory.Create(options)).Message;
    }

    [Theory]
    [InlineData("postgresql://u:p@localhost/db?sslmode=verify-full")]
    [InlineData("mysql://u:p@localhost/db?sslmode=disable")]
    [InlineData("mysql://u:p@localhost/db?sslmode=Required")]
    public async Task Known_ssl_modes_are_accepted(string url)
    {
        await using var sink = SqlSinkFactory.Create(new SqlSinkOptions { Name = "s", DatabaseUrl = url });

        Assert.NotNull(sink);
    }

    [Theory]
    [InlineData("postgresql://u:hunter2@localhost/db?sslmode=sometimes")]
    [InlineData("mysql://u:hunter2@localhost/db?sslmode=sometimes")]
    public void An_unknown_ssl_mode_is_rejected_without_the_password(string url)
    {
        var error = Assert.Throws<ArgumentException>(() => SqlSinkFactory.Create(new SqlSinkOptions { Name = "s", DatabaseUrl = url }));

        Assert.Contains("sslmode='sometimes'", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", error.Message, StringComparison.Ordinal);
    }
}
