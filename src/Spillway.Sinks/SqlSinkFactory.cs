namespace Spillway.Sinks;

/// <summary>Builds the sink for a database URL's provider.</summary>
public static class SqlSinkFactory
{
    /// <summary>Creates a sink; throws <see cref="ArgumentException"/> naming the problem for a bad URL.</summary>
    public static ISqlSink Create(SqlSinkOptions options) => throw new NotImplementedException();
}
