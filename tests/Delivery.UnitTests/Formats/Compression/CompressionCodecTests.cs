using System.IO.Compression;
using Delivery.Formats.Compression;
using Delivery.Formats.Ndjson;
using Delivery.Testing;

namespace Delivery.UnitTests.Formats.Compression;

public sealed class CompressionCodecTests
{
    public static TheoryData<CompressionFormat, CompressionLevel> Codecs() => new()
    {
        { CompressionFormat.Uncompressed, CompressionLevel.Fastest },
        { CompressionFormat.Gzip, CompressionLevel.Fastest },
        { CompressionFormat.Gzip, CompressionLevel.Optimal },
        { CompressionFormat.Gzip, CompressionLevel.SmallestSize },
    };

    [Theory]
    [MemberData(nameof(Codecs))]
    public void RoundTrip_GivesBackTheFormattedBytesExactly(CompressionFormat format, CompressionLevel level)
    {
        ICompressionCodec codec = CompressionCodecs.BuiltIn.Create(format, level);
        IReadOnlyList<SourceRecord> records = SampleRecords.Mixed();

        byte[] compressed = Compress(codec, output => new NewlineDelimitedFormatter().Write(records, output));

        Decompress(codec, compressed).ShouldBe(SampleRecords.Joined(records, "\n"));
    }

    [Theory]
    [MemberData(nameof(Codecs))]
    public void RoundTrip_OfNothing_GivesNothing(CompressionFormat format, CompressionLevel level)
    {
        ICompressionCodec codec = CompressionCodecs.BuiltIn.Create(format, level);

        byte[] compressed = Compress(codec, _ => { });

        Decompress(codec, compressed).ShouldBeEmpty();
    }

    [Fact]
    public void Gzip_WritesAStandardGzipFileThatAnyGzipReaderDecodes()
    {
        IReadOnlyList<SourceRecord> records = SampleRecords.Mixed();
        byte[] compressed = Compress(new GzipCodec(), output => new NewlineDelimitedFormatter().Write(records, output));

        compressed[0].ShouldBe((byte)0x1F);
        compressed[1].ShouldBe((byte)0x8B);
        compressed[2].ShouldBe((byte)8, "compression method deflate");
        using var reader = new GZipStream(new MemoryStream(compressed), CompressionMode.Decompress);
        var decompressed = new MemoryStream();
        reader.CopyTo(decompressed);
        decompressed.ToArray().ShouldBe(SampleRecords.Joined(records, "\n"));
    }

    [Fact]
    public void Gzip_OfNothing_IsStillAValidGzipFile()
    {
        byte[] compressed = Compress(new GzipCodec(), _ => { });

        compressed.Length.ShouldBeGreaterThanOrEqualTo(18);
        compressed[0].ShouldBe((byte)0x1F);
        compressed[1].ShouldBe((byte)0x8B);
    }

    [Theory]
    [MemberData(nameof(Codecs))]
    public void Compressor_LeavesTheDestinationOpen(CompressionFormat format, CompressionLevel level)
    {
        ICompressionCodec codec = CompressionCodecs.BuiltIn.Create(format, level);
        var destination = new MemoryStream();

        using (Stream compressor = codec.CreateCompressor(destination))
        {
            compressor.Write([1, 2, 3]);
        }

        destination.CanWrite.ShouldBeTrue();
        destination.Position = 0;
        using Stream decompressor = codec.CreateDecompressor(destination);
        var roundTripped = new MemoryStream();
        decompressor.CopyTo(roundTripped);
        roundTripped.ToArray().ShouldBe(new byte[] { 1, 2, 3 });
        destination.CanRead.ShouldBeTrue();
    }

    [Fact]
    public void Codecs_DescribeTheirFiles()
    {
        var gzip = new GzipCodec(CompressionLevel.Optimal);
        gzip.Format.ShouldBe(CompressionFormat.Gzip);
        gzip.Level.ShouldBe(CompressionLevel.Optimal);
        gzip.FileExtension.ShouldBe(".gz");
        gzip.ContentType.ShouldBe("application/gzip");
        gzip.ContentEncoding.ShouldBe("gzip");

        UncompressedCodec.Instance.Format.ShouldBe(CompressionFormat.Uncompressed);
        UncompressedCodec.Instance.FileExtension.ShouldBe("");
        UncompressedCodec.Instance.ContentType.ShouldBeNull();
        UncompressedCodec.Instance.ContentEncoding.ShouldBeNull();
    }

    [Fact]
    public void Registry_RejectsAFormatItHasNoCodecFor_AndAcceptsAPluggedInOne()
    {
        var unknown = (CompressionFormat)99;

        Should.Throw<NotSupportedException>(() => CompressionCodecs.BuiltIn.Create(unknown)).Message.ShouldContain("99");
        CompressionCodecs extended = CompressionCodecs.BuiltIn.With(unknown, _ => new FakeCodec(unknown));

        extended.Create(unknown).ShouldBeOfType<FakeCodec>();
        extended.SupportedFormats.Count.ShouldBe(3);
        CompressionCodecs.BuiltIn.Supports(unknown).ShouldBeFalse();
    }

    [Fact]
    public void Registry_RejectsACodecThatReportsAnotherFormat()
    {
        CompressionCodecs broken = CompressionCodecs.BuiltIn.With(CompressionFormat.Gzip, _ => UncompressedCodec.Instance);

        Should.Throw<InvalidOperationException>(() => broken.Create(CompressionFormat.Gzip));
    }

    private static byte[] Compress(ICompressionCodec codec, Action<Stream> write)
    {
        var destination = new MemoryStream();
        using (Stream compressor = codec.CreateCompressor(destination))
        {
            write(compressor);
        }

        return destination.ToArray();
    }

    private static byte[] Decompress(ICompressionCodec codec, byte[] compressed)
    {
        using Stream decompressor = codec.CreateDecompressor(new MemoryStream(compressed));
        var output = new MemoryStream();
        decompressor.CopyTo(output);
        return output.ToArray();
    }

    private sealed class FakeCodec(CompressionFormat format) : ICompressionCodec
    {
        public CompressionFormat Format => format;

        public string FileExtension => ".fake";

        public string? ContentType => null;

        public string? ContentEncoding => null;

        public Stream CreateCompressor(Stream destination) => throw new NotSupportedException();

        public Stream CreateDecompressor(Stream source) => throw new NotSupportedException();
    }
}
