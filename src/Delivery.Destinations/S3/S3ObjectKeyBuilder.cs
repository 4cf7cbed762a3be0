using System.Text;

namespace Delivery.Destinations.S3;

/// <summary>
/// Builds the object key of a batch the way Firehose names objects, with one deliberate difference: the random suffix
/// is the batch's deterministic id, so a batch written again overwrites its own object instead of adding a duplicate.
/// </summary>
/// <remarks>
/// <para>
/// Key = prefix + time path + <c>&lt;delivery stream&gt;-1-yyyy-MM-dd-HH-mm-ss-&lt;batch id&gt;</c> + extension. Every
/// time in the key is the arrival time of the batch's oldest record, never the clock, written in UTC or in the
/// builder's time zone (Firehose's <c>CustomTimeZone</c>, which covers the prefix and the name alike).
/// </para>
/// <para>
/// A prefix without expressions is used as written and followed by the default time path <c>yyyy/MM/dd/HH/</c>; as in
/// Firehose, no separator is added, so a prefix that should be a folder ends with '/'. A prefix with
/// <c>!{timestamp:pattern}</c> expressions (Java DateTimeFormatter fields yyyy, yy, MM, dd, HH, mm, ss) is evaluated
/// and gets no default time path.
/// </para>
/// <para>
/// With dynamic partitioning the prefix holds <c>!{partitionKeyFromQuery:name}</c> and <c>!{partitionKeyFromLambda:name}</c>
/// expressions, filled from the batch's <see cref="DeliveryBatch.Partition"/>, and the id in the name is the
/// partition's <see cref="DeliveryBatch.ObjectId"/>, so each partition of a batch has its own deterministic key.
/// </para>
/// </remarks>
public sealed class S3ObjectKeyBuilder
{
    /// <summary>The delivery stream version in object names; Firehose counts configuration updates, Delivery has one.</summary>
    public const int DeliveryStreamVersion = 1;

    private static readonly TimestampPattern DefaultTimePath = TimestampPattern.Parse("yyyy/MM/dd/HH/");
    private static readonly TimestampPattern ObjectNameTime = TimestampPattern.Parse("yyyy-MM-dd-HH-mm-ss");

    private readonly S3KeyPrefix _prefix;
    private readonly TimeZoneInfo _timeZone;

    /// <summary>Creates a builder for <paramref name="prefix"/> and objects ending in <paramref name="fileExtension"/>.</summary>
    /// <param name="prefix">The configured prefix (<see cref="S3DestinationOptions.Prefix"/>), "" for none.</param>
    /// <param name="fileExtension">Appended to every key, such as ".gz", or "".</param>
    /// <param name="timeZone">The zone times are written in; default UTC.</param>
    /// <exception cref="ArgumentException">The prefix has an expression that cannot be evaluated; the message says which.</exception>
    public S3ObjectKeyBuilder(string prefix, string fileExtension, TimeZoneInfo? timeZone = null)
        : this(prefix, fileExtension, isErrorOutputPrefix: false, timeZone)
    {
    }

    private S3ObjectKeyBuilder(string prefix, string fileExtension, bool isErrorOutputPrefix, TimeZoneInfo? timeZone = null)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentNullException.ThrowIfNull(fileExtension);
        if (!TryParsePrefix(prefix, isErrorOutputPrefix, out S3KeyPrefix? parsed, out string? error))
        {
            throw new ArgumentException(error, nameof(prefix));
        }

