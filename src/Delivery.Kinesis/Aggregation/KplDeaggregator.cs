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

    private static ReadOnlySpan<byte> Magic => [0xF3, 0x89, 0x9A, 0xC2];

    /// <summary>
    /// Appends the user records of one Kinesis record to <paramref name="output"/>: several for a valid aggregate, the
    /// record itself otherwise. Returns why an apparent aggregate was taken as a plain record, or null.
    /// </summary>
    /// <remarks>User records share the Kinesis record's buffer; nothing is copied.</remarks>
    public static string? Deaggregate(string sequenceNumber, string partitionKey, DateTimeOffset arrival, ReadOnlyMemory<byte> data, List<SourceRecord> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        ReadOnlySpan<byte> bytes = data.Span;
        if (bytes.Length < Magic.Length + DigestLength || !bytes.StartsWith(Magic))
        {
            output.Add(new SourceRecord(new ShardPosition(sequenceNumber), partitionKey, arrival, data));
            return null;
        }

        ReadOnlyMemory<byte> message = data[Magic.Length..^DigestLength];
        List<UserRecord> records = [];
        string? problem = ChecksumMatches(message.Span, bytes[^DigestLength..]) ? Parse(message, records) : "its MD5 checksum does not match";
        if (problem is not null)
        {
            output.Add(new SourceRecord(new ShardPosition(sequenceNumber), partitionKey, arrival, data));
            return problem;
        }

        for (int i = 0; i < records.Count; i++)
        {
            output.Add(new SourceRecord(new ShardPosition(sequenceNumber, i), records[i].PartitionKey, arrival, records[i].Data));
        }

        return null;
    }

    private static bool ChecksumMatches(ReadOnlySpan<byte> message, ReadOnlySpan<byte> digest)
    {
        Span<byte> computed = stackalloc byte[DigestLength];
#pragma warning disable CA5351 // MD5 is the KPL format's integrity check, not a security measure.
        MD5.HashData(message, computed);
#pragma warning restore CA5351
        return computed.SequenceEqual(digest);
    }

    /// <summary>Reads an AggregatedRecord; returns what is wrong with it, or null.</summary>
    private static string? Parse(ReadOnlyMemory<byte> message, List<UserRecord> records)
    {
        var keyTable = new List<string>();
        var recordSpans = new List<ReadOnlyMemory<byte>>();
        var reader = new ProtobufReader(message);
        while (!reader.End)
        {
            if (!reader.TryReadTag(out int field, out int wireType))
            {
                return "its protobuf message is malformed";
            }

            if (field is 1 or 3 && wireType == ProtobufReader.LengthDelimited)
            {
                if (!reader.TryReadLengthDelimited(out ReadOnlyMemory<byte> value))
                {
                    return "its protobuf message is malformed";
                }

                if (field == 1)
                {
                    keyTable.Add(Encoding.UTF8.GetString(value.Span));
                }
                else
                {
                    recordSpans.Add(value);
                }
            }
            else if (!reader.TrySkip(wireType))
            {
                return "its protobuf message is malformed";
            }
        }

        if (recordSpans.Count == 0)
        {
            return "it holds no records";
        }

        foreach (ReadOnlyMemory<byte> span in recordSpans)
        {
            if (ParseRecord(span, keyTable) is not { } record)
            {
                return "one of its records is malformed or names a partition key that is not in its table";
            }

            records.Add(record);
        }

        return null;
    }

    private static UserRecord? ParseRecord(ReadOnlyMemory<byte> span, List<string> keyTable)
    {
        var reader = new ProtobufReader(span);
        ulong? keyIndex = null;
        ReadOnlyMemory<byte>? data = null;
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
                if (!reader.TryReadLengthDelimited(out ReadOnlyMemory<byte> value))
                {
                    return null;
                }

                data = value;
            }
            else if (!reader.TrySkip(wireType))
            {
                // Field 2 (explicit hash key index) and 4 (tags) are skipped: a record keeps only its partition key.
                return null;
            }
        }

        return keyIndex is { } k && k < (ulong)keyTable.Count && data is { } d ? new UserRecord(keyTable[(int)k], d) : null;
    }

    private readonly record struct UserRecord(string PartitionKey, ReadOnlyMemory<byte> Data);
}
