using System.Text;
using Delivery.Kinesis;
using Delivery.Kinesis.Client;
using Delivery.Kinesis.Plans;
using Delivery.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Delivery.IntegrationTests.Kinesis.Plans;

[Collection(LocalAwsCollection.Name)]
public sealed class KinesisShardRangeReaderTests : IDisposable
{
    private const string Shard = "shardId-000000000000";
    private readonly KinesisClient _client;

    public KinesisShardRangeReaderTests(LocalAwsStack stack)
    {
        ArgumentNullException.ThrowIfNull(stack);
        _client = KinesisClient.Create(new KinesisClientOptions { Region = stack.Region, ServiceUrl = stack.KinesisEndpoint }, stack.Credentials, TimeProvider.System, NullLoggerFactory.Instance);
    }

    public void Dispose() => _client.Dispose();

    [Fact]
    public async Task AnInnerRange_YieldsExactlyItsRecords_AcrossPagesThatStraddleItsEnds()
    {
        string stream = await CreateStreamAsync();
        List<string> sequences = await PutAsync(stream, [.. Enumerable.Range(0, 12).Select(i => Encoding.UTF8.GetBytes($"record-{i}"))]);
        var range = new BatchSource(stream, Shard, new ShardPosition(sequences[3]), new ShardPosition(sequences[8]));

        List<(ShardPosition Position, string Data)> read = await ReadAsync(range, maxRecordsPerRead: 4);

        read.Select(record => record.Data).ShouldBe(Enumerable.Range(3, 6).Select(i => $"record-{i}"));
        read.Select(record => record.Position).ShouldBe(sequences[3..9].Select(sequence => new ShardPosition(sequence)));
    }

    [Fact]
    public async Task ARangeEndingAtTheShardsLastRecord_EndsAtTheTipOfTheStream()
    {
        string stream = await CreateStreamAsync();
        List<string> sequences = await PutAsync(stream, [.. Enumerable.Range(0, 5).Select(i => Encoding.UTF8.GetBytes($"record-{i}"))]);
        var range = new BatchSource(stream, Shard, new ShardPosition(sequences[2]), new ShardPosition(sequences[4]));

        List<(ShardPosition Position, string Data)> read = await ReadAsync(range, maxRecordsPerRead: 10000).WaitAsync(TimeSpan.FromSeconds(30));

        read.Select(record => record.Data).ShouldBe(["record-2", "record-3", "record-4"]);
    }

    [Fact]
    public async Task ARangeInsideKplAggregates_YieldsExactlyItsUserRecords_BySubSequenceNumber()
    {
        string stream = await CreateStreamAsync();
        byte[] Aggregate(string name) => KplAggregate.Build([.. Enumerable.Range(0, 5).Select(i => new KplAggregate.UserRecord("key", Encoding.UTF8.GetBytes($"{name}-{i}")))]);
        List<string> sequences = await PutAsync(stream, [Encoding.UTF8.GetBytes("plain-before"), Aggregate("a"), Aggregate("b"), Encoding.UTF8.GetBytes("plain-after")]);
        var range = new BatchSource(stream, Shard, new ShardPosition(sequences[1], 2), new ShardPosition(sequences[2], 1));

        List<(ShardPosition Position, string Data)> read = await ReadAsync(range, maxRecordsPerRead: 10000);

        read.Select(record => record.Data).ShouldBe(["a-2", "a-3", "a-4", "b-0", "b-1"]);
        read.Select(record => record.Position).ShouldBe([new(sequences[1], 2), new(sequences[1], 3), new(sequences[1], 4), new(sequences[2], 0), new(sequences[2], 1)]);
    }

    private async Task<List<(ShardPosition Position, string Data)>> ReadAsync(BatchSource range, int maxRecordsPerRead)
    {
        var reader = new KinesisShardRangeReader(_client, new ReadingOptions { MaxRecordsPerRead = maxRecordsPerRead }, TimeProvider.System, NullLogger<KinesisShardRangeReader>.Instance);
        var read = new List<(ShardPosition, string)>();
        await foreach (RecordPage page in reader.ReadAsync(range, CancellationToken.None))
        {
            try
            {
                page.Count.ShouldBeGreaterThan(0, "an empty page is never handed on");
                read.AddRange(page.Records.Select(record => (record.Position, Encoding.UTF8.GetString(record.Data.Span))));
            }
            finally
            {
                page.Release();
            }
        }

        return read;
    }

    private async Task<string> CreateStreamAsync()
    {
        string stream = LocalAwsStack.UniqueName("ranges");
        await _client.CreateStreamAsync(new CreateStreamRequest { StreamName = stream, ShardCount = 1 });
        await _client.WaitForStreamActiveAsync(stream, TimeSpan.FromSeconds(30));
        return stream;
    }

    private async Task<List<string>> PutAsync(string stream, IReadOnlyList<byte[]> records)
    {
        // One at a time, so the sequence numbers follow the order of the list.
        var sequences = new List<string>();
        foreach (byte[] data in records)
        {
            PutRecordsResponse response = await _client.PutRecordsAsync(new PutRecordsRequest
            {
                StreamName = stream,
                Records = [new PutRecordsRequestEntry { PartitionKey = "key", Data = new MemoryStream(data) }],
            });
            response.FailedRecordCount.ShouldBe(0);
            sequences.Add(response.Records[0].SequenceNumber!);
        }

        return sequences;
    }
}
