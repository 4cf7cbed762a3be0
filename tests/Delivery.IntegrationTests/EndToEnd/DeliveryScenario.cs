using System.IO.Compression;
using Amazon.DynamoDBv2;
using Amazon.S3;
using Amazon.S3.Model;
using Delivery.Kinesis.Client;
using Delivery.Kinesis.Leases;
using Delivery.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Delivery.IntegrationTests.EndToEnd;

/// <summary>
/// A stream, a bucket and a lease table of their own, the records put into the stream (with the shard and sequence
/// number Kinesis gave each), and the checks that what landed in S3 is exactly those records.
/// </summary>
internal sealed class DeliveryScenario : IDisposable
{
    public const string Pipeline = "e2e";
    private readonly LocalAwsStack _stack;
    private readonly List<PutRecord> _put = [];
    private readonly AmazonS3Client _s3;
    private readonly AmazonDynamoDBClient _dynamoDb;

    public DeliveryScenario(LocalAwsStack stack)
    {
        _stack = stack;
        StreamName = LocalAwsStack.UniqueName("e2e-stream");
        BucketName = LocalAwsStack.UniqueName("e2e-bucket");
        TableName = LocalAwsStack.UniqueName("e2e-leases");
        Kinesis = KinesisClient.Create(
            new KinesisClientOptions { Region = stack.Region, ServiceUrl = stack.KinesisEndpoint },
            stack.Credentials,
            TimeProvider.System,
            NullLoggerFactory.Instance);
        _s3 = stack.CreateS3Client();
        _dynamoDb = stack.CreateDynamoDbClient();
    }

    public string StreamName { get; }

    public string BucketName { get; }

    public string TableName { get; }

    public IKinesisClient Kinesis { get; }

    /// <summary>How records are put: through our Kinesis client unless a test puts them with another client.</summary>
    public Func<PutRecordsRequest, Task<PutRecordsResponse>>? PutRecordsWith { get; set; }

    public int PutCount
    {
        get
        {
            lock (_put)
            {
                return _put.Count;
            }
        }
    }

    public Dictionary<string, string> WorkerSettings(int leaseDurationSeconds = 3) => new()
    {
        [$"Delivery:Pipelines:{Pipeline}:Kinesis:StreamName"] = StreamName,
        [$"Delivery:Pipelines:{Pipeline}:Kinesis:Leases:TableName"] = TableName,
        [$"Delivery:Pipelines:{Pipeline}:Kinesis:Leases:LeaseDurationSeconds"] = leaseDurationSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        [$"Delivery:Pipelines:{Pipeline}:Kinesis:Reading:IdleMillisBetweenReads"] = "200",
        [$"Delivery:Pipelines:{Pipeline}:Buffering:SizeInMBs"] = "1",
        [$"Delivery:Pipelines:{Pipeline}:Buffering:IntervalInSeconds"] = "1",
        [$"Delivery:Pipelines:{Pipeline}:S3:BucketName"] = BucketName,
        [$"Delivery:Pipelines:{Pipeline}:S3:Prefix"] = "e2e/",
        ["Delivery:MemoryBudgetMiB"] = "64",
        ["Delivery:ShutdownGracePeriodSeconds"] = "20",
    };

    public async Task CreateAsync(int shards)
    {
        await CreateStreamAsync(shards);
        await CreateBucketAsync();
    }

    public async Task CreateStreamAsync(int shards)
    {
        await Kinesis.CreateStreamAsync(new CreateStreamRequest { StreamName = StreamName, ShardCount = shards });
        await Kinesis.WaitForStreamActiveAsync(StreamName, TimeSpan.FromSeconds(30));
    }

    public Task CreateBucketAsync() => _s3.PutBucketAsync(BucketName);

    /// <summary>Whether the lease table exists: a worker creates it when it starts its pipeline, not before.</summary>
    public async Task<bool> LeaseTableExistsAsync()
    {
        try
        {
            await _dynamoDb.DescribeTableAsync(TableName);
            return true;
        }
        catch (Amazon.DynamoDBv2.Model.ResourceNotFoundException)
        {
            return false;
        }
    }

