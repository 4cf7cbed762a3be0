using System.Globalization;

namespace Delivery.Worker.Redrive;

/// <summary>
/// Every name <c>redrive</c> gives is derived from the backup object's bucket and key and the lines' numbers, never from
/// the clock or a counter, so a redrive that stopped anywhere and runs again writes the same objects under the same keys
/// (docs/decisions/0013-redrive-ids-and-markers.md).
/// </summary>
internal static class RedriveIds
{
    /// <summary>Where redrive keeps its own objects in the backup bucket; never read as failed records unless <c>--from</c> asks.</summary>
    public const string Root = "delivery-redrive/";

    /// <summary>Markers: one per backup object redriven, written only once its records are delivered or backed up again.</summary>
    public const string MarkerRoot = Root + "done/";

    /// <summary>Records that failed again: the pipeline's error output prefix under this folder.</summary>
    public const string FailedAgainRoot = Root + "failed/";

    /// <summary>The marker of <paramref name="backupKey"/>: the key with the marker folder in front and ".json" after.</summary>
    public static string MarkerKey(string backupKey) => MarkerRoot + backupKey + ".json";

    /// <summary>The backup key a marker key stands for, or null when <paramref name="markerKey"/> is not a marker.</summary>
    public static string? BackupKeyOf(string markerKey) =>
        markerKey.StartsWith(MarkerRoot, StringComparison.Ordinal) && markerKey.EndsWith(".json", StringComparison.Ordinal) && markerKey.Length > MarkerRoot.Length + 5
            ? markerKey[MarkerRoot.Length..^5]
            : null;

    /// <summary>The error output prefix that records failing again are written under.</summary>
    public static string FailedAgainPrefix(string errorOutputPrefix) => FailedAgainRoot + errorOutputPrefix;

    /// <summary>
    /// The source of the batch redriving <paramref name="backupKey"/>: the object stands for the shard, its first and
    /// last line for the range. <see cref="DeliveryBatch.Id"/> (and so the S3 object key, the HTTP request id, the
    /// OpenSearch document ids) follows from it alone, and cannot equal the original batch's id, whose stream is a
    /// Kinesis stream: a redriven object never replaces the object its batch first delivered.
    /// </summary>
    public static BatchSource SourceOf(string bucket, string backupKey, int firstLine, int lastLine) =>
        new("redrive:s3://" + bucket, backupKey, PositionOf(firstLine), PositionOf(lastLine));

    /// <summary>A line's position: its number as the sequence number (ordered like Kinesis sequence numbers, by length then digits).</summary>
    public static ShardPosition PositionOf(int lineNumber) => new(lineNumber.ToString(CultureInfo.InvariantCulture));
}
