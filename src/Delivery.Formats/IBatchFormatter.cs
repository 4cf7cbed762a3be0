namespace Delivery.Formats;

/// <summary>
/// Turns a batch's records into the bytes of one file (NDJSON, Parquet), before compression. Formatting is CPU work
/// into memory, so it is synchronous; the destination uploads the result. Implementations are stateless and safe to
/// share between threads.
/// </summary>
public interface IBatchFormatter
{
    /// <summary>The media type of the formatted (uncompressed) bytes, such as "application/x-ndjson".</summary>
    string ContentType { get; }

    /// <summary>What a file of this format ends with before any codec's extension, including the dot, or "" for none.</summary>
    string FileExtension { get; }

    /// <summary>
    /// Writes the records of <paramref name="records"/> it can convert, in order, to <paramref name="destination"/>,
    /// leaving it open, and reports the ones it could not convert. A record is either wholly in the file or reported.
    /// </summary>
    FormatResult Write(IReadOnlyList<SourceRecord> records, Stream destination);
}

/// <summary>What a formatter did with a batch.</summary>
public sealed class FormatResult
{
    public FormatResult(int recordsWritten, IReadOnlyList<RecordFormatFailure> failures)
    {
        ArgumentNullException.ThrowIfNull(failures);
        RecordsWritten = recordsWritten;
        Failures = failures;
    }

    /// <summary>How many records are in the file.</summary>
    public int RecordsWritten { get; }

    /// <summary>The records left out of the file, by index into the batch, in order.</summary>
    public IReadOnlyList<RecordFormatFailure> Failures { get; }

    /// <summary>Every one of <paramref name="count"/> records was written.</summary>
    public static FormatResult AllWritten(int count) => new(count, []);
}

/// <summary>A record a formatter could not convert; it goes to the backup bucket as <c>format-conversion-failed</c>.</summary>
/// <param name="Index">Index into the batch's records.</param>
/// <param name="ErrorCode">Such as "DataFormatConversion.InvalidValue".</param>
/// <param name="ErrorMessage">What did not fit and where (column path, value, expected type).</param>
public readonly record struct RecordFormatFailure(int Index, string ErrorCode, string ErrorMessage);
