using System.Numerics;
using Delivery.Kinesis.Client;
using Delivery.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Record = Delivery.Kinesis.Client.Record;

namespace Delivery.IntegrationTests.Kinesis;

[Collection(LocalAwsCollection.Name)]
public sealed class KinesisClientIntegrationTests : IDisposable
{
    private static readonly TimeSpan ActiveTimeout = TimeSpan.FromSeconds(30);
    private readonly KinesisClient _client;

    public KinesisClientIntegrationTests(LocalAwsStack stack)
    {
        ArgumentNullException.ThrowIfNull(stack);
        _client = KinesisClient.Create(
            new KinesisClientOptions { Region = stack.Region, ServiceUrl = stack.KinesisEndpoint },
            stack.Credentials,
            TimeProvider.System,
            NullLoggerFactory.Instance);
    }

    public void Dispose() => _client.Dispose();

    [Fact]
    public async Task CreatedStream_BecomesActive_WithFourShardsCoveringTheHashKeySpace()
    {
        string stream = await CreateActiveStreamAsync(shards: 4);

        StreamDescriptionSummary summary = (await _client.DescribeStreamSummaryAsync(new DescribeStreamSummaryRequest { StreamName = stream }))
            .StreamDescriptionSummary;
        IReadOnlyList<Shard> shards = await _client.ListAllShardsAsync(stream);

        summary.StreamName.ShouldBe(stream);
        summary.StreamStatus.ShouldBe("ACTIVE");
        summary.OpenShardCount.ShouldBe(4);
        shards.Count.ShouldBe(4);
        shards.ShouldAllBe(s => !s.IsClosed && s.ParentShardId == null);
        BigInteger next = BigInteger.Zero;
        foreach (Shard shard in shards.OrderBy(s => BigInteger.Parse(s.HashKeyRange.StartingHashKey, System.Globalization.CultureInfo.InvariantCulture)))
        {
            BigInteger.Parse(shard.HashKeyRange.StartingHashKey, System.Globalization.CultureInfo.InvariantCulture).ShouldBe(next);
            next = BigInteger.Parse(shard.HashKeyRange.EndingHashKey, System.Globalization.CultureInfo.InvariantCulture) + 1;
        }

        next.ShouldBe(BigInteger.One << 128);
        (await _client.ListAllShardsAsync(stream, shards[1].ShardId)).Select(s => s.ShardId).ShouldBe(shards.Skip(2).Select(s => s.ShardId));
    }

    [Fact]
    public async Task GetRecords_ReturnsExactlyTheBytesPut_AcrossAllShards()
    {
        string stream = await CreateActiveStreamAsync(shards: 4);
        var random = new Random(20260101);
        var put = new List<(string PartitionKey, byte[] Data)>();
        for (int i = 0; i < 40; i++)
        {
            byte[] data = new byte[random.Next(1, 2048)];
            random.NextBytes(data);
            put.Add(($"key-{i}", data));
        }

        put.Add(("one-byte", [0x00]));
        put.Add(("empty", []));
        put.Add(("all-byte-values", Enumerable.Range(0, 256).Select(b => (byte)b).ToArray()));
        byte[] large1 = new byte[900 * 1024];
        byte[] large2 = new byte[900 * 1024];
        random.NextBytes(large1);
        random.NextBytes(large2);
        put.Add(("large-1", large1));
        put.Add(("large-2", large2));

        PutRecordsResponse response = await _client.PutRecordsAsync(new PutRecordsRequest
        {
            StreamName = stream,
            Records = [.. put.Select(p => new PutRecordsRequestEntry { PartitionKey = p.PartitionKey, Data = new MemoryStream(p.Data) })],
        });

        response.FailedRecordCount.ShouldBe(0);
        response.Records.Count.ShouldBe(put.Count);
        var expected = put.Zip(response.Records).ToDictionary(p => p.Second.SequenceNumber!, p => (p.First.PartitionKey, p.First.Data, p.Second.ShardId));

        var read = new List<(string ShardId, Record Record)>();
        foreach (Shard shard in await _client.ListAllShardsAsync(stream))
        {
            string iterator = await IteratorAsync(stream, shard.ShardId, ShardIteratorType.TrimHorizon);
            read.AddRange((await ReadAllAsync(iterator)).Select(r => (shard.ShardId, r)));
        }

        read.Select(r => r.Record.SequenceNumber).ShouldBe(expected.Keys, ignoreOrder: true);
        foreach ((string shardId, Record record) in read)
        {
            (string partitionKey, byte[] data, string? expectedShard) = expected[record.SequenceNumber];
            record.PartitionKey.ShouldBe(partitionKey);
            record.Data.ToArray().ShouldBe(data, $"data of {partitionKey}");
            shardId.ShouldBe(expectedShard);
            record.ApproximateArrivalTimestamp.Kind.ShouldBe(DateTimeKind.Utc);
            record.ApproximateArrivalTimestamp.ShouldBeInRange(DateTime.UnixEpoch.AddYears(50), DateTime.MaxValue);
        }
    }

