namespace Delivery.DirectPut.Ingest;

/// <summary>What became of one record of a put: stored under <see cref="RecordId"/>, or refused with an error.</summary>
/// <param name="RecordId">The record's id (its shard and sequence number) when the stream stored it, else null.</param>
/// <param name="ErrorCode">Firehose's error code when it was not stored, else null.</param>
/// <param name="ErrorMessage">Why it was not stored.</param>
public sealed record PutOutcome(string? RecordId, string? ErrorCode, string? ErrorMessage)
{
    /// <summary>True when the record is stored in the stream.</summary>
    public bool Stored => RecordId is not null;

    /// <summary>True when it was refused for throughput (the stream's shards or this listener's capacity), and may simply be put again.</summary>
    public bool Throttled { get; init; }
}
