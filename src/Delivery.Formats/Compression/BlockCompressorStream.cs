namespace Delivery.Formats.Compression;

/// <summary>
/// A write-only stream that cuts what is written into blocks of a fixed size and hands each full block (and the last,
/// shorter one on dispose) to <see cref="WriteBlock"/>: the shape of both Snappy framings. The destination stays open.
/// </summary>
internal abstract class BlockCompressorStream(Stream destination, int blockSize) : Stream
{
    private readonly byte[] _block = new byte[blockSize];
    private int _used;
    private bool _disposed;

    protected Stream Destination { get; } = destination;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => !_disposed;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
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

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>Compresses and writes one block of at most the block size.</summary>
    protected abstract void WriteBlock(ReadOnlySpan<byte> block);

    /// <summary>Called once after the last block; writes anything the format needs at the end (or for an empty stream).</summary>
    protected virtual void Complete()
    {
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
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