    [Fact]
    public async Task ShardIterators_OfAllFiveTypes_StartWhereTheyShould()
    {
        string stream = await CreateActiveStreamAsync(shards: 4);
        const string shardId = "shardId-000000000000";
        List<string> first = await PutToFirstShardAsync(stream, "a0", "a1", "a2", "a3", "a4");
        string latest = await IteratorAsync(stream, shardId, ShardIteratorType.Latest);

        // Arrival timestamps have millisecond resolution; the gap keeps the second batch strictly later.
        await Task.Delay(50);
        List<string> second = await PutToFirstShardAsync(stream, "b0", "b1");
        List<Record> all = await ReadAllAsync(await IteratorAsync(stream, shardId, ShardIteratorType.TrimHorizon));

        all.Select(Text).ShouldBe(["a0", "a1", "a2", "a3", "a4", "b0", "b1"]);
        all.Select(r => r.SequenceNumber).ShouldBe(first.Concat(second));
        (await ReadAllAsync(latest)).Select(Text).ShouldBe(["b0", "b1"]);
        (await ReadAllAsync(await IteratorAsync(stream, shardId, ShardIteratorType.AtSequenceNumber, first[2]))).Select(Text)
            .ShouldBe(["a2", "a3", "a4", "b0", "b1"]);
        (await ReadAllAsync(await IteratorAsync(stream, shardId, ShardIteratorType.AfterSequenceNumber, first[2]))).Select(Text)
            .ShouldBe(["a3", "a4", "b0", "b1"]);
        DateTime secondBatchArrival = all[5].ApproximateArrivalTimestamp;
        (await ReadAllAsync(await IteratorAsync(stream, shardId, ShardIteratorType.AtTimestamp, timestamp: secondBatchArrival))).Select(Text)
            .ShouldBe(["b0", "b1"]);
    }

    [Fact]
    public async Task MissingStream_FailsWithResourceNotFound_NamingTheStream()
    {
        string stream = LocalAwsStack.UniqueName("missing");

        ResourceNotFoundException describe = await Should.ThrowAsync<ResourceNotFoundException>(
            () => _client.DescribeStreamSummaryAsync(new DescribeStreamSummaryRequest { StreamName = stream }));
        ResourceNotFoundException iterator = await Should.ThrowAsync<ResourceNotFoundException>(
            () => _client.GetShardIteratorAsync(new GetShardIteratorRequest { StreamName = stream, ShardId = "shardId-000000000000" }));

        describe.Message.ShouldContain($"'{stream}'");
        describe.Kind.ShouldBe(FailureKind.Permanent);
        iterator.Message.ShouldContain($"'{stream}'");
    }

    private static string Text(Record record) => System.Text.Encoding.UTF8.GetString(record.Data.ToArray());

    private async Task<string> CreateActiveStreamAsync(int shards)
    {
        string stream = LocalAwsStack.UniqueName("kinesis");
        await _client.CreateStreamAsync(new CreateStreamRequest { StreamName = stream, ShardCount = shards });
        await _client.WaitForStreamActiveAsync(stream, ActiveTimeout);
        return stream;
    }

    private async Task<List<string>> PutToFirstShardAsync(string stream, params string[] texts)
    {
        PutRecordsResponse response = await _client.PutRecordsAsync(new PutRecordsRequest
        {
            StreamName = stream,
            Records = [.. texts.Select(t => new PutRecordsRequestEntry
            {
                PartitionKey = t,
                ExplicitHashKey = "0",
                Data = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(t)),
            })],
        });
        response.FailedRecordCount.ShouldBe(0);
        response.Records.ShouldAllBe(r => r.ShardId == "shardId-000000000000");
        return [.. response.Records.Select(r => r.SequenceNumber!)];
    }

    private async Task<string> IteratorAsync(string stream, string shardId, string type, string? sequenceNumber = null, DateTime? timestamp = null) =>
        (await _client.GetShardIteratorAsync(new GetShardIteratorRequest
        {
            StreamName = stream,
            ShardId = shardId,
            ShardIteratorType = type,
            StartingSequenceNumber = sequenceNumber,
            Timestamp = timestamp,
        })).ShardIterator;

    /// <summary>Reads until a call returns no records (an open shard never ends its iterator chain).</summary>
    private async Task<List<Record>> ReadAllAsync(string iterator)
    {
        var records = new List<Record>();
        for (string? next = iterator; next is not null;)
        {
            GetRecordsResponse page = await _client.GetRecordsAsync(new GetRecordsRequest { ShardIterator = next });
            records.AddRange(page.Records);
            if (page.Records.Count == 0)
            {
                break;
            }

            next = page.NextShardIterator;
        }

        return records;
    }
}
