namespace Delivery.Formats.Compression;

/// <summary>
/// A write-only stream that cuts what is written into blocks of a fixed size and hands each full block (and the last,
/// shorter one on dispose) to <see cref="WriteBlock"/>: the shape of both Snappy framings. The destination stays open.
/// </summary>
internal abstract class BlockCompressorStream(Stream destination, int blockSize) : WriteOnlyStream
{
    private readonly byte[] _block = new byte[blockSize];
    private int _used;

    protected Stream Destination { get; } = destination;

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(Disposed, this);
        while (!buffer.IsEmpty)
        {
            int take = Math.Min(buffer.Length, _block.Length - _used);
            buffer[..take].CopyTo(_block.AsSpan(_used));
            _used += take;
            buffer = buffer[take..];
            if (_used == _block.Length)
            {
                WriteBlock(_block);
                _used = 0;
            }
        }
    }

    public override void Flush()
    {
    }

    /// <summary>Compresses and writes one block of at most the block size.</summary>
    protected abstract void WriteBlock(ReadOnlySpan<byte> block);

    /// <summary>Called once after the last block; writes anything the format needs at the end (or for an empty stream).</summary>
    protected virtual void Complete()
    {
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !Disposed)
        {
            Disposed = true;
            if (_used > 0)
            {
                WriteBlock(_block.AsSpan(0, _used));
                _used = 0;
            }

            Complete();
        }

        base.Dispose(disposing);
    }
}
