using System.Security.Cryptography;
using System.Text;

namespace Delivery.Testing;

/// <summary>
/// Builds Kinesis Producer Library aggregates the way the KPL writes them: the magic bytes, a protobuf
/// AggregatedRecord and the MD5 of the protobuf bytes. Written from the published format, independent of the reader.
/// </summary>
public static class KplAggregate
{
    private static readonly byte[] Magic = [0xF3, 0x89, 0x9A, 0xC2];

    /// <summary>One user record: its partition key, data, and optionally an explicit hash key and tags.</summary>
    public sealed record UserRecord(string PartitionKey, byte[] Data, string? ExplicitHashKey = null, IReadOnlyList<KeyValuePair<string, string>>? Tags = null);

    /// <summary>An aggregate of <paramref name="records"/>; partition keys and explicit hash keys go into shared tables.</summary>
    public static byte[] Build(IReadOnlyList<UserRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        byte[] message = Message(records);
        return [.. Magic, .. message, .. MD5Of(message)];
    }

    /// <summary>The same aggregate with one bit of its checksum flipped.</summary>
    public static byte[] WithBadChecksum(IReadOnlyList<UserRecord> records)
    {
        byte[] aggregate = Build(records);
        aggregate[^1] ^= 0x01;
        return aggregate;
    }

    /// <summary>Magic bytes, the given protobuf bytes (valid or not) and their correct checksum.</summary>
    public static byte[] FromMessage(byte[] message) => [.. Magic, .. message, .. MD5Of(message)];

    public static byte[] Message(IReadOnlyList<UserRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        List<string> keys = [.. records.Select(record => record.PartitionKey).Distinct()];
        List<string> hashKeys = [.. records.Select(record => record.ExplicitHashKey).OfType<string>().Distinct()];
        using var message = new MemoryStream();
        foreach (string key in keys)
        {
            WriteBytes(message, 1, Encoding.UTF8.GetBytes(key));
        }

        foreach (string hashKey in hashKeys)
        {
            WriteBytes(message, 2, Encoding.UTF8.GetBytes(hashKey));
        }

        foreach (UserRecord record in records)
        {
            using var body = new MemoryStream();
            WriteVarintField(body, 1, (ulong)keys.IndexOf(record.PartitionKey));
            if (record.ExplicitHashKey is { } hashKey)
            {
                WriteVarintField(body, 2, (ulong)hashKeys.IndexOf(hashKey));
            }

            WriteBytes(body, 3, record.Data);
            foreach ((string name, string value) in record.Tags ?? [])
            {
                using var tag = new MemoryStream();
                WriteBytes(tag, 1, Encoding.UTF8.GetBytes(name));
                WriteBytes(tag, 2, Encoding.UTF8.GetBytes(value));
                WriteBytes(body, 4, tag.ToArray());
            }

            WriteBytes(message, 3, body.ToArray());
        }

        return message.ToArray();
    }

#pragma warning disable CA5351 // The KPL format's checksum is MD5.
    private static byte[] MD5Of(byte[] message) => MD5.HashData(message);
#pragma warning restore CA5351

    private static void WriteVarintField(MemoryStream stream, int field, ulong value)
    {
        WriteVarint(stream, (ulong)field << 3);
        WriteVarint(stream, value);
    }

    private static void WriteBytes(MemoryStream stream, int field, byte[] value)
    {
        WriteVarint(stream, ((ulong)field << 3) | 2);
        WriteVarint(stream, (ulong)value.Length);
        stream.Write(value);
    }

    private static void WriteVarint(MemoryStream stream, ulong value)
    {
        while (value >= 0x80)
        {
            stream.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }

        stream.WriteByte((byte)value);
    }
}
