using System.Buffers;

namespace Spillway.Sinks;

/// <summary>
/// A query's rows as <see cref="CsvFields"/> records while they stream from the database (see
/// <see cref="ITableReader.CopyCsvAsync"/>). Synchronous: it is read on one thread, which it blocks on the database.
/// </summary>
public interface ICsvRecordSource
{
    /// <summary>
    /// Appends whole records to <paramref name="output"/> until they come to at least <paramref name="minBytes"/>
    /// or the result ends; returns the number of records appended, 0 once the result has ended.
    /// </summary>
    int Fill(ArrayBufferWriter<byte> output, int minBytes);
}
