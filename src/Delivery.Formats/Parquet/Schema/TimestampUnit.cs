namespace Delivery.Formats.Parquet.Schema;

/// <summary>The precision a <c>timestamp</c> column is stored at: INT64 UTC instants with the Parquet TIMESTAMP logical type.</summary>
public enum TimestampUnit
{
    /// <summary>Milliseconds since the Unix epoch (what Athena and Hive show without loss).</summary>
    Milliseconds = 0,

    /// <summary>Microseconds since the Unix epoch (Spark's and DuckDB's native precision).</summary>
    Microseconds = 1,
}
