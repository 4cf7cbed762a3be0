namespace Delivery.Kinesis.Client;

// Request and response types carry the SDK's names (Amazon.Kinesis.Model) and only the members Delivery uses.
#pragma warning disable CA1002, CA2227 // Mutable List properties mirror the SDK's model types on purpose.

public sealed class DescribeStreamSummaryRequest
{
    public string? StreamName { get; set; }

    public string? StreamARN { get; set; }
}

public sealed class DescribeStreamSummaryResponse
{
    public StreamDescriptionSummary StreamDescriptionSummary { get; set; } = new();
}

public sealed class StreamDescriptionSummary
{
    public string StreamName { get; set; } = "";

    public string StreamARN { get; set; } = "";

    /// <summary>CREATING, DELETING, ACTIVE or UPDATING.</summary>
    public string StreamStatus { get; set; } = "";

    public int OpenShardCount { get; set; }

    public int RetentionPeriodHours { get; set; }

    /// <summary>NONE or KMS (server-side encryption of the records at rest); null when the service does not say.</summary>
    public string? EncryptionType { get; set; }
}

public sealed class ListShardsRequest
{
    public string? StreamName { get; set; }

    public string? StreamARN { get; set; }

    /// <summary>Continue a listing; must be sent without <see cref="StreamName"/>.</summary>
    public string? NextToken { get; set; }

    public string? ExclusiveStartShardId { get; set; }

    public int? MaxResults { get; set; }
}

public sealed class ListShardsResponse
{
    public List<Shard> Shards { get; set; } = [];

    public string? NextToken { get; set; }
}

public sealed class Shard
{
    public string ShardId { get; set; } = "";

    public string? ParentShardId { get; set; }

    public string? AdjacentParentShardId { get; set; }

    public HashKeyRange HashKeyRange { get; set; } = new();

    public SequenceNumberRange SequenceNumberRange { get; set; } = new();

    /// <summary>A shard is closed (resharded away) once its range has an ending sequence number.</summary>
    public bool IsClosed => SequenceNumberRange.EndingSequenceNumber is not null;
}

public sealed class HashKeyRange
{
    public string StartingHashKey { get; set; } = "";

    public string EndingHashKey { get; set; } = "";
}

public sealed class SequenceNumberRange
{
    public string StartingSequenceNumber { get; set; } = "";

    public string? EndingSequenceNumber { get; set; }
}

/// <summary>The five iterator types of GetShardIterator.</summary>
public static class ShardIteratorType
{
    public const string AtSequenceNumber = "AT_SEQUENCE_NUMBER";
    public const string AfterSequenceNumber = "AFTER_SEQUENCE_NUMBER";
    public const string AtTimestamp = "AT_TIMESTAMP";
    public const string TrimHorizon = "TRIM_HORIZON";
    public const string Latest = "LATEST";
}

public sealed class GetShardIteratorRequest
{
    public string? StreamName { get; set; }

    public string? StreamARN { get; set; }

    public string ShardId { get; set; } = "";

    /// <summary>One of <see cref="Client.ShardIteratorType"/>.</summary>
    public string ShardIteratorType { get; set; } = Client.ShardIteratorType.TrimHorizon;

    public string? StartingSequenceNumber { get; set; }

    public DateTime? Timestamp { get; set; }
}

public sealed class GetShardIteratorResponse
{
    public string ShardIterator { get; set; } = "";
}

public sealed class GetRecordsRequest
{
    public string ShardIterator { get; set; } = "";

    /// <summary>1-10000; the service default (10000) when null.</summary>
    public int? Limit { get; set; }
}

public sealed class GetRecordsResponse
{
    public List<Record> Records { get; set; } = [];

    /// <summary>Null once a closed shard has been read to its end.</summary>
    public string? NextShardIterator { get; set; }

    public long? MillisBehindLatest { get; set; }

    public List<ChildShard> ChildShards { get; set; } = [];
}

public sealed class Record
{
    public string SequenceNumber { get; set; } = "";

    /// <summary>UTC.</summary>
    public DateTime ApproximateArrivalTimestamp { get; set; }

    public MemoryStream Data { get; set; } = new();

    public string PartitionKey { get; set; } = "";

    public string? EncryptionType { get; set; }
}

public sealed class ChildShard
{
    public string ShardId { get; set; } = "";

    public List<string> ParentShards { get; set; } = [];

    public HashKeyRange HashKeyRange { get; set; } = new();
}

public sealed class PutRecordsRequest
{
    public string? StreamName { get; set; }

    public string? StreamARN { get; set; }

    public List<PutRecordsRequestEntry> Records { get; set; } = [];
}

public sealed class PutRecordsRequestEntry
{
    public MemoryStream Data { get; set; } = new();

    public string PartitionKey { get; set; } = "";

    public string? ExplicitHashKey { get; set; }
}

public sealed class PutRecordsResponse
{
    public int FailedRecordCount { get; set; }

    /// <summary>One entry per request entry, in order.</summary>
    public List<PutRecordsResultEntry> Records { get; set; } = [];
}

public sealed class PutRecordsResultEntry
{
    public string? SequenceNumber { get; set; }

    public string? ShardId { get; set; }

    public string? ErrorCode { get; set; }

    public string? ErrorMessage { get; set; }
}

public sealed class CreateStreamRequest
{
    public string StreamName { get; set; } = "";

    public int? ShardCount { get; set; }
}

public sealed class CreateStreamResponse
{
}

public sealed class SplitShardRequest
{
    public string StreamName { get; set; } = "";

    public string ShardToSplit { get; set; } = "";

    /// <summary>The first hash key of the second child; the first child keeps the keys below it.</summary>
    public string NewStartingHashKey { get; set; } = "";
}

public sealed class SplitShardResponse
{
}

public sealed class MergeShardsRequest
{
    public string StreamName { get; set; } = "";

    public string ShardToMerge { get; set; } = "";

    /// <summary>Must cover the hash keys right next to <see cref="ShardToMerge"/>'s.</summary>
    public string AdjacentShardToMerge { get; set; } = "";
}

public sealed class MergeShardsResponse
{
}
