using Delivery.Formats.Parquet.Columns;
using Delivery.Formats.Parquet.Json;
using Delivery.Formats.Parquet.Schema;
using Delivery.Pages;

namespace Delivery.Formats.Parquet;

/// <summary>
/// Converts a batch of JSON records into one Parquet file with the configured schema. A record that does not fit the
/// schema is left out and reported (it goes to the backup bucket as <c>format-conversion-failed</c>); the others are
/// written. Compression happens inside the file, per page, so the destination must not compress again.
/// </summary>
public sealed class ParquetFormatter : IBatchFormatter
{
    /// <summary>The media type registered for Parquet files.</summary>
    public const string MediaType = "application/vnd.apache.parquet";

    private readonly ParquetSchema _schema;
    private readonly JsonConversionOptions _json;
    private readonly ParquetWriterSettings _settings;
    private readonly BufferSizeHints _bufferSizes;

    /// <summary>Creates a formatter; a bad schema or option throws with what is wrong.</summary>
    /// <param name="columns">The configured top-level columns, in file order.</param>
    /// <param name="json">How JSON keys and values are read; default <see cref="JsonConversionOptions"/>.</param>
    /// <param name="settings">Page, row-group, dictionary and compression settings; default Firehose's.</param>
    /// <exception cref="ParquetSchemaException">A column's name or type is invalid.</exception>
    /// <exception cref="ArgumentException">An option is invalid (catch-all column name taken, timestamp format, key mapping).</exception>
    public ParquetFormatter(IReadOnlyList<ParquetColumn> columns, JsonConversionOptions? json = null, ParquetWriterSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(columns);
        _json = json ?? new JsonConversionOptions();
        _settings = settings ?? new ParquetWriterSettings();
        _settings.Validate();
        if (TimestampReader.Validate(_json.TimestampFormats) is { } timestampProblem)
        {
            throw new ArgumentException(timestampProblem, nameof(json));
        }

        List<ParquetColumn> all = [.. columns];
        if (_json.CatchAllColumn is { } catchAll)
        {
            if (columns.Any(column => string.Equals(column.Name, catchAll, StringComparison.OrdinalIgnoreCase)))
            {
                throw new ArgumentException($"The catch-all column '{catchAll}' is also a configured column; give it a name of its own.", nameof(json));
            }

            all.Add(new ParquetColumn(catchAll, "string"));
        }

        foreach (string mapped in _json.ColumnToJsonKeyMappings.Keys)
        {
            if (!columns.Any(column => string.Equals(column.Name, mapped, StringComparison.OrdinalIgnoreCase)))
            {
                throw new ArgumentException($"ColumnToJsonKeyMappings names column '{mapped}', which is not in the schema.", nameof(json));
            }
        }

        _schema = ParquetSchema.Create(all);
        _bufferSizes = new BufferSizeHints(_schema.Leaves.Count);
    }

    /// <summary>The file's schema, the catch-all column included.</summary>
    public ParquetSchema Schema => _schema;

    public string ContentType => MediaType;

    public string FileExtension => ".parquet";

    public FormatResult Write(IReadOnlyList<SourceRecord> records, Stream destination)
    {
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(destination);
        var failures = new List<RecordFormatFailure>();
        using var converter = new JsonRecordConverter(_schema, _json);
        using var record = new ShreddedRecord();
        using var file = new ParquetFileWriter(_schema, _settings, destination, _bufferSizes);
        int written = 0;
        int i = -1;

        // A batch's records are read from their pages' record tables, as the NDJSON formatter reads them, not through a
        // record view each (an indexer's segment lookup and a memory manager's span, twice per record).
        foreach (ReadOnlySpan<byte> data in new RecordDataSpans(records))
        {
            i++;
            try
            {
                converter.Convert(data, record);
            }
            catch (RecordConversionException ex)
            {
                failures.Add(new RecordFormatFailure(i, ex.ErrorCode, ex.Message));
                continue;
            }
#pragma warning disable CA1031 // One record's failure is that record's: what converting it throws (a value .NET cannot read, a bug) leaves it out, not the batch.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                failures.Add(new RecordFormatFailure(i, FormatConversionErrorCodes.InvalidValue, $"The record could not be converted: {ex.Message}"));
                continue;
            }

            file.Append(record, data);
            written++;
        }

        file.Finish();
        return new FormatResult(written, failures);
    }
}
