using System.Text;

namespace Delivery.IntegrationTests.EndToEnd;

/// <summary>Deterministic record sets of the shapes users send: JSON, empty objects, binary, unicode text, large blobs.</summary>
internal static class RecordMix
{
    private const string Unicode = "héllo wörld ☃ 日本語 😀 ";

    /// <summary>Mixed sizes from 20 B to 900 KiB: UTF-8 JSON, empty JSON objects, binary (with newline bytes), unicode, a few large.</summary>
    public static List<byte[]> Mixed(int count, Random random, int largeRecords)
    {
        var records = new List<byte[]>(count);
        var largeAt = new HashSet<int>(Enumerable.Range(0, largeRecords).Select(i => (int)((i + 0.5) * count / largeRecords)));
        for (int i = 0; i < count; i++)
        {
            if (largeAt.Contains(i))
            {
                records.Add(i % 2 == 0 ? Binary(random, random.Next(100 * 1024, 900 * 1024 + 1)) : Text(random, 900 * 1024));
                continue;
            }

            int kind = random.Next(100);
            records.Add(kind switch
            {
                < 40 => Json(random, i),
                < 55 => "{}"u8.ToArray(),
                < 80 => Binary(random, random.Next(20, 2048)),
                _ => Text(random, random.Next(20, 8192)),
            });
        }

        return records;
    }

    /// <summary>Small records (20 B to 2 KiB) for scenarios where volume does not matter.</summary>
    public static List<byte[]> Small(int count, Random random) =>
        [.. Enumerable.Range(0, count).Select(i => random.Next(3) switch
        {
            0 => Json(random, i),
            1 => Binary(random, random.Next(20, 2048)),
            _ => Text(random, random.Next(20, 2048)),
        })];

    private static byte[] Json(Random random, int i) =>
        Encoding.UTF8.GetBytes($$"""{"id":{{i}},"user":"u-{{random.Next(100000)}}","event":"page_view","path":"/p/{{random.Next(1000)}}"}""");

    private static byte[] Binary(Random random, int length)
    {
        byte[] data = new byte[length];
        random.NextBytes(data);
        data[0] = (byte)'\n';
        return data;
    }

    private static byte[] Text(Random random, int length)
    {
        var text = new StringBuilder(length);
        int bytes = 0;
        while (bytes < length - 64)
        {
            string piece = Unicode + random.Next();
            text.Append(piece);
            bytes += Encoding.UTF8.GetByteCount(piece);
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }
}
