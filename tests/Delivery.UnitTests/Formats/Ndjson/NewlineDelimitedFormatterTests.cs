using System.Text;
using Delivery.Formats.Ndjson;
using Delivery.Testing;

namespace Delivery.UnitTests.Formats.Ndjson;

public sealed class NewlineDelimitedFormatterTests
{
    [Fact]
    public void Write_EmitsEachRecordsExactBytesFollowedByANewline()
    {
        IReadOnlyList<SourceRecord> records = SampleRecords.Mixed();
        var output = new MemoryStream();

        new NewlineDelimitedFormatter().Write(records, output);

        output.ToArray().ShouldBe(SampleRecords.Joined(records, "\n"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("\r\n")]
    [InlineData("|§|")]
    public void Write_UsesTheConfiguredDelimiterEncodedAsUtf8(string delimiter)
    {
        IReadOnlyList<SourceRecord> records = SampleRecords.Mixed();
        var output = new MemoryStream();

        new NewlineDelimitedFormatter(delimiter).Write(records, output);

        output.ToArray().ShouldBe(SampleRecords.Joined(records, delimiter));
    }

    [Fact]
    public void Write_KeepsOrder_WhenRecordsStraddleTheCoalescingBuffer()
    {
        // Sizes around 64 KiB exercise the flush-before-copy and the write-through paths next to each other.
        int[] sizes = [1, 65535, 65536, 65537, 3, 200_000, 0, 65534, 7];
        var records = sizes.Select((size, i) => SampleRecords.Record(i, Enumerable.Range(0, size).Select(b => (byte)(b * 31 + i)).ToArray())).ToList();
        var output = new MemoryStream();

        new NewlineDelimitedFormatter().Write(records, output);

        output.ToArray().ShouldBe(SampleRecords.Joined(records, "\n"));
    }

    [Fact]
    public void Write_ManySmallRecords_AreCoalescedIntoFewWrites()
    {
        var records = Enumerable.Range(0, 10_000).Select(i => SampleRecords.Record(i, Encoding.UTF8.GetBytes($"{{\"i\":{i}}}"))).ToList();
        var output = new CountingStream();

        new NewlineDelimitedFormatter().Write(records, output);

        output.Bytes.ToArray().ShouldBe(SampleRecords.Joined(records, "\n"));
        output.WriteCalls.ShouldBeLessThan(10);
    }

    [Fact]
    public void Constructor_RejectsADelimiterLongerThanTheLimit()
    {
        Should.Throw<ArgumentOutOfRangeException>(() => new NewlineDelimitedFormatter(new string('x', NewlineDelimitedFormatter.MaxDelimiterBytes + 1)));
    }

    [Fact]
    public void Describes_NdjsonWithoutAnExtension()
    {
        var formatter = new NewlineDelimitedFormatter();

        formatter.ContentType.ShouldBe("application/x-ndjson");
        formatter.FileExtension.ShouldBe("");
        formatter.Delimiter.ShouldBe("\n");
    }

    private sealed class CountingStream : Stream
    {
        public MemoryStream Bytes { get; } = new();

        public int WriteCalls { get; private set; }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => Bytes.Length;

        public override long Position { get => Bytes.Position; set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            WriteCalls++;
            Bytes.Write(buffer);
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
