using System.Text;
using Delivery.Kinesis.Aggregation;

namespace Delivery.Kinesis.Client;

/// <summary>A GetRecords answer whose records are in a page (see <see cref="IRecordPageSource"/>).</summary>
public sealed class RecordPageResponse
{
    private static readonly List<ChildShard> NoChildren = [];

    /// <summary>The records, KPL aggregates split into their user records; owned by the caller.</summary>
    public required RecordPage Page { get; init; }

    /// <summary>Null once a closed shard has been read to its end.</summary>
    public string? NextShardIterator { get; init; }

    public long? MillisBehindLatest { get; init; }

    public List<ChildShard> ChildShards { get; init; } = NoChildren;

    /// <summary>Kinesis records in the answer (an aggregate counts once).</summary>
    public int KinesisRecordCount { get; init; }

    /// <summary>The Kinesis records' data bytes.</summary>
    public long KinesisDataBytes { get; init; }

    /// <summary>Records that began like a KPL aggregate but were taken as plain records, and why.</summary>
    public IReadOnlyList<(string SequenceNumber, string Reason)> AggregateProblems { get; init; } = [];

    /// <summary>Copies an SDK-shaped answer into a page (for clients that cannot read into one).</summary>
    public static RecordPageResponse FromResponse(GetRecordsResponse response, string shardId)
    {
        ArgumentNullException.ThrowIfNull(response);
        long dataBytes = response.Records.Sum(record => record.Data.Length);
        RecordPage page = RecordPage.Rent(shardId, (int)Math.Min(int.MaxValue, dataBytes + (response.Records.Count * 128L)), response.Records.Count);
        List<(string, string)>? problems = null;
        try
        {
            foreach (Record record in response.Records)
            {
                ReadOnlySpan<byte> data = record.Data.TryGetBuffer(out ArraySegment<byte> buffer) ? buffer.AsSpan(0, (int)record.Data.Length) : record.Data.ToArray();
                byte[] sequence = Encoding.ASCII.GetBytes(record.SequenceNumber);
                byte[] key = Encoding.UTF8.GetBytes(record.PartitionKey);
                int dataOffset = page.AppendBytes(data);
                int sequenceOffset = page.AppendBytes(sequence);
                int keyOffset = page.AppendBytes(key);
                long arrival = DateTime.SpecifyKind(record.ApproximateArrivalTimestamp, DateTimeKind.Utc).Ticks;
                if (KplDeaggregator.AddRecords(page, dataOffset, data.Length, sequenceOffset, sequence.Length, keyOffset, key.Length, arrival) is { } problem)
                {
                    (problems ??= []).Add((record.SequenceNumber, problem));
                }
            }

            page.Seal(response.MillisBehindLatest ?? 0);
        }
        catch
        {
            page.Release();
            throw;
        }

        return new RecordPageResponse
        {
            Page = page,
            NextShardIterator = response.NextShardIterator,
            MillisBehindLatest = response.MillisBehindLatest,
            ChildShards = response.ChildShards ?? NoChildren,
            KinesisRecordCount = response.Records.Count,
            KinesisDataBytes = dataBytes,
            AggregateProblems = problems ?? [],
        };
    }
}