    /// <summary>Puts the records in order (PutRecords pages of at most 500 records and 4 MiB), remembering where each landed.</summary>
    public Task PutAsync(IReadOnlyList<byte[]> records, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        return PutAsync(records, _ => random.Next().ToString("x8", System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Puts the records in order, each under the partition key <paramref name="partitionKeyOf"/> gives it.</summary>
    public async Task PutAsync(IReadOnlyList<byte[]> records, Func<byte[], string> partitionKeyOf)
    {
        var page = new List<byte[]>();
        long pageBytes = 0;
        foreach (byte[] record in records)
        {
            if (page.Count == 500 || (page.Count > 0 && pageBytes + record.Length > 4 * 1024 * 1024))
            {
                await PutPageAsync(page, partitionKeyOf);
                page.Clear();
                pageBytes = 0;
            }

            page.Add(record);
            pageBytes += record.Length;
        }

        if (page.Count > 0)
        {
            await PutPageAsync(page, partitionKeyOf);
        }
    }

    /// <summary>
    /// Remembers a record someone else put into the stream (a Direct PUT producer), where Kinesis stored it, so the
    /// checks below account for it like a record this scenario put.
    /// </summary>
    public void RecordStored(string shardId, string sequenceNumber, byte[] data)
    {
        lock (_put)
        {
            _put.Add(new PutRecord(shardId, new ShardPosition(sequenceNumber), data));
        }
    }

    /// <summary>
    /// Waits until every shard's lease checkpoint is the last sequence number put into it, or SHARD_END for the shards
    /// in <paramref name="closedShards"/>.
    /// </summary>
    public async Task WaitForCheckpointsAsync(TimeSpan timeout, Func<string> diagnostics, IReadOnlySet<string>? closedShards = null)
    {
        using var limit = new CancellationTokenSource(timeout);
        Dictionary<string, string> expected = LastSequenceNumberByShard();
        foreach (string closed in closedShards ?? new HashSet<string>())
        {
            expected[closed] = LeaseCheckpoint.ShardEndValue;
        }

        while (true)
        {
            Dictionary<string, string> actual = await CheckpointsAsync();
            if (expected.All(pair => actual.TryGetValue(pair.Key, out string? checkpoint) && checkpoint == pair.Value))
            {
                return;
            }

            if (limit.IsCancellationRequested)
            {
                throw new TimeoutException(
                    $"Checkpoints did not reach the last sequence numbers.{Environment.NewLine}Expected: {string.Join(", ", expected)}{Environment.NewLine}Actual: {string.Join(", ", actual)}{Environment.NewLine}{diagnostics()}");
            }

            await Task.Delay(250);
        }
    }

    public async Task<Dictionary<string, string>> CheckpointsAsync()
    {
        var store = new DynamoDbLeaseStore(_dynamoDb, TableName, false, TimeProvider.System, NullLogger<DynamoDbLeaseStore>.Instance);
        try
        {
            IReadOnlyList<Lease> leases = await store.ListLeasesAsync(CancellationToken.None);
            return leases.ToDictionary(lease => lease.LeaseKey, lease => lease.Checkpoint.Value);
        }
        catch (Amazon.DynamoDBv2.Model.ResourceNotFoundException)
        {
            return [];
        }
    }

    /// <summary>Each shard's lease owner as the lease table has it (null for a lease nobody holds).</summary>
    public async Task<Dictionary<string, string?>> OwnersAsync()
    {
        var store = new DynamoDbLeaseStore(_dynamoDb, TableName, false, TimeProvider.System, NullLogger<DynamoDbLeaseStore>.Instance);
        IReadOnlyList<Lease> leases = await store.ListLeasesAsync(CancellationToken.None);
        return leases.ToDictionary(lease => lease.LeaseKey, lease => lease.Owner);
    }

    public Dictionary<string, string> LastSequenceNumberByShard()
    {
        lock (_put)
        {
            return _put.GroupBy(record => record.ShardId).ToDictionary(
                group => group.Key,
                group => group.Select(record => record.Position).Max().SequenceNumber);
        }
    }

    /// <summary>
    /// Reads every object in the bucket and checks that each holds exactly the records of its shard between its first
    /// and last sequence numbers, in shard order, byte for byte, newline-delimited; that no record is in two objects;
    /// and that every record put is in some object. Returns the number of objects.
    /// </summary>
    public async Task<int> VerifyDeliveredExactlyOnceAsync()
    {
        var delivered = new List<DeliveredObject>();
        string? continuation = null;
        do
        {
            ListObjectsV2Response listing = await _s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = BucketName, ContinuationToken = continuation });
            foreach (S3Object entry in listing.S3Objects ?? [])
            {
                using GetObjectResponse response = await _s3.GetObjectAsync(BucketName, entry.Key);
                await using var gzip = new GZipStream(response.ResponseStream, CompressionMode.Decompress);
                using var buffer = new MemoryStream();
                await gzip.CopyToAsync(buffer);
                delivered.Add(new DeliveredObject(
                    entry.Key, response.Metadata["source-shard"], new ShardPosition(response.Metadata["first-sequence-number"]),
                    new ShardPosition(response.Metadata["last-sequence-number"]), buffer.ToArray()));
            }

            continuation = listing.IsTruncated == true ? listing.NextContinuationToken : null;
        }
        while (continuation is not null);

        return VerifyExactlyOnce(delivered);
    }

    /// <summary>The checks of <see cref="VerifyDeliveredExactlyOnceAsync"/> on objects read by some other client.</summary>
    public int VerifyExactlyOnce(IReadOnlyList<DeliveredObject> delivered)
    {
        Dictionary<string, List<PutRecord>> byShard;
        lock (_put)
        {
            byShard = _put.GroupBy(record => record.ShardId).ToDictionary(group => group.Key, group => group.OrderBy(record => record.Position).ToList());
        }

        var deliveredIn = new Dictionary<(string Shard, string Sequence), string>();
        foreach ((string key, string shard, ShardPosition first, ShardPosition last, byte[] content) in delivered)
        {
            key.ShouldStartWith("e2e/");
            key.ShouldEndWith(".gz");
            byShard.ShouldContainKey(shard, $"object {key} names shard {shard}, which no record was put into");
            List<PutRecord> expected = [.. byShard[shard].Where(record => record.Position >= first && record.Position <= last)];
            expected.ShouldNotBeEmpty($"object {key} covers {first}..{last} of {shard}, where nothing was put");
            expected[0].Position.ShouldBe(first);
            expected[^1].Position.ShouldBe(last);
            byte[] joined = [.. expected.SelectMany(record => record.Data.Append((byte)'\n'))];
            content.Length.ShouldBe(joined.Length, $"object {key} ({shard} {first}..{last}) has the wrong length");
            content.AsSpan().SequenceEqual(joined).ShouldBeTrue($"object {key} ({shard} {first}..{last}) differs from the records put");
            foreach (PutRecord record in expected)
            {
                if (deliveredIn.TryGetValue((shard, record.Position.SequenceNumber), out string? other))
                {
                    throw new ShouldAssertException($"record {record.Position} of {shard} was delivered in two objects: {other} and {key}");
                }

                deliveredIn[(shard, record.Position.SequenceNumber)] = key;
            }
        }

        List<PutRecord> missing = [.. byShard.Values.SelectMany(records => records).Where(record => !deliveredIn.ContainsKey((record.ShardId, record.Position.SequenceNumber)))];
        missing.ShouldBeEmpty($"{missing.Count} records were never delivered, e.g. {string.Join(", ", missing.Take(5).Select(r => r.ShardId + "/" + r.Position))}");
        return delivered.Count;
    }

    /// <summary>Every record put, with the shard it landed in and the partition key it was put under.</summary>
    public List<(string ShardId, ShardPosition Position, byte[] Data)> RecordsPut()
    {
        lock (_put)
        {
            return [.. _put.Select(record => (record.ShardId, record.Position, record.Data))];
        }
    }

    /// <summary>Every object in the bucket under the delivery prefix: key, source shard, and its records (NDJSON lines).</summary>
    public async Task<List<(string Key, string ShardId, List<byte[]> Records)>> ReadObjectsAsync() =>
        [.. (await ReadObjectContentsAsync()).Select(entry => (entry.Key, entry.ShardId, SplitLines(entry.Content)))];

    /// <summary>
    /// Every object under the delivery prefix, ordered by its first position (metadata <c>first-sequence-number</c>, with
    /// a "/subsequence" for user records of KPL aggregates), with its uncompressed content.
    /// </summary>
    public async Task<List<(string Key, string ShardId, ShardPosition First, byte[] Content)>> ReadObjectContentsAsync()
    {
        var objects = new List<(string Key, string ShardId, ShardPosition First, byte[] Content)>();
        string? continuation = null;
        do
        {
            ListObjectsV2Response listing = await _s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = BucketName, Prefix = "e2e/", ContinuationToken = continuation });
            foreach (S3Object entry in listing.S3Objects ?? [])
            {
                using GetObjectResponse response = await _s3.GetObjectAsync(BucketName, entry.Key);
                using var buffer = new MemoryStream();
                await using (var gzip = new GZipStream(response.ResponseStream, CompressionMode.Decompress))
                {
                    await gzip.CopyToAsync(buffer);
                }

                string[] first = response.Metadata["first-sequence-number"].Split('/');
                var position = new ShardPosition(first[0], first.Length > 1 ? long.Parse(first[1], System.Globalization.CultureInfo.InvariantCulture) : 0);
                objects.Add((entry.Key, response.Metadata["source-shard"], position, buffer.ToArray()));
            }

            continuation = listing.IsTruncated == true ? listing.NextContinuationToken : null;
        }
        while (continuation is not null);

