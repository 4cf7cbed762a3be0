using System.Security.Cryptography;
using System.Text;

namespace Delivery.Kinesis.Aggregation;

/// <summary>
/// Splits Kinesis Producer Library aggregates into their user records. An aggregate is the magic bytes F3 89 9A C2, a
/// protobuf <c>AggregatedRecord</c> (partition key table, explicit hash key table, records) and the MD5 of the protobuf
/// bytes. Each user record keeps the Kinesis record's sequence number and arrival time and gets its index in the
/// aggregate as subsequence number. Data that starts with the magic bytes but fails the checksum or does not parse is a
/// plain record, as the Kinesis Client Library treats it.
/// </summary>
public static class KplDeaggregator
{
    private const int DigestLength = 16;

    // Scratch tables of the aggregate being split, reused by each reading thread: splitting allocates nothing.
    [ThreadStatic]
    private static List<(int Offset, int Length)>? t_keys;

    [ThreadStatic]
    private static List<(int Offset, int Length, int Key)>? t_records;

    private static ReadOnlySpan<byte> Magic => [0xF3, 0x89, 0x9A, 0xC2];

    /// <summary>
    /// Adds the user records of one Kinesis record, whose data, sequence number and partition key are in
    /// <paramref name="page"/> already, to the page: several for a valid aggregate, the record itself otherwise. User
    /// records point into the aggregate's bytes and its partition key table; nothing is copied. Returns why an apparent
    /// aggregate was taken as a plain record, or null.
    /// </summary>
    public static string? AddRecords(RecordPage page, int dataOffset, int dataLength, int sequenceOffset, int sequenceLength, int keyOffset, int keyLength, long arrivalTicks)
    {
        ArgumentNullException.ThrowIfNull(page);
        ReadOnlySpan<byte> bytes = page.WrittenBytes(dataOffset, dataLength);
        if (!LooksAggregated(bytes))
        {
            page.AddRecord(dataOffset, dataLength, sequenceOffset, sequenceLength, 0, keyOffset, keyLength, arrivalTicks);
            return null;
        }

        List<(int Offset, int Length)> keys = t_keys ??= [];
        List<(int Offset, int Length, int Key)> records = t_records ??= [];
        keys.Clear();
        records.Clear();
        string? problem = Split(bytes, keys, records);
        if (problem is not null)
        {
            page.AddRecord(dataOffset, dataLength, sequenceOffset, sequenceLength, 0, keyOffset, keyLength, arrivalTicks);
            return problem;
        }

        for (int i = 0; i < records.Count; i++)
        {
            (int offset, int length, int key) = records[i];
            (int userKeyOffset, int userKeyLength) = keys[key];
            page.AddRecord(dataOffset + offset, length, sequenceOffset, sequenceLength, i, dataOffset + userKeyOffset, userKeyLength, arrivalTicks);
        }

        return null;
    }

    /// <summary>
    /// Appends the user records of one Kinesis record to <paramref name="output"/> as records of their own (tools and
    /// tests; the reader fills pages with <see cref="AddRecords"/>). Returns why an apparent aggregate was taken as a
    /// plain record, or null.
    /// </summary>
    public static string? Deaggregate(string sequenceNumber, string partitionKey, DateTimeOffset arrival, ReadOnlyMemory<byte> data, List<SourceRecord> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (!LooksAggregated(data.Span))
        {
            output.Add(new SourceRecord(new ShardPosition(sequenceNumber), partitionKey, arrival, data));
            return null;
        }

        var keys = new List<(int Offset, int Length)>();
        var records = new List<(int Offset, int Length, int Key)>();
        string? problem = Split(data.Span, keys, records);
        if (problem is not null)
        {
            output.Add(new SourceRecord(new ShardPosition(sequenceNumber), partitionKey, arrival, data));
            return problem;
        }

        for (int i = 0; i < records.Count; i++)
        {
            (int offset, int length, int key) = records[i];
            string userKey = Encoding.UTF8.GetString(data.Span.Slice(keys[key].Offset, keys[key].Length));
            output.Add(new SourceRecord(new ShardPosition(sequenceNumber, i), userKey, arrival, data.Slice(offset, length)));
        }

        return null;
    }

