namespace Spillway.Sinks.Tests;

public sealed class DatabaseUrlTests
{
    [Theory]
    [InlineData("postgresql://spillway:secret@db.example:6543/app", "postgresql", "db.example", 6543, "app")]
    [InlineData("postgres://spillway:secret@db.example/app", "postgresql", "db.example", 5432, "app")]
    [InlineData("mysql://spillway:secret@10.0.0.5:3307/app", "mysql", "10.0.0.5", 3307, "app")]
    [InlineData("mariadb://spillway:secret@db.example/app", "mysql", "db.example", 3306, "app")]
    [InlineData("POSTGRESQL://spillway:secret@[::1]:5433/app", "postgresql", "::1", 5433, "app")]
    public void Server_urls_parse_into_provider_host_port_and_database(string text, string provider, string host, int port, string database)
    {
        var url = DatabaseUrl.Parse(text);

        Assert.Equal(provider, url.Provider);
        Assert.Equal(host, url.Host);
        Assert.Equal(port, url.Port);
        Assert.Equal(database, url.Database);
        Assert.Equal("spillway", url.User);
        Assert.Equal("secret", url.Password);
    }

    [Fact]
    public void User_and_password_are_percent_decoded_and_a_raw_at_sign_or_slash_in_the_password_still_parses()
    {
        var encoded = DatabaseUrl.Parse("postgresql://us%40er:p%40ss%3Aw%2Ford@host:5432/db");
        var raw = DatabaseUrl.Parse("mysql://user:p@ss/w:rd@host/db");

        Assert.Equal(("us@er", "p@ss:w/ord"), (encoded.User, encoded.Password));
        Assert.Equal(("user", "p@ss/w:rd", "host", "db"), (raw.User, raw.Password, raw.Host, raw.Database));
    }

    [Fact]
    public void Sqlite_urls_take_absolute_and_relative_paths()
    {
        var absolute = DatabaseUrl.Parse("sqlite:///var/lib/spillway/spillway.db");
        var relative = DatabaseUrl.Parse("sqlite://data/spillway.db", "/srv/app");

        Assert.Equal("sqlite", absolute.Provider);
        Assert.Equal("/var/lib/spillway/spillway.db", absolute.FilePath);
        Assert.Equal("/srv/app/data/spillway.db", relative.FilePath);
        Assert.Equal("sqlite:///srv/app/data/spillway.db", relative.ToString());
    }

    [Fact]
    public void The_default_database_is_spillway_db_in_the_data_directory()
    {
        var url = DatabaseUrl.Parse(SqlSinkOptions.DefaultDatabaseUrl("/srv/data"));

        Assert.Equal("/srv/data/spillway.db", url.FilePath);
    }

    [Fact]
    public void Query_options_are_read_and_unknown_ones_rejected()
    {
        var url = DatabaseUrl.Parse("postgresql://u:p@h/db?sslmode=require&connect_timeout=2");

        Assert.Equal("require", url.Options["sslmode"]);
        Assert.Equal(TimeSpan.FromSeconds(2), url.SecondsOption("connect_timeout", TimeSpan.Zero));
        var error = Assert.Throws<ArgumentException>(() => DatabaseUrl.Parse("postgresql://u:p@h/db?sslmod=require"));
        Assert.Contains("'sslmod'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "is empty")]
    [InlineData("hunter2", "has no scheme")]
    [InlineData("oracle://u:hunter2@h/db", "unsupported scheme 'oracle'")]
    [InlineData("postgresql://u:hunter2@h:99999/db", "port")]
    [InlineData("postgresql://u:hunter2@h:abc/db", "port")]
    [InlineData("postgresql://u:hunter2/db", "port")]
    [InlineData("postgresql://u:hunter2@/db", "no host")]
    [InlineData("postgresql://u:hunter2@h", "no database name")]
    [InlineData("mysql://:hunter2@h/db", "no user name")]
    [InlineData("mysql://u:hunter2@h/db?connect_timeout=soon", "connect_timeout")]
    [InlineData("sqlite://", "no SQLite file path")]
    [InlineData("sqlite:///tmp/x.db?mode=ro", "'mode'")]
    public void A_bad_url_is_an_ArgumentException_naming_the_problem_without_the_password(string text, string problem)
    {
        var error = Assert.Throws<ArgumentException>(() => DatabaseUrl.Parse(text));

        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", error.Message, StringComparison.Ordinal);
        Assert.Equal("DatabaseUrl", error.ParamName);
    }

    [Fact]
    public void ToString_hides_the_password()
    {
        var url = DatabaseUrl.Parse("postgresql://spillway:hunter2@db.example:5432/app");

        Assert.Equal("postgresql://spillway:***@db.example:5432/app", url.ToString());
    }
}
