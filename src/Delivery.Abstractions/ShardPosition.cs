using System.Globalization;

namespace Delivery;

/// <summary>
/// The position of one user record in a shard: the Kinesis sequence number and, for records that were de-aggregated
/// from a KPL aggregate, the subsequence number within it (0 otherwise).
/// </summary>
/// <remarks>
/// Kinesis sequence numbers are decimal strings of up to 129 digits without leading zeros, so they order by length
/// first and then ordinally; no numeric parse is needed.
/// </remarks>
public readonly record struct ShardPosition(string SequenceNumber, long SubSequenceNumber = 0) : IComparable<ShardPosition>
{
    public int CompareTo(ShardPosition other)
    {
        int bySequence = CompareSequenceNumbers(SequenceNumber, other.SequenceNumber);
        return bySequence != 0 ? bySequence : SubSequenceNumber.CompareTo(other.SubSequenceNumber);
    }

    public static int CompareSequenceNumbers(string left, string right)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        int byLength = left.Length.CompareTo(right.Length);
        return byLength != 0 ? byLength : string.CompareOrdinal(left, right);
    }

    public static bool operator <(ShardPosition left, ShardPosition right) => left.CompareTo(right) < 0;

    public static bool operator >(ShardPosition left, ShardPosition right) => left.CompareTo(right) > 0;

    public static bool operator <=(ShardPosition left, ShardPosition right) => left.CompareTo(right) <= 0;

    public static bool operator >=(ShardPosition left, ShardPosition right) => left.CompareTo(right) >= 0;

    public override string ToString() =>
        SubSequenceNumber == 0 ? SequenceNumber : SequenceNumber + "/" + SubSequenceNumber.ToString(CultureInfo.InvariantCulture);
}
