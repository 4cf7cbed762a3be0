using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace Delivery.Testing.Fuzzing;

/// <summary>
/// The wrapped payloads per-record steps unwrap, for property tests: gzip members, CloudWatch Logs subscription
/// messages, KPL aggregates and transform responses, each valid or broken in the ways producers and bugs break them,
/// with <see cref="AdversarialJson"/> records inside.
/// </summary>
public static class AdversarialPayloads
{
    /// <summary>A gzip member of <paramref name="content"/>, or one broken in its body or trailer, cut short, or not gzip at all (then <c>Intact</c> is false).</summary>
    public static (byte[] Data, bool Intact) Gzip(Random random, byte[] content)
    {
        ArgumentNullException.ThrowIfNull(random);
        byte[] gzip = Compress(content);
        if (gzip.Length == 0)
        {
            // .NET writes no gzip member at all for empty content.
            return (gzip, false);
        }

        switch (random.Next(10))
        {
            case 0:
                return ([.. gzip, .. Compress("second member"u8.ToArray())], false);
            case 1:
                gzip[gzip.Length - 1 - random.Next(8)] ^= 0x10; // the trailer's CRC or size
                return (gzip, false);
            case 2:
                return (gzip[..random.Next(gzip.Length)], false);
            case 3:
                return (AdversarialJson.Mutate(random, gzip), false);
            case 4:
                return (content, false);
            default:
                return (gzip, true);
        }
    }

    /// <summary>A CloudWatch Logs subscription DATA_MESSAGE holding records as its log events' messages, or a broken one. Never a CONTROL_MESSAGE.</summary>
    public static byte[] CloudWatchLogsMessage(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var events = new StringBuilder();
        int count = random.Next(1, 5);
        for (int i = 0; i < count; i++)
        {
            events.Append(i > 0 ? "," : "").Append(random.Next(20) switch
            {
                0 => "5",
                1 => "{\"id\":\"1\",\"message\":7}",
                2 => "{\"id\":\"1\"}",
                3 => "{\"id\":\"1\",\"message\":\"broken \\ud800 escape\"}",
                4 => "{\"id\":\"1\",\"\\u006dessage\":\"escaped name\"}",
                _ => $"{{\"id\":\"{i}\",\"timestamp\":1772593567000,\"message\":{Encoding.UTF8.GetString(AdversarialJson.String(Encoding.UTF8.GetString(AdversarialJson.Record(random))))}}}",
            });
        }

        string type = random.Next(15) switch
        {
            0 => "\"messageType\":\"DATA\\udc00\",",
            1 => "\"messageType\":7,",
            2 => "",
            _ => "\"messageType\":\"DATA_MESSAGE\",",
        };
        string logEvents = random.Next(15) switch
        {
            0 => "",
            1 => ",\"logEvents\":{}",
            2 => ",\"logEvents\":[]",
            _ => $",\"logEvents\":[{events}]",
        };
        byte[] message = Encoding.UTF8.GetBytes($"{{{type}\"owner\":\"123456789012\",\"logGroup\":\"/aws/lambda/orders\",\"subscriptionFilters\":[\"f\"]{logEvents}}}");
        return random.Next(8) == 0 ? AdversarialJson.Mutate(random, message) : message;
    }

    /// <summary>A KPL aggregate of records and the user records it holds; <c>Expected</c> is null when it was broken on purpose.</summary>
    public static (byte[] Data, IReadOnlyList<KplAggregate.UserRecord>? Expected) KplAggregate(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        KplAggregate.UserRecord[] users = [.. Enumerable.Range(0, random.Next(1, 6)).Select(i => new KplAggregate.UserRecord(
            random.Next(6) == 0 ? AdversarialJson.Text(random) : "user-" + (i % 3).ToString(CultureInfo.InvariantCulture),
            AdversarialJson.Record(random),
            random.Next(4) == 0 ? "170141183460469231731687303715884105728" : null,
            random.Next(4) == 0 ? [new("kind", AdversarialJson.Text(random))] : null))];
        byte[] message = Testing.KplAggregate.Message(users);
        return random.Next(8) switch
        {
            0 => (Testing.KplAggregate.WithBadChecksum(users), null),
            1 => (Testing.KplAggregate.FromMessage(AdversarialJson.Mutate(random, message)), null),
            2 => (Testing.KplAggregate.FromMessage(RandomBytes(random, random.Next(0, 40))), null),
            3 => (AdversarialJson.Mutate(random, Testing.KplAggregate.Build(users)), null),
            4 => (Testing.KplAggregate.FromMessage([.. message, .. Varint((ulong)((random.Next(1, 20) << 3) | random.Next(8))), .. RandomBytes(random, random.Next(0, 12))]), null),
            _ => (Testing.KplAggregate.Build(users), users),
        };
    }

