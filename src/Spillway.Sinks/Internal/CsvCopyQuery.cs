namespace Spillway.Sinks.Internal;

/// <summary>A read the database answers as CSV: the reader's columns and the query's conditions, checked already.</summary>
/// <param name="Table">The table.</param>
/// <param name="IdColumn">The id column, the order of the rows.</param>
/// <param name="Columns">The columns, the id first.</param>
/// <param name="Conditions">Conditions on columns of <paramref name="Columns"/>, with values as <see cref="ReadColumn.TryParse"/> makes them.</param>
/// <param name="After">Only ids greater than this.</param>
/// <param name="Limit">Most rows.</param>
internal sealed record CsvCopyQuery(
    string Table,
    string IdColumn,
    IReadOnlyList<ReadColumn> Columns,
    IReadOnlyList<(ReadColumn Column, FilterOperator Operator, object Value)> Conditions,
    Guid? After,
    int? Limit);
