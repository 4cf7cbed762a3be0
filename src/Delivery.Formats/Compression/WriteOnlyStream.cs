namespace Delivery.Formats.Compression;

/// <summary>
/// The members of <see cref="Stream"/> a compressor that is only written to has no use for: not readable, not
/// seekable, no length or position, and writable until disposed. Compressors implement the span
/// <see cref="Write(ReadOnlySpan{byte})"/>, which the array overload forwards to, and their own disposal.
/// </summary>
internal abstract class WriteOnlyStream : Stream
{
    /// <summary>Set by the compressor when it is disposed; the stream is no longer writable then.</summary>
    protected bool Disposed { get; set; }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => !Disposed;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public abstract override void Write(ReadOnlySpan<byte> buffer);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
