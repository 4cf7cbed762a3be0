using System.Text;
using System.Text.Json.Serialization;

namespace Delivery.Transforms;

/// <summary>The <c>kinesisRecordMetadata</c> of a Firehose transform event record: where the source record sits.</summary>
/// <remarks>
/// Handed to a plugin, the partition key and sequence number are read from the record's page when first asked: most
/// plugins never ask, and two strings per record were most of what running one allocated. Like the record's bytes, they
/// can be read while the plugin's call lasts (and as long as its batch is being delivered); a plugin that keeps them
/// for later reads them during the call.
/// </remarks>
public sealed record KinesisRecordMetadata
{
    private readonly SourceRecord _source;
    private string? _partitionKey;
    private string? _sequenceNumber;

    /// <param name="shardId">The shard, such as <c>shardId-000000000000</c>.</param>
    /// <param name="partitionKey">The Kinesis partition key the producer gave.</param>
    /// <param name="sequenceNumber">The record's sequence number.</param>
    /// <param name="subsequenceNumber">Its position inside a KPL aggregate; 0 otherwise.</param>
    /// <param name="approximateArrivalTimestamp">When Kinesis accepted it, in milliseconds since the Unix epoch.</param>
    [JsonConstructor]
    public KinesisRecordMetadata(string shardId, string partitionKey, string sequenceNumber, long subsequenceNumber, long approximateArrivalTimestamp)
    {
        ShardId = shardId;
        _partitionKey = partitionKey;
        _sequenceNumber = sequenceNumber;
        SubsequenceNumber = subsequenceNumber;
        ApproximateArrivalTimestamp = approximateArrivalTimestamp;
    }

    /// <summary>The metadata of <paramref name="source"/> (read from shard <paramref name="shardId"/>), its strings made from its page when first read.</summary>
    public KinesisRecordMetadata(string shardId, in SourceRecord source)
    {
        ShardId = shardId;
        _source = source;
        SubsequenceNumber = source.SubSequenceNumber;
        ApproximateArrivalTimestamp = source.ApproximateArrivalTimestamp.ToUnixTimeMilliseconds();
    }

    /// <summary>The shard, such as <c>shardId-000000000000</c>.</summary>
    [JsonPropertyName("shardId")]
    public string ShardId { get; init; }

    /// <summary>The Kinesis partition key the producer gave.</summary>
    [JsonPropertyName("partitionKey")]
    public string PartitionKey
    {
        get => _partitionKey ??= _source.PartitionKey;
        init => _partitionKey = value;
    }

    /// <summary>The record's sequence number.</summary>
    [JsonPropertyName("sequenceNumber")]
    public string SequenceNumber
    {
        get => _sequenceNumber ??= Encoding.ASCII.GetString(_source.SequenceNumberUtf8);
        init => _sequenceNumber = value;
    }

    /// <summary>Its position inside a KPL aggregate; 0 otherwise.</summary>
    [JsonPropertyName("subsequenceNumber")]
    public long SubsequenceNumber { get; init; }

    /// <summary>When Kinesis accepted it, in milliseconds since the Unix epoch.</summary>
    [JsonPropertyName("approximateArrivalTimestamp")]
    public long ApproximateArrivalTimestamp { get; init; }

    public void Deconstruct(out string shardId, out string partitionKey, out string sequenceNumber, out long subsequenceNumber, out long approximateArrivalTimestamp)
    {
        shardId = ShardId;
        partitionKey = PartitionKey;
        sequenceNumber = SequenceNumber;
        subsequenceNumber = SubsequenceNumber;
        approximateArrivalTimestamp = ApproximateArrivalTimestamp;
    }

    // By value, whether the strings were given or are read from a page.
    public bool Equals(KinesisRecordMetadata? other) =>
        other is not null
        && string.Equals(ShardId, other.ShardId, StringComparison.Ordinal)
        && string.Equals(PartitionKey, other.PartitionKey, StringComparison.Ordinal)
        && string.Equals(SequenceNumber, other.SequenceNumber, StringComparison.Ordinal)
        && SubsequenceNumber == other.SubsequenceNumber
        && ApproximateArrivalTimestamp == other.ApproximateArrivalTimestamp;

    public override int GetHashCode() => HashCode.Combine(ShardId, PartitionKey, SequenceNumber, SubsequenceNumber, ApproximateArrivalTimestamp);

    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("ShardId = ").Append(ShardId).Append(", PartitionKey = ").Append(PartitionKey)
            .Append(", SequenceNumber = ").Append(SequenceNumber).Append(", SubsequenceNumber = ").Append(SubsequenceNumber)
            .Append(", ApproximateArrivalTimestamp = ").Append(ApproximateArrivalTimestamp);
        return true;
    }
}
