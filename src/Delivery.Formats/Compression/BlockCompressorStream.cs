namespace Delivery.Formats.Compression;

/// <summary>
/// A write-only stream that cuts what is written into blocks of a fixed size and hands each full block (and the last,
/// shorter one on dispose) to <see cref="WriteBlock"/>: the shape of both Snappy framings. The destination stays open.
/// The block and the room for its compressed form are pooled: a stream per object allocates no large arrays.
/// </summary>
internal abstract class BlockCompressorStream(Stream destination, int blockSize) : WriteOnlyStream
{
    private byte[] _block = System.Buffers.ArrayPool<byte>.Shared.Rent(blockSize);
    private byte[] _compressed = System.Buffers.ArrayPool<byte>.Shared.Rent(Snappier.Snappy.GetMaxCompressedLength(blockSize));
    private int _used;

    protected Stream Destination { get; } = destination;

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(Disposed, this);
        while (!buffer.IsEmpty)
        {
            int take = Math.Min(buffer.Length, blockSize - _used);
            buffer[..take].CopyTo(_block.AsSpan(_used));
            _used += take;
            buffer = buffer[take..];
            if (_used == blockSize)
            {
                WriteBlock(_block.AsSpan(0, blockSize));
                _used = 0;
            }
        }
    }

    public override void Flush()
    {
    }

    /// <summary>Room for one block's Snappy-compressed form.</summary>
    protected Span<byte> CompressedBuffer => _compressed;

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
            System.Buffers.ArrayPool<byte>.Shared.Return(_block);
            System.Buffers.ArrayPool<byte>.Shared.Return(_compressed);
            _block = _compressed = [];
        }

        base.Dispose(disposing);
    }
}
