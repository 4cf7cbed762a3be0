namespace Delivery.Formats.Parquet.Json;

/// <summary>
/// How JSON records are matched to the schema: the OpenX JSON SerDe options Firehose offers, the timestamp formats of
/// its Hive JSON SerDe, and a catch-all column for fields the schema does not name.
/// </summary>
public sealed record JsonConversionOptions
{
    /// <summary>Match JSON keys to column and field names ignoring case (OpenX <c>case.insensitive</c>). Default true.</summary>
    public bool CaseInsensitive { get; init; } = true;

    /// <summary>Read a key such as <c>a.b</c> as <c>a_b</c> before matching (OpenX <c>ConvertDotsInJsonKeysToUnderscores</c>). Default false.</summary>
    public bool ConvertDotsInJsonKeysToUnderscores { get; init; }

    /// <summary>
    /// Top-level columns whose JSON key differs from the column name, column name to JSON key (OpenX
    /// <c>ColumnToJsonKeyMappings</c>), for keys that are reserved words or not valid column names. Default none.
    /// </summary>
    public IReadOnlyDictionary<string, string> ColumnToJsonKeyMappings { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// How timestamp values are read, tried in order: <c>iso8601</c> (ISO-8601 and <c>yyyy-MM-dd HH:mm:ss[.fffffffff]</c>,
    /// UTC unless an offset is given), <c>millis</c> and <c>seconds</c> (epoch numbers, also as numeric strings), or a
    /// Joda-Time pattern such as <c>dd/MM/yyyy HH:mm:ss</c>. Default: iso8601 alone.
    /// </summary>
    public IReadOnlyList<string> TimestampFormats { get; init; } = [];

    /// <summary>
    /// When set, top-level fields the schema does not name are kept as one JSON object in this extra string column
    /// (Delivery's addition). Default null: such fields are dropped, as Firehose does.
    /// </summary>
    public string? CatchAllColumn { get; init; }

    /// <summary>What is wrong with <paramref name="formats"/> as <see cref="TimestampFormats"/>, or null when they are usable.</summary>
    public static string? TimestampFormatsProblem(IReadOnlyList<string> formats)
    {
        ArgumentNullException.ThrowIfNull(formats);
        return TimestampReader.Validate(formats);
    }
}
