using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using Delivery.Transforms.Processing;

namespace Delivery.Transforms.BuiltIn;

/// <summary>
/// Firehose's <c>Decompression</c> processor (gzip), as used for CloudWatch Logs subscriptions, whose records arrive
/// gzipped. A record that is not gzip, or that decompresses past the limit, goes to the backup bucket under
/// <c>decompression-failed</c> with its original bytes.
/// </summary>
public sealed class DecompressionStage : RecordStage
{
    /// <summary>Decompressed bytes per record at most, by default: a guard against a compression bomb.</summary>
    public const long DefaultMaxDecompressedBytes = 64L * 1024 * 1024;

    private readonly long _maxBytes;

    public DecompressionStage(long maxDecompressedBytes = DefaultMaxDecompressedBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDecompressedBytes, 1);
        _maxBytes = maxDecompressedBytes;
    }

    public override string Name => "Decompression";

    protected override string UnexpectedErrorCode => TransformErrorCodes.DecompressionFailed;

    protected override string UnexpectedErrorOutputType => ErrorOutputTypes.DecompressionFailed;

    protected override void Process(ProcessingRun run, in ChainRecord record, List<ChainRecord> output)
    {
        ReadOnlySpan<byte> data = record.Data.Span;
        if (data.Length < 18 || data[0] != 0x1f || data[1] != 0x8b)
        {
            run.Fail(record.SourceIndex, TransformErrorCodes.DecompressionFailed, "The record is not gzip data (it does not start with the gzip magic bytes 1f 8b).", ErrorOutputTypes.DecompressionFailed);
            return;
        }

        try
        {
            using var input = new ReadOnlyMemoryStream(record.Data);
            using var gzip = new GZipStream(input, CompressionMode.Decompress);
            var buffer = new ArrayBufferWriter<byte>(Math.Max(256, data.Length * 4));
            while (true)
            {
                int read = gzip.Read(buffer.GetSpan(64 * 1024));
                if (read == 0)
                {
                    break;
                }

                buffer.Advance(read);
                if (buffer.WrittenCount > _maxBytes)
                {
                    run.Fail(record.SourceIndex, TransformErrorCodes.DecompressedTooLarge,
                        $"The record decompresses to more than {_maxBytes} bytes.", ErrorOutputTypes.DecompressionFailed);
                    return;
                }
            }

            // GZipStream stops quietly at the end of a truncated record; the trailer's size (mod 2^32) says whether
            // all of it was there.
            uint trailerSize = BinaryPrimitives.ReadUInt32LittleEndian(data[^4..]);
            if (trailerSize != unchecked((uint)buffer.WrittenCount))
            {
                run.Fail(record.SourceIndex, TransformErrorCodes.DecompressionFailed,
                    $"The record decompresses to {buffer.WrittenCount} bytes but its gzip trailer says {trailerSize}: it is truncated or corrupt (or holds several gzip members, which is not supported).",
                    ErrorOutputTypes.DecompressionFailed);
                return;
            }

            output.Add(record with { Data = buffer.WrittenMemory });
        }
        catch (InvalidDataException ex)
        {
            run.Fail(record.SourceIndex, TransformErrorCodes.DecompressionFailed, $"The record is not valid gzip data: {ex.Message}", ErrorOutputTypes.DecompressionFailed);
        }
    }

    /// <summary>A read-only stream over memory, so a record's bytes are decompressed without a copy.</summary>
    private sealed class ReadOnlyMemoryStream(ReadOnlyMemory<byte> memory) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => memory.Length;

        public override long Position
        {
            get => _position;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int count = Math.Min(buffer.Length, memory.Length - _position);
            memory.Span.Slice(_position, count).CopyTo(buffer);
            _position += count;
            return count;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