    private static bool LooksAggregated(ReadOnlySpan<byte> bytes) => bytes.Length >= Magic.Length + DigestLength && bytes.StartsWith(Magic);

    /// <summary>
    /// Checks and parses an aggregate: the partition key table and the user records, as offsets into
    /// <paramref name="bytes"/>. Returns what is wrong with it, or null.
    /// </summary>
    private static string? Split(ReadOnlySpan<byte> bytes, List<(int Offset, int Length)> keys, List<(int Offset, int Length, int Key)> records)
    {
        ReadOnlySpan<byte> message = bytes[Magic.Length..^DigestLength];
        if (!ChecksumMatches(message, bytes[^DigestLength..]))
        {
            return "its MD5 checksum does not match";
        }

        return Parse(message, Magic.Length, keys, records);
    }

    private static bool ChecksumMatches(ReadOnlySpan<byte> message, ReadOnlySpan<byte> digest)
    {
        Span<byte> computed = stackalloc byte[DigestLength];
#pragma warning disable CA5351 // MD5 is the KPL format's integrity check, not a security measure.
        MD5.HashData(message, computed);
#pragma warning restore CA5351
        return computed.SequenceEqual(digest);
    }

    /// <summary>Reads an AggregatedRecord whose bytes start at <paramref name="origin"/>; returns what is wrong with it, or null.</summary>
    private static string? Parse(ReadOnlySpan<byte> message, int origin, List<(int Offset, int Length)> keys, List<(int Offset, int Length, int Key)> records)
    {
        int firstRecord = records.Count;
        var reader = new ProtobufReader(message);
        while (!reader.End)
        {
            if (!reader.TryReadTag(out int field, out int wireType))
            {
                return "its protobuf message is malformed";
            }

            if (field is 1 or 3 && wireType == ProtobufReader.LengthDelimited)
            {
                if (!reader.TryReadLengthDelimited(out int offset, out int length))
                {
                    return "its protobuf message is malformed";
                }

                if (field == 1)
                {
                    keys.Add((origin + offset, length));
                }
                else if (ParseRecord(message.Slice(offset, length), origin + offset) is { } record)
                {
                    records.Add(record);
                }
                else
                {
                    return "one of its records is malformed or names a partition key that is not in its table";
                }
            }
            else if (!reader.TrySkip(wireType))
            {
                return "its protobuf message is malformed";
            }
        }

        if (records.Count == firstRecord)
        {
            return "it holds no records";
        }

        // Key indexes are checked once the whole key table is read: the table may follow the records.
        for (int i = firstRecord; i < records.Count; i++)
        {
            if (records[i].Key >= keys.Count)
            {
                return "one of its records is malformed or names a partition key that is not in its table";
            }
        }

        return null;
    }

    /// <summary>A user record: its data (as an offset from the aggregate's start) and its partition key index.</summary>
    private static (int Offset, int Length, int Key)? ParseRecord(ReadOnlySpan<byte> span, int origin)
    {
        var reader = new ProtobufReader(span);
        ulong? keyIndex = null;
        (int Offset, int Length)? data = null;
        while (!reader.End)
        {
            if (!reader.TryReadTag(out int field, out int wireType))
            {
                return null;
            }

            if (field == 1 && wireType == ProtobufReader.Varint)
            {
                if (!reader.TryReadVarint(out ulong index))
                {
                    return null;
                }

                keyIndex = index;
            }
            else if (field == 3 && wireType == ProtobufReader.LengthDelimited)
            {
                if (!reader.TryReadLengthDelimited(out int offset, out int length))
                {
                    return null;
                }

                data = (origin + offset, length);
            }
            else if (!reader.TrySkip(wireType))
            {
                // Field 2 (explicit hash key index) and 4 (tags) are skipped: a record keeps only its partition key.
                return null;
            }
        }

        return keyIndex is { } k && k < int.MaxValue && data is { } d ? (d.Offset, d.Length, (int)k) : null;
    }
}