        return [.. objects.OrderBy(entry => entry.ShardId, StringComparer.Ordinal).ThenBy(entry => entry.First)];
    }

    /// <summary>The lines of every gzip object in the bucket under <paramref name="prefix"/> (a source-record backup).</summary>
    public async Task<List<string>> ReadGzipLinesAsync(string prefix)
    {
        var lines = new List<string>();
        ListObjectsV2Response listing = await _s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = BucketName, Prefix = prefix });
        foreach (S3Object item in listing.S3Objects ?? [])
        {
            using GetObjectResponse stored = await _s3.GetObjectAsync(BucketName, item.Key);
            using var reader = new StreamReader(new GZipStream(stored.ResponseStream, CompressionMode.Decompress), System.Text.Encoding.UTF8);
            while (await reader.ReadLineAsync() is { } line)
            {
                lines.Add(line);
            }
        }

        return lines;
    }

    /// <summary>The source shard and first position of an object, from its metadata.</summary>
    public async Task<(string ShardId, ShardPosition First)> SourceOfAsync(string key)
    {
        GetObjectMetadataResponse metadata = await _s3.GetObjectMetadataAsync(BucketName, key);
        return (metadata.Metadata["source-shard"], new ShardPosition(metadata.Metadata["first-sequence-number"]));
    }

    public void Dispose()
    {
        _s3.Dispose();
        _dynamoDb.Dispose();
    }

    private async Task PutPageAsync(List<byte[]> page, Func<byte[], string> partitionKeyOf)
    {
        List<int> pending = [.. Enumerable.Range(0, page.Count)];
        while (pending.Count > 0)
        {
            var request = new PutRecordsRequest
            {
                StreamName = StreamName,
                Records = [.. pending.Select(i => new PutRecordsRequestEntry { Data = new MemoryStream(page[i]), PartitionKey = partitionKeyOf(page[i]) })],
            };
            PutRecordsResponse response = await (PutRecordsWith is { } put ? put(request) : Kinesis.PutRecordsAsync(request));
            var retry = new List<int>();
            for (int i = 0; i < pending.Count; i++)
            {
                PutRecordsResultEntry result = response.Records[i];
                if (result.ErrorCode is null)
                {
                    lock (_put)
                    {
                        _put.Add(new PutRecord(result.ShardId!, new ShardPosition(result.SequenceNumber!), page[pending[i]]));
                    }
                }
                else
                {
                    retry.Add(pending[i]);
                }
            }

            pending = retry;
        }
    }

    private static List<byte[]> SplitLines(byte[] content)
    {
        var lines = new List<byte[]>();
        int start = 0;
        for (int i = 0; i < content.Length; i++)
        {
            if (content[i] == (byte)'\n')
            {
                lines.Add(content[start..i]);
                start = i + 1;
            }
        }

        return lines;
    }

    private sealed record PutRecord(string ShardId, ShardPosition Position, byte[] Data);
}

/// <summary>One delivered object: its key, the shard and sequence numbers its metadata names, its uncompressed content.</summary>
internal sealed record DeliveredObject(string Key, string ShardId, ShardPosition First, ShardPosition Last, byte[] Content);
