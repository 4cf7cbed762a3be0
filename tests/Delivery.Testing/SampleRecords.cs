using System.Globalization;
using System.Text;

namespace Delivery.Testing;

/// <summary>Records that tend to break formatters and codecs: empty, binary with newlines, large, multi-byte UTF-8.</summary>
public static class SampleRecords
{
    private static readonly DateTimeOffset Arrival = new(2026, 3, 4, 5, 6, 7, TimeSpan.Zero);

    public static SourceRecord Record(int sequence, byte[] data) =>
        new(new ShardPosition(sequence.ToString(CultureInfo.InvariantCulture)), "pk", Arrival, data);

    public static IReadOnlyList<SourceRecord> Mixed()
    {
        var random = new Random(42);
        byte[] binary = new byte[4096];
        random.NextBytes(binary);
        binary[0] = 0x0A;
        binary[100] = 0x0A;
        binary[^1] = 0x0A;
        byte[] large = new byte[900 * 1024];
        random.NextBytes(large);
        return
        [
            Record(1, Encoding.UTF8.GetBytes("{\"id\":1}")),
            Record(2, []),
            Record(3, binary),
            Record(4, Encoding.UTF8.GetBytes("{\"name\":\"Zoë 🚀 東京\"}")),
            Record(5, large),
            Record(6, [0x0A, 0x0A, 0x00, 0xFF]),
            Record(7, []),
        ];
    }

    /// <summary>
    /// Incompressible records of <paramref name="recordBytes"/> each until at least <paramref name="totalBytes"/>, with
    /// consecutive sequence numbers from 100: sizes after gzip stay predictable, which multipart tests rely on.
    /// </summary>
    public static IReadOnlyList<SourceRecord> Random(long totalBytes, int recordBytes, int seed = 7)
    {
        var random = new Random(seed);
        var records = new List<SourceRecord>();
        for (long written = 0; written < totalBytes; written += recordBytes)
        {
            byte[] data = new byte[recordBytes];
            random.NextBytes(data);
            records.Add(Record(100 + records.Count, data));
        }

        return records;
    }

    /// <summary>What a delimited file of <paramref name="records"/> must hold, built the obvious way.</summary>
    public static byte[] Joined(IEnumerable<SourceRecord> records, string delimiter)
    {
        byte[] delimiterBytes = Encoding.UTF8.GetBytes(delimiter);
        var expected = new MemoryStream();
        foreach (SourceRecord record in records)
        {
            expected.Write(record.Data.Span);
            expected.Write(delimiterBytes);
        }

        return expected.ToArray();
    }
}
