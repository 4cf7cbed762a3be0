using System.Text;

namespace Delivery.Transforms;

/// <summary>One record handed to an in-process transform.</summary>
/// <remarks>
/// Handed to a plugin, a record is one object: its <see cref="KinesisRecordMetadata"/> is made from the record's page
/// when a plugin first reads it (most plugins never do; two objects per record were a third of what the plugin stage
/// allocated). Like <see cref="Data"/>, it can be read while the plugin's call lasts.
/// </remarks>
public sealed record TransformRecord
{
    private readonly string? _shardId;
    private readonly SourceRecord _source;
    private KinesisRecordMetadata? _metadata;

    /// <param name="RecordId">Opaque id, unique within the invocation; the result for this record must carry it back.</param>
    /// <param name="Data">The record's bytes as the previous processor left them (the producer's bytes when it is the first).</param>
    /// <param name="ApproximateArrivalTimestamp">When Kinesis accepted the source record.</param>
    /// <param name="KinesisRecordMetadata">Where the source record sits in its stream.</param>
    /// <param name="PartitionKeys">Partition keys an earlier transform in the chain set for this record; empty when none did.</param>
#pragma warning disable SA1313 // The positional record's parameter names, kept for callers that name them.
    public TransformRecord(string RecordId, ReadOnlyMemory<byte> Data, DateTimeOffset ApproximateArrivalTimestamp, KinesisRecordMetadata KinesisRecordMetadata, IReadOnlyDictionary<string, string> PartitionKeys)
#pragma warning restore SA1313
    {
        this.RecordId = RecordId;
        this.Data = Data;
        this.ApproximateArrivalTimestamp = ApproximateArrivalTimestamp;
        _metadata = KinesisRecordMetadata;
        this.PartitionKeys = PartitionKeys;
    }

    /// <summary>
    /// Record <paramref name="recordId"/> with bytes <paramref name="data"/>, made from <paramref name="source"/> (read from
    /// shard <paramref name="shardId"/>): its metadata is made from the source's page when first read.
    /// </summary>
    public TransformRecord(string recordId, ReadOnlyMemory<byte> data, string shardId, in SourceRecord source, IReadOnlyDictionary<string, string> partitionKeys)
    {
        RecordId = recordId;
        Data = data;
        ApproximateArrivalTimestamp = source.ApproximateArrivalTimestamp;
        _shardId = shardId;
        _source = source;
        PartitionKeys = partitionKeys;
    }

    /// <summary>Opaque id, unique within the invocation; the result for this record must carry it back.</summary>
    public string RecordId { get; init; }

    /// <summary>The record's bytes as the previous processor left them (the producer's bytes when it is the first).</summary>
    public ReadOnlyMemory<byte> Data { get; init; }

    /// <summary>When Kinesis accepted the source record.</summary>
    public DateTimeOffset ApproximateArrivalTimestamp { get; init; }

    /// <summary>Where the source record sits in its stream.</summary>
    public KinesisRecordMetadata KinesisRecordMetadata
    {
        // Racing readers may each make one; they are equal, and either is kept.
        get => _metadata ??= new KinesisRecordMetadata(_shardId!, _source);
        init => _metadata = value;
    }

    /// <summary>Partition keys an earlier transform in the chain set for this record; empty when none did.</summary>
    public IReadOnlyDictionary<string, string> PartitionKeys { get; init; }

    public void Deconstruct(out string RecordId, out ReadOnlyMemory<byte> Data, out DateTimeOffset ApproximateArrivalTimestamp, out KinesisRecordMetadata KinesisRecordMetadata, out IReadOnlyDictionary<string, string> PartitionKeys)
    {
        RecordId = this.RecordId;
        Data = this.Data;
        ApproximateArrivalTimestamp = this.ApproximateArrivalTimestamp;
        KinesisRecordMetadata = this.KinesisRecordMetadata;
        PartitionKeys = this.PartitionKeys;
    }

    // By the five values, whether the metadata was given or is made from a page; Data by reference, as a positional
    // record compares a ReadOnlyMemory.
    public bool Equals(TransformRecord? other) =>
        other is not null
        && string.Equals(RecordId, other.RecordId, StringComparison.Ordinal)
        && Data.Equals(other.Data)
        && ApproximateArrivalTimestamp.Equals(other.ApproximateArrivalTimestamp)
        && EqualityComparer<KinesisRecordMetadata>.Default.Equals(KinesisRecordMetadata, other.KinesisRecordMetadata)
        && EqualityComparer<IReadOnlyDictionary<string, string>>.Default.Equals(PartitionKeys, other.PartitionKeys);

    public override int GetHashCode() => HashCode.Combine(RecordId, Data, ApproximateArrivalTimestamp, KinesisRecordMetadata, PartitionKeys);

    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("RecordId = ").Append(RecordId).Append(", Data = ").Append(Data)
            .Append(", ApproximateArrivalTimestamp = ").Append(ApproximateArrivalTimestamp)
            .Append(", KinesisRecordMetadata = ").Append(KinesisRecordMetadata).Append(", PartitionKeys = ").Append(PartitionKeys);
        return true;
    }
}
