using System.Buffers;
using System.Text;
using Delivery.Pages;

namespace Delivery.Formats.Ndjson;

/// <summary>
/// Writes each record's bytes exactly as they are, each followed by a delimiter: newline-delimited JSON when the records
/// are JSON documents, and what Firehose writes when records carry their own newline. Records are neither parsed nor
/// validated.
/// </summary>
public sealed class NewlineDelimitedFormatter : IBatchFormatter
{
    /// <summary>The most bytes a delimiter may take in UTF-8.</summary>
    public const int MaxDelimiterBytes = 64;

    // Small records are copied into one buffer and handed on together: a compressor pays a fixed cost per Write call,
    // which dominates for records of a few hundred bytes.
    private const int CoalescingBufferBytes = 64 * 1024;

    private readonly byte[] _delimiter;

    /// <summary>Creates a formatter that ends every record with <paramref name="delimiter"/>.</summary>
    /// <param name="delimiter">
    /// Default "\n". Any string of at most <see cref="MaxDelimiterBytes"/> UTF-8 bytes; "" concatenates records as they are.
    /// </param>
    public NewlineDelimitedFormatter(string delimiter = "\n")
    {
        ArgumentNullException.ThrowIfNull(delimiter);
        _delimiter = Encoding.UTF8.GetBytes(delimiter);
        if (_delimiter.Length > MaxDelimiterBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(delimiter), $"A record delimiter takes at most {MaxDelimiterBytes} UTF-8 bytes.");
        }

        Delimiter = delimiter;
    }

    /// <summary>What follows every record.</summary>
    public string Delimiter { get; }

    public string ContentType => "application/x-ndjson";

    public string FileExtension => "";

    public FormatResult Write(IReadOnlyList<SourceRecord> records, Stream destination)
    {
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(destination);
        ReadOnlySpan<byte> delimiter = _delimiter;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(CoalescingBufferBytes);
        try
        {
            int used = 0;
            foreach (ReadOnlySpan<byte> data in new RecordDataSpans(records))
            {
                int needed = data.Length + delimiter.Length;
                if (needed > buffer.Length - used)
                {
                    destination.Write(buffer, 0, used);
                    used = 0;
                }

                if (needed > buffer.Length)
                {
                    destination.Write(data);
                    destination.Write(delimiter);
                    continue;
                }

                data.CopyTo(buffer.AsSpan(used));
                delimiter.CopyTo(buffer.AsSpan(used + data.Length));
                used += needed;
            }

            destination.Write(buffer, 0, used);
            return FormatResult.AllWritten(records.Count);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