        _prefix = parsed!;
        _timeZone = timeZone ?? TimeZoneInfo.Utc;
        FileExtension = fileExtension;
        IsErrorOutput = isErrorOutputPrefix;
    }

    public string FileExtension { get; }

    /// <summary>The <c>partitionKeyFromQuery</c> names the prefix uses, in order of first use.</summary>
    public IReadOnlyList<string> QueryKeys => _prefix.QueryKeys;

    /// <summary>The <c>partitionKeyFromLambda</c> names the prefix uses, in order of first use.</summary>
    public IReadOnlyList<string> LambdaKeys => _prefix.LambdaKeys;

    /// <summary>
    /// The partition key names a valid destination prefix uses, for wiring dynamic partitioning; both empty when it uses
    /// none or is invalid (validation reports that).
    /// </summary>
    public static (IReadOnlyList<string> QueryKeys, IReadOnlyList<string> LambdaKeys) PartitionKeysIn(string prefix) =>
        S3KeyPrefix.TryParse(prefix ?? "", out S3KeyPrefix? parsed, out _) ? (parsed!.QueryKeys, parsed.LambdaKeys) : ([], []);

    /// <summary>True for a builder of error output keys (<see cref="ForErrorOutput"/>).</summary>
    public bool IsErrorOutput { get; }

    /// <summary>
    /// A builder for the keys of failed-record objects: <paramref name="errorOutputPrefix"/> may hold
    /// <c>!{firehose:error-output-type}</c>. When it does not, the type is appended to the object name instead, so the
    /// failures of one batch with different types never share a key.
    /// </summary>
    public static S3ObjectKeyBuilder ForErrorOutput(string errorOutputPrefix, string fileExtension) =>
        new(errorOutputPrefix, fileExtension, isErrorOutputPrefix: true);

    /// <summary>Checks an error output prefix; see <see cref="ForErrorOutput"/>. <paramref name="error"/> says what is wrong.</summary>
    public static bool IsValidErrorOutputPrefix(string prefix, out string? error) => TryParsePrefix(prefix, isErrorOutputPrefix: true, out _, out error);

    /// <summary>
    /// Checks a prefix without building anything; <paramref name="error"/> names the option
    /// (<see cref="S3DestinationOptions.Prefix"/>) and the offending expression.
    /// </summary>
    public static bool IsValidPrefix(string prefix, out string? error) => TryParsePrefix(prefix, isErrorOutputPrefix: false, out _, out error);

    /// <summary>The key for <paramref name="batch"/>: the same batch always gets the same key.</summary>
    public string Build(DeliveryBatch batch)
    {
        if (IsErrorOutput)
        {
            throw new InvalidOperationException("An error output key needs its error output type: call Build(batch, errorOutputType).");
        }

        return BuildKey(batch, null);
    }

    /// <summary>The key of the failed records of <paramref name="batch"/> with <paramref name="errorOutputType"/>.</summary>
    public string Build(DeliveryBatch batch, string errorOutputType)
    {
        ArgumentException.ThrowIfNullOrEmpty(errorOutputType);
        if (!IsErrorOutput)
        {
            throw new InvalidOperationException("This builder is for delivered objects; use S3ObjectKeyBuilder.ForErrorOutput for failed records.");
        }

        return BuildKey(batch, errorOutputType);
    }

    private string BuildKey(DeliveryBatch batch, string? errorOutputType)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var key = new StringBuilder(160);

        // One instant per key, so a prefix and a name never disagree (a daylight saving change between two lookups).
        DateTime keyTime = TimeZoneInfo.ConvertTimeFromUtc(batch.OldestArrival.UtcDateTime, _timeZone);
        _prefix.AppendTo(key, batch, keyTime, errorOutputType);
        if (!_prefix.HasExpressions)
        {
            DefaultTimePath.AppendTo(key, keyTime);
        }

        key.Append(batch.DeliveryStreamName).Append('-').Append(DeliveryStreamVersion).Append('-');
        ObjectNameTime.AppendTo(key, keyTime);
        key.Append('-').Append(errorOutputType is null ? batch.ObjectId : batch.Id);
        if (errorOutputType is not null && !_prefix.HasErrorOutputType)
        {
            key.Append('-').Append(errorOutputType);
        }

        return key.Append(FileExtension).ToString();
    }

    private static bool TryParsePrefix(string prefix, bool isErrorOutputPrefix, out S3KeyPrefix? parsed, out string? error)
    {
        if (S3KeyPrefix.TryParse(prefix, isErrorOutputPrefix, out parsed, out string? problem))
        {
            error = null;
            return true;
        }

        string option = isErrorOutputPrefix ? "ErrorOutputPrefix" : $"{nameof(S3DestinationOptions)}.{nameof(S3DestinationOptions.Prefix)}";
        error = $"{option} '{prefix}': {problem}.";
        return false;
    }
}