    /// <summary>
    /// A transform response for records 0 to <paramref name="count"/> - 1 whose Ok data is <paramref name="dataFor"/> of
    /// the record, each result sometimes broken on its own (result, data, keys, id, escapes) and the whole sometimes
    /// mutated. Never <c>Dropped</c>, so every record comes back delivered or failed.
    /// </summary>
    public static byte[] TransformResponse(Random random, int count, Func<int, byte[]> dataFor)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentNullException.ThrowIfNull(dataFor);
        var records = new List<string>(count);
        for (int i = 0; i < count; i++)
        {
            string id = i.ToString(CultureInfo.InvariantCulture);
            string data = Convert.ToBase64String(random.Next(6) == 0 ? AdversarialJson.Record(random) : dataFor(i));
            string keys = $"{{\"tier\":{Encoding.UTF8.GetString(AdversarialJson.String(AdversarialJson.PartitionValues[random.Next(AdversarialJson.PartitionValues.Count)]))}}}";
            records.Add(random.Next(24) switch
            {
                0 => $"{{\"recordId\":\"{id}\",\"result\":\"ProcessingFailed\"}}",
                1 => $"{{\"recordId\":\"{id}\",\"result\":\"O\\ud800k\",\"data\":\"{data}\"}}",
                2 => $"{{\"recordId\":\"{id}\",\"result\":\"Ok\",\"data\":\"\\ud800{data}\"}}",
                3 => $"{{\"recordId\":\"{id}\\udc00\",\"result\":\"Ok\",\"data\":\"{data}\"}}",
                4 => $"{{\"recordId\":\"{id}\",\"result\":\"Ok\",\"data\":\"{data}\",\"metadata\":{{\"partitionKeys\":{{\"tier\":\"\\ud800\"}}}}}}",
                5 => $"{{\"recordId\":\"{id}\",\"result\":\"Ok\",\"data\":\"{data}\",\"metadata\":{{\"partitionKeys\":{{\"\\udc00\":\"x\"}}}}}}",
                6 => $"{{\"recordId\":\"{id}\",\"result\":\"Ok\",\"data\":\"{data[..(data.Length / 2)]}!\"}}",
                7 => $"{{\"recordId\":{id},\"result\":\"Ok\",\"data\":\"{data}\"}}",
                8 => $"{{\"recordId\":\"{id}\",\"result\":\"Ok\",\"data\":\"{data}\"}},{{\"recordId\":\"{id}\",\"result\":\"Ok\",\"data\":\"\"}}",
                9 => $"{{\"recordId\":\"{id}\",\"result\":\"Ok\",\"data\":\"{data.Replace("/", "\\/", StringComparison.Ordinal)}\",\"metadata\":{{\"partitionKeys\":{{\"tier\":5}}}}}}",
                _ => $"{{\"recordId\":\"{id}\",\"result\":\"Ok\",\"data\":\"{data}\",\"metadata\":{{\"partitionKeys\":{keys}}}}}",
            });
        }

        byte[] response = Encoding.UTF8.GetBytes($"{{\"records\":[{string.Join(",", records)}]}}");
        return random.Next(10) == 0 ? AdversarialJson.Mutate(random, response) : response;
    }

    public static byte[] Compress(byte[] content)
    {
        ArgumentNullException.ThrowIfNull(content);
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
        {
            gzip.Write(content);
        }

        return output.ToArray();
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        byte[] bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static byte[] Varint(ulong value)
    {
        var bytes = new List<byte>();
        while (value >= 0x80)
        {
            bytes.Add((byte)(value | 0x80));
            value >>= 7;
        }

        bytes.Add((byte)value);
        return [.. bytes];
    }
}
