using System.Globalization;
using System.Text;
using Delivery.Kinesis.Client;
using Delivery.Testing;

namespace Delivery.IntegrationTests.Chaos;

/// <summary>
/// Records with an identity: plain records of mixed sizes and KPL aggregates, every plain record and every user record
/// of an aggregate carrying a unique id at its start (<c>{"id":"r0000042",...</c>). Puts them into a stream and remembers
/// where Kinesis put each (shard, sequence number, and subsequence number inside an aggregate), so that what lands in S3
/// can be checked by id and the checkpoints by position.
/// </summary>
internal sealed class RecordLedger(IKinesisClient kinesis, string streamName)
{
    public const string IdPrefix = "{\"id\":\"";
    private const string Unicode = "héllo wörld ☃ 日本語 😀 ";
    private readonly Lock _gate = new();
    private readonly Dictionary<string, PutUserRecord> _byId = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ShardPosition> _lastByShard = new(StringComparer.Ordinal);
    private int _nextId;
    private int _kinesisRecords;
    private int _aggregates;

    /// <summary>A Kinesis record to put: its bytes, its partition key and the user records it holds (one for a plain record).</summary>
    public sealed record Entry(byte[] Data, string PartitionKey, IReadOnlyList<(string Id, byte[] Data)> Users, bool IsAggregate);

    /// <summary>Where one user record went, and its bytes.</summary>
    public sealed record PutUserRecord(string Id, string ShardId, ShardPosition Position, byte[] Data);

    public int UserRecordCount
    {
        get
        {
            lock (_gate)
            {
                return _byId.Count;
            }
        }
    }

    public string Counts
    {
        get
        {
            lock (_gate)
            {
                return $"{_byId.Count} records ({_kinesisRecords} Kinesis records, {_aggregates} of them KPL aggregates)";
            }
        }
    }

    /// <summary>Every user record put, by id.</summary>
    public IReadOnlyDictionary<string, PutUserRecord> ById
    {
        get
        {
            lock (_gate)
            {
                return new Dictionary<string, PutUserRecord>(_byId, StringComparer.Ordinal);
            }
        }
    }

    /// <summary>Per shard, the position of the last user record put: where its checkpoint must end.</summary>
    public IReadOnlyDictionary<string, ShardPosition> LastPositionByShard
    {
        get
        {
            lock (_gate)
            {
                return new Dictionary<string, ShardPosition>(_lastByShard, StringComparer.Ordinal);
            }
        }
    }

    /// <summary>
    /// A page of entries: mostly plain records (20 B to 128 KiB, most small), a fifth KPL aggregates of 1 to 30 user
    /// records under several partition keys.
    /// </summary>
    public List<Entry> NextPage(Random random, int entries)
    {
        ArgumentNullException.ThrowIfNull(random);
        var page = new List<Entry>(entries);
        for (int i = 0; i < entries; i++)
        {
            page.Add(random.Next(5) == 0 ? Aggregate(random) : Plain(random));
        }

        return page;
    }

    /// <summary>Plain records only (with <paramref name="aggregateEvery"/> > 0, every n-th entry an aggregate), <paramref name="users"/> user records in all.</summary>
    public List<Entry> Fixed(Random random, int users, int aggregateEvery)
    {
        ArgumentNullException.ThrowIfNull(random);
        var entries = new List<Entry>();
        int count = 0;
        while (count < users)
        {
            Entry entry = aggregateEvery > 0 && entries.Count % aggregateEvery == aggregateEvery - 1
                ? Aggregate(random, Math.Min(users - count, random.Next(2, 12)))
                : Plain(random);
            entries.Add(entry);
            count += entry.Users.Count;
        }

        return entries;
    }

    /// <summary>Puts the entries in order (one PutRecords call per 500), retrying the entries Kinesis refused.</summary>
    public async Task PutAsync(IReadOnlyList<Entry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        foreach (Entry[] chunk in entries.Chunk(500))
        {
            List<Entry> pending = [.. chunk];
            while (pending.Count > 0)
            {
                PutRecordsResponse response = await kinesis.PutRecordsAsync(new PutRecordsRequest
                {
                    StreamName = streamName,
                    Records = [.. pending.Select(entry => new PutRecordsRequestEntry { Data = new MemoryStream(entry.Data), PartitionKey = entry.PartitionKey })],
                });
                var retry = new List<Entry>();
                for (int i = 0; i < pending.Count; i++)
                {
                    PutRecordsResultEntry result = response.Records[i];
                    if (result.ErrorCode is null)
                    {
                        Remember(pending[i], result.ShardId!, result.SequenceNumber!);
                    }
                    else
                    {
                        retry.Add(pending[i]);
                    }
                }

                pending = retry;
            }
        }
    }

    private void Remember(Entry entry, string shardId, string sequenceNumber)
    {
        lock (_gate)
        {
            _kinesisRecords++;
            _aggregates += entry.IsAggregate ? 1 : 0;
            for (int sub = 0; sub < entry.Users.Count; sub++)
            {
                (string id, byte[] data) = entry.Users[sub];
                var position = new ShardPosition(sequenceNumber, entry.IsAggregate ? sub : 0);
                _byId.Add(id, new PutUserRecord(id, shardId, position, data));
                if (!_lastByShard.TryGetValue(shardId, out ShardPosition last) || position > last)
                {
                    _lastByShard[shardId] = position;
                }
            }
        }
    }

    private Entry Plain(Random random)
    {
        int roll = random.Next(100);
        int size = roll switch
        {
            < 60 => random.Next(20, 400),
            < 95 => random.Next(400, 8 * 1024),
            _ => random.Next(16 * 1024, 128 * 1024),
        };
        (string id, byte[] data) = UserRecord(random, "plain", size);
        return new Entry(data, PartitionKey(random), [(id, data)], IsAggregate: false);
    }

    private Entry Aggregate(Random random, int? users = null)
    {
        int count = users ?? random.Next(1, 31);
        var records = new List<(string Id, byte[] Data)>(count);
        var kpl = new List<KplAggregate.UserRecord>(count);
        for (int i = 0; i < count; i++)
        {
            (string id, byte[] data) = UserRecord(random, "kpl", random.Next(20, 600));
            records.Add((id, data));
            kpl.Add(new KplAggregate.UserRecord(PartitionKey(random), data));
        }

        return new Entry(KplAggregate.Build(kpl), PartitionKey(random), records, IsAggregate: true);
    }

    /// <summary>A JSON line that starts with its id and is padded with ASCII and multi-byte text to about <paramref name="size"/> bytes.</summary>
    private (string Id, byte[] Data) UserRecord(Random random, string kind, int size)
    {
        string id;
        lock (_gate)
        {
            id = "r" + (++_nextId).ToString("D7", CultureInfo.InvariantCulture);
        }

        var text = new StringBuilder(IdPrefix).Append(id).Append("\",\"kind\":\"").Append(kind).Append("\",\"pad\":\"");
        while (text.Length < size)
        {
            text.Append(random.Next(3) == 0 ? Unicode : random.Next().ToString("x8", CultureInfo.InvariantCulture));
        }

        return (id, Encoding.UTF8.GetBytes(text.Append("\"}").ToString()));
    }

    private static string PartitionKey(Random random) => "pk-" + random.Next().ToString("x8", CultureInfo.InvariantCulture);
}
