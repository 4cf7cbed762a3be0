using System.IO.Compression;

namespace Delivery.Formats.Compression;

/// <summary>
/// A ZIP archive holding the batch as one deflated entry (Firehose <c>ZIP</c>), written with
/// <see cref="ZipArchive"/>. The entry's time is fixed, so the same batch always gives the same bytes.
/// </summary>
public sealed class ZipCodec : ICompressionCodec
{
    /// <summary>The name of the one entry in every archive.</summary>
    public const string EntryName = "records.json";

    // The earliest time a ZIP entry can carry; a clock time would make every retry of a batch differ.
    private static readonly DateTimeOffset EntryTime = new(1980, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Creates a codec at <paramref name="level"/> (default <see cref="CompressionLevel.Fastest"/>).</summary>
    public ZipCodec(CompressionLevel level = CompressionLevel.Fastest)
    {
        if (!Enum.IsDefined(level))
        {
            throw new ArgumentOutOfRangeException(nameof(level), level, "Not a defined compression level.");
        }

        Level = level;
    }

    public CompressionLevel Level { get; }

    public CompressionFormat Format => CompressionFormat.Zip;

    public string FileExtension => ".zip";

    public string? ContentType => "application/zip";

    public string? ContentEncoding => null;

    public Stream CreateCompressor(Stream destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        return new Compressor(destination, Level);
    }

    public Stream CreateDecompressor(Stream source)
    {
        ArgumentNullException.ThrowIfNull(source);
        using var archive = new ZipArchive(new MemoryStream(SnappyFramedCodec.ReadAll(source)), ZipArchiveMode.Read);
        ZipArchiveEntry entry = archive.Entries.Count == 1
            ? archive.Entries[0]
            : throw new InvalidDataException($"A Delivery ZIP object holds one entry; this one holds {archive.Entries.Count}.");
        using Stream data = entry.Open();
        return new MemoryStream(SnappyFramedCodec.ReadAll(data), writable: false);
    }

    private sealed class Compressor : WriteOnlyStream
    {
        private readonly ZipArchive _archive;
        private readonly Stream _entry;

        public Compressor(Stream destination, CompressionLevel level)
        {
            _archive = new ZipArchive(destination, ZipArchiveMode.Create, leaveOpen: true);
            ZipArchiveEntry entry = _archive.CreateEntry(EntryName, level);
            entry.LastWriteTime = EntryTime;
            _entry = entry.Open();
        }

        public override void Write(ReadOnlySpan<byte> buffer) => _entry.Write(buffer);

        public override void Flush() => _entry.Flush();

        protected override void Dispose(bool disposing)
        {
            if (disposing && !Disposed)
            {
                Disposed = true;
                _entry.Dispose();
                _archive.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
