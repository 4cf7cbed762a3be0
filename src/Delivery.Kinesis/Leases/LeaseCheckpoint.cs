using System.Globalization;

namespace Delivery.Kinesis.Leases;

/// <summary>
/// The checkpoint column of a lease: a position in the shard, or one of the KCL sentinels TRIM_HORIZON, LATEST,
/// AT_TIMESTAMP (where a shard with no delivery yet starts reading) and SHARD_END (the shard is closed and fully delivered).
/// Delivery adds AT_SEQUENCE_NUMBER: a manual replay starts at the lease's startingSequenceNumber.
/// </summary>
public readonly record struct LeaseCheckpoint(string Value, long SubSequenceNumber = 0)
{
    public const string TrimHorizonValue = "TRIM_HORIZON";
    public const string LatestValue = "LATEST";
    public const string AtTimestampValue = "AT_TIMESTAMP";
    public const string ShardEndValue = "SHARD_END";
    public const string AtSequenceNumberValue = "AT_SEQUENCE_NUMBER";

    public static LeaseCheckpoint TrimHorizon { get; } = new(TrimHorizonValue);

    public static LeaseCheckpoint Latest { get; } = new(LatestValue);

    public static LeaseCheckpoint AtTimestamp { get; } = new(AtTimestampValue);

    public static LeaseCheckpoint ShardEnd { get; } = new(ShardEndValue);

    public static LeaseCheckpoint AtSequenceNumber { get; } = new(AtSequenceNumberValue);

    public bool IsShardEnd => Value == ShardEndValue;

    /// <summary>True when the checkpoint names a record rather than a sentinel.</summary>
    public bool IsPosition => Value.Length > 0 && char.IsAsciiDigit(Value[0]);

    /// <summary>The delivered position, or null for the sentinels.</summary>
    public ShardPosition? Position => IsPosition ? new ShardPosition(Value, SubSequenceNumber) : null;

    public static LeaseCheckpoint FromPosition(ShardPosition position) => new(position.SequenceNumber, position.SubSequenceNumber);

    public override string ToString() =>
        SubSequenceNumber == 0 ? Value : Value + "/" + SubSequenceNumber.ToString(CultureInfo.InvariantCulture);
}
