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
        { CompressionFormat.Zip, CompressionLevel.Fastest },
        { CompressionFormat.Zip, CompressionLevel.Optimal },
        { CompressionFormat.Snappy, CompressionLevel.Fastest },
        { CompressionFormat.HadoopSnappy, CompressionLevel.Fastest },
    };

    [Theory]
    [InlineData(CompressionFormat.Zip)]
    [InlineData(CompressionFormat.Snappy)]
    [InlineData(CompressionFormat.HadoopSnappy)]
    [InlineData(CompressionFormat.Gzip)]
    public void RoundTrip_OfInputSpanningManyBlocks_IsExact(CompressionFormat format)
    {
        // 700 KB: several Snappy chunks (64 KiB) and Hadoop blocks (128 KiB), half compressible text, half random bytes.
        var random = new Random(7);
        byte[] input = new byte[700_000];
        const string Text = "{\"event\":\"click\",\"n\":12}\n";
        for (int i = 0; i < 350_000; i++)
        {
            input[i] = (byte)Text[i % Text.Length];
        }

        random.NextBytes(input.AsSpan(350_000));
        ICompressionCodec codec = CompressionCodecs.BuiltIn.Create(format);

        byte[] compressed = Compress(codec, output => output.Write(input));

        Decompress(codec, compressed).ShouldBe(input);
    }

    [Fact]
    public void Zip_SameInput_GivesTheSameBytes_SoARetriedBatchOverwritesWithIdenticalContent()
    {
        byte[] first = Compress(new ZipCodec(), output => output.Write("{\"a\":1}\n"u8));
        byte[] second = Compress(new ZipCodec(), output => output.Write("{\"a\":1}\n"u8));

        second.ShouldBe(first);
        using var archive = new ZipArchive(new MemoryStream(first), ZipArchiveMode.Read);
        archive.Entries.Single().FullName.ShouldBe(ZipCodec.EntryName);
    }

    [Fact]
    public void SnappyFramed_StartsWithTheStreamIdentifier_EvenWhenEmpty()
    {
        byte[] compressed = Compress(SnappyFramedCodec.Instance, _ => { });

        compressed.ShouldBe(new byte[] { 0xFF, 0x06, 0x00, 0x00, (byte)'s', (byte)'N', (byte)'a', (byte)'P', (byte)'p', (byte)'Y' });
    }

    [Fact]
    public void SnappyFramed_RejectsAChunkWhoseChecksumDoesNotMatch()
    {
        byte[] compressed = Compress(SnappyFramedCodec.Instance, output => output.Write("hello hello hello hello"u8));
        compressed[14] ^= 0xFF; // first byte of the first chunk's checksum

        Should.Throw<InvalidDataException>(() => Decompress(SnappyFramedCodec.Instance, compressed)).Message.ShouldContain("checksum");
    }

    [Fact]
    public void HadoopSnappy_FramesEachBlockWithBigEndianLengths()
    {
        byte[] input = new byte[HadoopSnappyCodec.BlockSize + 10];
        byte[] compressed = Compress(HadoopSnappyCodec.Instance, output => output.Write(input));

        System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(compressed).ShouldBe((uint)HadoopSnappyCodec.BlockSize);
        int firstCompressed = (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(compressed.AsSpan(4));
        System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(compressed.AsSpan(8 + firstCompressed)).ShouldBe(10u);
    }

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

        new ZipCodec().FileExtension.ShouldBe(".zip");
        new ZipCodec().ContentType.ShouldBe("application/zip");
        SnappyFramedCodec.Instance.FileExtension.ShouldBe(".snappy");
        SnappyFramedCodec.Instance.ContentType.ShouldBe("application/x-snappy-framed");
        HadoopSnappyCodec.Instance.FileExtension.ShouldBe(".hsnappy");
        HadoopSnappyCodec.Instance.ContentEncoding.ShouldBeNull();

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
        extended.SupportedFormats.Count.ShouldBe(6);
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
