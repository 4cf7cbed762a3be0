using System.Globalization;
using Delivery.Kinesis.Client;
using Delivery.Testing;
using Record = Delivery.Kinesis.Client.Record;

namespace Delivery.UnitTests.Kinesis;

/// <summary>
/// An in-memory Kinesis stream behind <see cref="IKinesisClient"/>: shards with records, closed shards with children,
/// iterators as positions, and injectable failures. Every GetRecords call is logged with the fake clock's time.
/// </summary>
internal sealed class FakeKinesisStream(string streamName, FakeTimeProvider time) : IKinesisClient
{
    private readonly Lock _gate = new();
    private readonly List<FakeShard> _shards = [];
    private readonly Queue<Exception> _getRecordsFailures = new();
    private readonly Queue<Exception> _getShardIteratorFailures = new();
    private readonly List<(string ShardId, DateTimeOffset At, int Returned)> _reads = [];

    public string StreamName { get; } = streamName;

    public IReadOnlyList<(string ShardId, DateTimeOffset At, int Returned)> Reads
    {
        get
        {
            lock (_gate)
            {
                return [.. _reads];
            }
        }
    }

    public List<GetShardIteratorRequest> IteratorRequests { get; } = [];

    /// <summary>When set, GetRecords names the children at a closed shard's end, as Kinesis does (kinesalite does not).</summary>
    public bool ReturnsChildShards { get; set; }

    public int ListShardsCalls { get; private set; }

    public string AddShard(string? parent = null, string? adjacentParent = null)
    {
        lock (_gate)
        {
            string id = $"shardId-{_shards.Count:D12}";
            _shards.Add(new FakeShard(id, parent, adjacentParent, _shards.Count));
            return id;
        }
    }

    /// <summary>Appends records whose data is "shardId:n" and returns their sequence numbers.</summary>
    public IReadOnlyList<string> Put(string shardId, int count)
    {
        lock (_gate)
        {
            var sequenceNumbers = new List<string>();
            for (int i = 0; i < count; i++)
            {
                int n = Shard(shardId).Trimmed + Shard(shardId).Records.Count;
                sequenceNumbers.Add(Put(shardId, System.Text.Encoding.UTF8.GetBytes($"{shardId}:{n}"), "pk"));
            }

            return sequenceNumbers;
        }
    }

    /// <summary>Appends one record with the given data and partition key and returns its sequence number.</summary>
    public string Put(string shardId, byte[] data, string partitionKey)
    {
        lock (_gate)
        {
            FakeShard shard = Shard(shardId);
            string sequence = (100_000_000_000L + (shard.Index * 10_000_000L) + shard.Trimmed + shard.Records.Count).ToString(CultureInfo.InvariantCulture);
            shard.Records.Add(new Record
            {
                SequenceNumber = sequence,
                PartitionKey = partitionKey,
                ApproximateArrivalTimestamp = time.GetUtcNow().UtcDateTime,
                Data = new MemoryStream(data),
            });
            return sequence;
        }
    }

    /// <summary>The shard's oldest records age out of the stream's retention: the trim horizon moves past them.</summary>
    public void Trim(string shardId, int count)
    {
        lock (_gate)
        {
            FakeShard shard = Shard(shardId);
            shard.Records.RemoveRange(0, count);
            shard.Trimmed += count;
        }
    }

    public void Close(string shardId)
    {
        lock (_gate)
        {
            Shard(shardId).Closed = true;
        }
    }

    /// <summary>ListShards leaves the shard out: it has aged out of retention, or (for a new one) the listing lags.</summary>
    public void HideFromListing(string shardId, bool hidden = true)
    {
        lock (_gate)
        {
            Shard(shardId).Hidden = hidden;
        }
    }

    public void FailNextGetRecords(Exception exception)
    {
        lock (_gate)
        {
            _getRecordsFailures.Enqueue(exception);
        }
    }

    public void FailNextGetShardIterator(Exception exception)
    {
        lock (_gate)
        {
            _getShardIteratorFailures.Enqueue(exception);
        }
    }

    /// <summary>The data of every record put into the shard, in order, as text.</summary>
    public IReadOnlyList<string> DataOf(string shardId)
    {
        lock (_gate)
        {
            return [.. Shard(shardId).Records.Select(record => System.Text.Encoding.UTF8.GetString(record.Data.ToArray()))];
        }
    }

    public string LastSequenceNumber(string shardId)
    {
        lock (_gate)
        {
            return Shard(shardId).Records[^1].SequenceNumber;
        }
    }

    public Task<DescribeStreamSummaryResponse> DescribeStreamSummaryAsync(DescribeStreamSummaryRequest request, CancellationToken cancellationToken = default)
    {
        CheckStream(request.StreamName);
        lock (_gate)
        {
            return Task.FromResult(new DescribeStreamSummaryResponse
            {
                StreamDescriptionSummary = new StreamDescriptionSummary { StreamName = StreamName, StreamStatus = "ACTIVE", OpenShardCount = _shards.Count(s => !s.Closed) },
            });
        }
    }

