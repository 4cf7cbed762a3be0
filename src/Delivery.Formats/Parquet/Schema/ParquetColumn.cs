namespace Delivery.Formats.Parquet.Schema;

/// <summary>One top-level column of a Parquet schema, as configured.</summary>
/// <param name="Name">The column name; JSON keys are matched against it (see <see cref="Json.JsonConversionOptions"/>).</param>
/// <param name="Type">A Glue type string such as <c>bigint</c>, <c>decimal(10,2)</c> or <c>array&lt;struct&lt;k:string&gt;&gt;</c>.</param>
/// <param name="Nullable">When false, a record without a value for the column cannot be converted.</param>
/// <param name="TimestampUnit">The precision of every timestamp in this column, nested ones included.</param>
public sealed record ParquetColumn(string Name, string Type, bool Nullable = true, TimestampUnit TimestampUnit = TimestampUnit.Milliseconds);
