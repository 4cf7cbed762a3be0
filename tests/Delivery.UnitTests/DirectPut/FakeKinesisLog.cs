using System.Globalization;
using Delivery.Kinesis.Client;

namespace Delivery.UnitTests.DirectPut;

/// <summary>
/// A Kinesis stream as Direct PUT sees it: PutRecords stores each record in one of two shards with an increasing
/// sequence number, unless <see cref="Refuse"/> says Kinesis refuses it (a per-record throttle) or
/// <see cref="FailNextCall"/> fails the whole call.
/// </summary>
internal sealed class FakeKinesisLog(string streamName = "clicks-stream") : IKinesisClient
{
    private long _sequence = 49_000_000_000;

    public string StreamName { get; } = streamName;

    /// <summary>Every record stored, with its shard and sequence number, in the order stored.</summary>
    public List<(string ShardId, string SequenceNumber, string PartitionKey, byte[] Data)> Stored { get; } = [];

    public List<PutRecordsRequest> Calls { get; } = [];

    /// <summary>The error code Kinesis answers a record with, or null to store it.</summary>
    public Func<byte[], string?> Refuse { get; set; } = _ => null;

    public Exception? FailNextCall { get; set; }

    public string? EncryptionType { get; set; } = "NONE";

    public Task<PutRecordsResponse> PutRecordsAsync(PutRecordsRequest request, CancellationToken cancellationToken = default)
    {
        Calls.Add(request);
        if (FailNextCall is { } failure)
        {
            FailNextCall = null;
            throw failure;
        }

        request.StreamName.ShouldBe(StreamName);
        var response = new PutRecordsResponse();
        foreach (PutRecordsRequestEntry entry in request.Records)
        {
            byte[] data = entry.Data.ToArray();
            if (Refuse(data) is { } code)
            {
                response.FailedRecordCount++;
                response.Records.Add(new PutRecordsResultEntry { ErrorCode = code, ErrorMessage = $"Rate exceeded for shard shardId-000000000001 in stream {StreamName}." });
                continue;
            }

            string shard = $"shardId-00000000000{Stored.Count % 2}";
            string sequence = (++_sequence).ToString(CultureInfo.InvariantCulture);
            Stored.Add((shard, sequence, entry.PartitionKey, data));
            response.Records.Add(new PutRecordsResultEntry { ShardId = shard, SequenceNumber = sequence });
        }

        return Task.FromResult(response);
    }

    public Task<DescribeStreamSummaryResponse> DescribeStreamSummaryAsync(DescribeStreamSummaryRequest request, CancellationToken cancellationToken = default) =>
        Task.FromResult(new DescribeStreamSummaryResponse { StreamDescriptionSummary = new StreamDescriptionSummary { StreamName = StreamName, StreamStatus = "ACTIVE", EncryptionType = EncryptionType } });

    public Task<ListShardsResponse> ListShardsAsync(ListShardsRequest request, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<GetShardIteratorResponse> GetShardIteratorAsync(GetShardIteratorRequest request, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<GetRecordsResponse> GetRecordsAsync(GetRecordsRequest request, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<CreateStreamResponse> CreateStreamAsync(CreateStreamRequest request, CancellationToken cancellationToken = default) => throw new NotSupportedException();
}
