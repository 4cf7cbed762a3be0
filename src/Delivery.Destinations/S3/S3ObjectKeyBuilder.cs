using System.Text;

namespace Delivery.Destinations.S3;

/// <summary>
/// Builds the object key of a batch the way Firehose names objects, with one deliberate difference: the random suffix
/// is the batch's deterministic id, so a batch written again overwrites its own object instead of adding a duplicate.
/// </summary>
/// <remarks>
/// <para>
/// Key = prefix + time path + <c>&lt;delivery stream&gt;-1-yyyy-MM-dd-HH-mm-ss-&lt;batch id&gt;</c> + extension. Every
/// time in the key is the UTC arrival time of the batch's oldest record, never the clock.
/// </para>
/// <para>
/// A prefix without expressions is used as written and followed by the default time path <c>yyyy/MM/dd/HH/</c>; as in
/// Firehose, no separator is added, so a prefix that should be a folder ends with '/'. A prefix with
/// <c>!{timestamp:pattern}</c> expressions (Java DateTimeFormatter fields yyyy, yy, MM, dd, HH, mm, ss) is evaluated
/// and gets no default time path.
/// </para>
/// </remarks>
public sealed class S3ObjectKeyBuilder
{
    /// <summary>The delivery stream version in object names; Firehose counts configuration updates, Delivery has one.</summary>
    public const int DeliveryStreamVersion = 1;

    private static readonly TimestampPattern DefaultTimePath = TimestampPattern.Parse("yyyy/MM/dd/HH/");
    private static readonly TimestampPattern ObjectNameTime = TimestampPattern.Parse("yyyy-MM-dd-HH-mm-ss");

    private readonly S3KeyPrefix _prefix;

    /// <summary>Creates a builder for <paramref name="prefix"/> and objects ending in <paramref name="fileExtension"/>.</summary>
    /// <param name="prefix">The configured prefix (<see cref="S3DestinationOptions.Prefix"/>), "" for none.</param>
    /// <param name="fileExtension">Appended to every key, such as ".gz", or "".</param>
    /// <exception cref="ArgumentException">The prefix has an expression that cannot be evaluated; the message says which.</exception>
    public S3ObjectKeyBuilder(string prefix, string fileExtension)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentNullException.ThrowIfNull(fileExtension);
        if (!TryParsePrefix(prefix, out S3KeyPrefix? parsed, out string? error))
        {
            throw new ArgumentException(error, nameof(prefix));
        }

        _prefix = parsed!;
        FileExtension = fileExtension;
    }

    public string FileExtension { get; }

    /// <summary>
    /// Checks a prefix without building anything; <paramref name="error"/> names the option
    /// (<see cref="S3DestinationOptions.Prefix"/>) and the offending expression.
    /// </summary>
    public static bool IsValidPrefix(string prefix, out string? error) => TryParsePrefix(prefix, out _, out error);

    /// <summary>The key for <paramref name="batch"/>: the same batch always gets the same key.</summary>
    public string Build(DeliveryBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var key = new StringBuilder(160);
        _prefix.AppendTo(key, batch);
        if (!_prefix.HasExpressions)
        {
            DefaultTimePath.AppendTo(key, batch.OldestArrival);
        }

        key.Append(batch.DeliveryStreamName).Append('-').Append(DeliveryStreamVersion).Append('-');
        ObjectNameTime.AppendTo(key, batch.OldestArrival);
        return key.Append('-').Append(batch.Id).Append(FileExtension).ToString();
    }

    private static bool TryParsePrefix(string prefix, out S3KeyPrefix? parsed, out string? error)
    {
        if (S3KeyPrefix.TryParse(prefix, out parsed, out string? problem))
        {
            error = null;
            return true;
        }

        error = $"{nameof(S3DestinationOptions)}.{nameof(S3DestinationOptions.Prefix)} '{prefix}': {problem}.";
        return false;
    }
}
