using System.IO.Compression;

namespace Delivery.Formats.Compression;

/// <summary>
/// A <see cref="GZipStream"/> that always leaves a complete gzip member behind. The runtime writes nothing at all when
/// nothing was written to it, and a zero-byte ".gz" object is an error for <c>gzip -d</c> and for query engines, while
/// an empty batch file (empty records, empty delimiter) is legitimate.
/// </summary>
internal sealed class GzipCompressorStream(Stream destination, CompressionLevel level) : WriteOnlyStream
{
    // What `gzip -n` writes for empty input: header without name or time, an empty final stored block, CRC 0, size 0.
    private static readonly byte[] EmptyMember =
    [
        0x1F, 0x8B, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03,
        0x03, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    ];

    private readonly GZipStream _gzip = new(destination, level, leaveOpen: true);
    private bool _wroteAny;

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        _wroteAny |= !buffer.IsEmpty;
        _gzip.Write(buffer);
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        _wroteAny |= !buffer.IsEmpty;
        return _gzip.WriteAsync(buffer, cancellationToken);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush() => _gzip.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => _gzip.FlushAsync(cancellationToken);

    protected override void Dispose(bool disposing)
    {
        if (disposing && !Disposed)
        {
            Disposed = true;
            _gzip.Dispose();
            if (!_wroteAny)
            {
                destination.Write(EmptyMember);
            }
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        if (!Disposed)
        {
            Disposed = true;
            await _gzip.DisposeAsync().ConfigureAwait(false);
            if (!_wroteAny)
            {
                await destination.WriteAsync(EmptyMember).ConfigureAwait(false);
            }
        }

        await base.DisposeAsync().ConfigureAwait(false);
    }
}
