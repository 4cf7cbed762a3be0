namespace Delivery.Formats;

/// <summary>
/// Turns a batch's records into the bytes of one file (NDJSON now, Parquet later), before compression. Formatting is
/// CPU work into memory, so it is synchronous; the destination uploads the result. Implementations are stateless and
/// safe to share between threads.
/// </summary>
public interface IBatchFormatter
{
    /// <summary>The media type of the formatted (uncompressed) bytes, such as "application/x-ndjson".</summary>
    string ContentType { get; }

    /// <summary>What a file of this format ends with before any codec's extension, including the dot, or "" for none.</summary>
    string FileExtension { get; }

    /// <summary>Writes every record of <paramref name="records"/>, in order, to <paramref name="destination"/>, leaving it open.</summary>
    void Write(IReadOnlyList<SourceRecord> records, Stream destination);
}