    public Task<ListShardsResponse> ListShardsAsync(ListShardsRequest request, CancellationToken cancellationToken = default)
    {
        CheckStream(request.StreamName);
        lock (_gate)
        {
            ListShardsCalls++;
            return Task.FromResult(new ListShardsResponse
            {
                Shards = [.. _shards.Where(shard => !shard.Hidden).Select(shard => new Shard
                {
                    ShardId = shard.Id,
                    ParentShardId = shard.Parent,
                    AdjacentParentShardId = shard.AdjacentParent,
                    HashKeyRange = new HashKeyRange { StartingHashKey = "0", EndingHashKey = "1" },
                    SequenceNumberRange = new SequenceNumberRange
                    {
                        StartingSequenceNumber = (100_000_000_000L + (shard.Index * 10_000_000L)).ToString(CultureInfo.InvariantCulture),
                        EndingSequenceNumber = shard.Closed ? "999999999999" : null,
                    },
                })],
            });
        }
    }

    public Task<GetShardIteratorResponse> GetShardIteratorAsync(GetShardIteratorRequest request, CancellationToken cancellationToken = default)
    {
        CheckStream(request.StreamName);
        lock (_gate)
        {
            IteratorRequests.Add(request);
            if (_getShardIteratorFailures.TryDequeue(out Exception? failure))
            {
                throw failure;
            }

            FakeShard shard = Shard(request.ShardId);
            int index = request.ShardIteratorType switch
            {
                ShardIteratorType.TrimHorizon => 0,
                ShardIteratorType.Latest => shard.Records.Count,
                ShardIteratorType.AtSequenceNumber => shard.Records.FindIndex(r => r.SequenceNumber == request.StartingSequenceNumber),
                ShardIteratorType.AfterSequenceNumber => shard.Records.FindIndex(r => r.SequenceNumber == request.StartingSequenceNumber) + 1,
                ShardIteratorType.AtTimestamp => shard.Records.FindIndex(r => r.ApproximateArrivalTimestamp >= request.Timestamp) is var at and >= 0 ? at : shard.Records.Count,
                _ => throw new InvalidArgumentException("unsupported iterator type in fake"),
            };
            if (index < 0)
            {
                throw new InvalidArgumentException($"sequence number {request.StartingSequenceNumber} is not in {request.ShardId}");
            }

            return Task.FromResult(new GetShardIteratorResponse { ShardIterator = $"{shard.Id}|{index}" });
        }
    }

    public Task<GetRecordsResponse> GetRecordsAsync(GetRecordsRequest request, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            string[] parts = request.ShardIterator.Split('|');
            FakeShard shard = Shard(parts[0]);
            if (_getRecordsFailures.TryDequeue(out Exception? failure))
            {
                _reads.Add((shard.Id, time.GetUtcNow(), -1));
                throw failure;
            }

            int index = int.Parse(parts[1], CultureInfo.InvariantCulture);
            List<Record> records = [.. shard.Records.Skip(index).Take(request.Limit ?? 10000)];
            int next = index + records.Count;
            _reads.Add((shard.Id, time.GetUtcNow(), records.Count));
            return Task.FromResult(new GetRecordsResponse
            {
                Records = [.. records.Select(r => new Record
                {
                    SequenceNumber = r.SequenceNumber,
                    PartitionKey = r.PartitionKey,
                    ApproximateArrivalTimestamp = r.ApproximateArrivalTimestamp,
                    Data = new MemoryStream(r.Data.ToArray()),
                })],
                NextShardIterator = shard.Closed && next >= shard.Records.Count ? null : $"{shard.Id}|{next}",
                MillisBehindLatest = next < shard.Records.Count ? 5000 : 0,
                ChildShards = ReturnsChildShards && shard.Closed && next >= shard.Records.Count
                    ? [.. _shards.Where(child => child.Parent == shard.Id || child.AdjacentParent == shard.Id).Select(child => new ChildShard
                    {
                        ShardId = child.Id,
                        ParentShards = [.. new[] { child.Parent, child.AdjacentParent }.OfType<string>()],
                        HashKeyRange = new HashKeyRange { StartingHashKey = "0", EndingHashKey = "1" },
                    })]
                    : [],
            });
        }
    }

    public Task<PutRecordsResponse> PutRecordsAsync(PutRecordsRequest request, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("Use Put in tests.");

    public Task<CreateStreamResponse> CreateStreamAsync(CreateStreamRequest request, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("The fake stream exists from the start.");

    private void CheckStream(string? name)
    {
        if (name is not null && name != StreamName)
        {
            throw new ResourceNotFoundException($"Stream {name} under account 000000000000 not found.");
        }
    }

    private FakeShard Shard(string id) => _shards.Single(shard => shard.Id == id);

    private sealed class FakeShard(string id, string? parent, string? adjacentParent, int index)
    {
        public string Id { get; } = id;

        public string? Parent { get; } = parent;

        public string? AdjacentParent { get; } = adjacentParent;

        public int Index { get; } = index;

        public List<Record> Records { get; } = [];

        public bool Closed { get; set; }

        public bool Hidden { get; set; }

        public int Trimmed { get; set; }
    }
}
