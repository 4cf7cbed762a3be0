using System.Text;
using Delivery.Formats.Compression;
using Delivery.Formats.Ndjson;
using Delivery.Testing;

namespace Delivery.IntegrationTests.Formats.Compression;

/// <summary>Compressed objects decoded by implementations nobody here wrote: snappyjs for Snappy blocks, DuckDB for gzip NDJSON.</summary>
public sealed class IndependentDecoderTests
{
    public static TheoryData<string, int> Inputs() => new()
    {
        { "snappy-framed", 0 },
        { "snappy-framed", 1 },
        { "snappy-framed", SnappyFramedCodec.MaxChunkInput },
        { "snappy-framed", 700_001 },
        { "hadoop-snappy", 0 },
        { "hadoop-snappy", 1 },
        { "hadoop-snappy", HadoopSnappyCodec.BlockSize },
        { "hadoop-snappy", 700_001 },
    };

    [Theory]
    [MemberData(nameof(Inputs))]
    public async Task SnappyOutput_DecodedBySnappyJs_IsTheInputByteForByte(string framing, int length)
    {
        byte[] input = MixedBytes(length);
        ICompressionCodec codec = framing == "snappy-framed" ? SnappyFramedCodec.Instance : HadoopSnappyCodec.Instance;

        byte[] compressed = Compress(codec, input);

        compressed.Length.ShouldBeLessThan(Math.Max(64, input.Length), "the text half compresses");
        byte[] decoded = await IndependentReaders.DecodeSnappyAsync(framing, compressed);
        decoded.ShouldBe(input);
    }

    [Fact]
    public async Task GzipNdjson_IsReadByDuckDb_LineForLine()
    {
        string[] lines = [.. Enumerable.Range(0, 3000).Select(i => $$$"""{"n":{{{i}}},"text":"ünïcödé {{{new string('x', i % 50)}}}","nested":{"a":[{{{i}}},null]}}""")];
        var records = lines.Select((line, i) => new SourceRecord(new ShardPosition(i.ToString(System.Globalization.CultureInfo.InvariantCulture)), "k", DateTimeOffset.UnixEpoch, Encoding.UTF8.GetBytes(line))).ToList();
        var destination = new MemoryStream();
        using (Stream gzip = new GzipCodec().CreateCompressor(destination))
        {
            new NewlineDelimitedFormatter().Write(records, gzip);
        }

        IReadOnlyList<string> read = await IndependentReaders.ReadGzipNdjsonWithDuckDbAsync(destination.ToArray());

        read.ShouldBe(lines);
    }

    private static byte[] MixedBytes(int length)
    {
        // First half JSON-like text (compresses), second half random (does not, so stored chunks are exercised too).
        byte[] bytes = new byte[length];
        byte[] text = Encoding.UTF8.GetBytes("{\"event\":\"page_view\",\"url\":\"https://example.com/a/b\",\"n\":42}\n");
        for (int i = 0; i < length / 2; i++)
        {
            bytes[i] = text[i % text.Length];
        }

        new Random(length).NextBytes(bytes.AsSpan(length / 2));
        return bytes;
    }

    private static byte[] Compress(ICompressionCodec codec, byte[] input)
    {
        var destination = new MemoryStream();
        using (Stream compressor = codec.CreateCompressor(destination))
        {
            // Odd-sized writes, so chunk boundaries never line up with them.
            for (int at = 0; at < input.Length; at += 9973)
            {
                compressor.Write(input.AsSpan(at, Math.Min(9973, input.Length - at)));
            }
        }

        return destination.ToArray();
    }
}
