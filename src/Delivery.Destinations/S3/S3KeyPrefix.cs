using System.Text;

namespace Delivery.Destinations.S3;

/// <summary>
/// A parsed S3 prefix: literal text and Firehose <c>!{namespace:argument}</c> expressions, evaluated per batch:
/// <c>!{timestamp:...}</c>, <c>!{firehose:random-string}</c>, the partition keys <c>!{partitionKeyFromQuery:name}</c> and
/// <c>!{partitionKeyFromLambda:name}</c> (destination prefix only; their values come with the batch's
/// <see cref="DeliveryBatch.Partition"/>) and, in an error output prefix, <c>!{firehose:error-output-type}</c>.
/// </summary>
internal sealed class S3KeyPrefix
{
    private const string ErrorOutputTypeExpression = "firehose:error-output-type";
    private const string RandomStringExpression = "firehose:random-string";
    private const string QueryKeyNamespace = "partitionKeyFromQuery:";
    private const string LambdaKeyNamespace = "partitionKeyFromLambda:";
    private const string RandomAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";

    private readonly Segment[] _segments;

    private S3KeyPrefix(Segment[] segments, bool hasExpressions)
    {
        _segments = segments;
        HasExpressions = hasExpressions;
        HasErrorOutputType = segments.Any(segment => segment.Kind == SegmentKind.ErrorOutputType);
        QueryKeys = [.. segments.Where(segment => segment.Kind == SegmentKind.QueryKey).Select(segment => segment.Literal!).Distinct(StringComparer.Ordinal)];
        LambdaKeys = [.. segments.Where(segment => segment.Kind == SegmentKind.LambdaKey).Select(segment => segment.Literal!).Distinct(StringComparer.Ordinal)];
    }

    /// <summary>The <c>partitionKeyFromQuery</c> names used, in order of first use.</summary>
    public IReadOnlyList<string> QueryKeys { get; }

    /// <summary>The <c>partitionKeyFromLambda</c> names used, in order of first use.</summary>
    public IReadOnlyList<string> LambdaKeys { get; }

    /// <summary>True when the prefix has at least one expression; Firehose then adds no default time path.</summary>
    public bool HasExpressions { get; }

    /// <summary>True when the prefix has <c>!{firehose:error-output-type}</c>.</summary>
    public bool HasErrorOutputType { get; }

    /// <summary>Parses a destination prefix.</summary>
    public static bool TryParse(string prefix, out S3KeyPrefix? result, out string? error) => TryParse(prefix, isErrorOutputPrefix: false, out result, out error);

    /// <summary>Parses <paramref name="prefix"/>; <paramref name="isErrorOutputPrefix"/> allows <c>!{firehose:error-output-type}</c>.</summary>
    public static bool TryParse(string prefix, bool isErrorOutputPrefix, out S3KeyPrefix? result, out string? error)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        result = null;
        var segments = new List<Segment>();
        bool hasExpressions = false;
        int position = 0;
        while (position < prefix.Length)
        {
            int start = prefix.IndexOf("!{", position, StringComparison.Ordinal);
            if (start < 0)
            {
                segments.Add(new Segment(SegmentKind.Literal, prefix[position..], null));
                break;
            }

            if (start > position)
            {
                segments.Add(new Segment(SegmentKind.Literal, prefix[position..start], null));
            }

            int end = prefix.IndexOf('}', start + 2);
            if (end < 0)
            {
                error = $"the expression starting at character {start + 1} ('{prefix[start..]}') has no closing '}}'";
                return false;
            }

            string expression = prefix[start..(end + 1)];
            string body = prefix[(start + 2)..end];
            if (body == ErrorOutputTypeExpression)
            {
                if (!isErrorOutputPrefix)
                {
                    error = $"'{expression}' is only allowed in the error output prefix";
                    return false;
                }

                segments.Add(new Segment(SegmentKind.ErrorOutputType, null, null));
            }
            else if (body == RandomStringExpression)
            {
                segments.Add(new Segment(SegmentKind.RandomString, null, null));
            }
            else if (body.StartsWith(QueryKeyNamespace, StringComparison.Ordinal) || body.StartsWith(LambdaKeyNamespace, StringComparison.Ordinal))
            {
                bool fromQuery = body.StartsWith(QueryKeyNamespace, StringComparison.Ordinal);
                string name = body[(fromQuery ? QueryKeyNamespace : LambdaKeyNamespace).Length..];
                if (isErrorOutputPrefix)
                {
                    error = $"'{expression}': partition keys cannot be used in the error output prefix (a record that failed may have no keys)";
                    return false;
                }

                if (name.Length == 0 || name.Any(char.IsWhiteSpace))
                {
                    error = $"'{expression}' needs a key name without spaces, such as !{{{(fromQuery ? QueryKeyNamespace : LambdaKeyNamespace)}customer_id}}";
                    return false;
                }

                segments.Add(new Segment(fromQuery ? SegmentKind.QueryKey : SegmentKind.LambdaKey, name, null));
            }
            else if (TryParseExpression(expression, body, out TimestampPattern? timestamp, out error))
            {
                segments.Add(new Segment(SegmentKind.Timestamp, null, timestamp));
            }
            else
            {
                return false;
            }

            hasExpressions = true;
            position = end + 1;
        }

        result = new S3KeyPrefix([.. segments], hasExpressions);
        error = null;
        return true;
    }

    /// <summary>Appends the prefix of <paramref name="batch"/>, its timestamps written as <paramref name="keyTime"/> (the oldest arrival in the key's time zone).</summary>
    public void AppendTo(StringBuilder builder, DeliveryBatch batch, DateTime keyTime, string? errorOutputType = null)
    {
        foreach (Segment segment in _segments)
        {
            switch (segment.Kind)
            {
                case SegmentKind.Timestamp:
                    segment.Timestamp!.AppendTo(builder, keyTime);
                    break;
                case SegmentKind.ErrorOutputType:
                    builder.Append(errorOutputType ?? throw new InvalidOperationException("This prefix needs an error output type."));
                    break;
                case SegmentKind.RandomString:
                    AppendRandomString(builder, batch);
                    break;
                case SegmentKind.QueryKey:
                    builder.Append(KeyValue(batch, batch.Partition?.FromQuery, segment.Literal!, QueryKeyNamespace));
                    break;
                case SegmentKind.LambdaKey:
                    builder.Append(KeyValue(batch, batch.Partition?.FromLambda, segment.Literal!, LambdaKeyNamespace));
                    break;
                default:
                    builder.Append(segment.Literal);
                    break;
            }
        }
    }

    private static string KeyValue(DeliveryBatch batch, IReadOnlyDictionary<string, string>? keys, string name, string expressionNamespace) =>
        keys is not null && keys.TryGetValue(name, out string? value)
            ? value
            : throw new InvalidOperationException($"Batch {batch.Id} has no value for !{{{expressionNamespace}{name}}}; only dynamic partitioning makes batches with partition keys.");

    // Firehose puts 11 random characters here. Delivery derives them from the object's id: they look as random, and an
    // object written again gets the same ones, so it still overwrites itself.
    private static void AppendRandomString(StringBuilder builder, DeliveryBatch batch)
    {
        Span<byte> hash = stackalloc byte[32];
        System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes("random-string\n" + batch.ObjectId), hash);
        for (int i = 0; i < 11; i++)
        {
            builder.Append(RandomAlphabet[hash[i] % RandomAlphabet.Length]);
        }
    }

    private static bool TryParseExpression(string expression, string body, out TimestampPattern? timestamp, out string? error)
    {
        timestamp = null;
        const string TimestampNamespace = "timestamp:";
        if (body.StartsWith(TimestampNamespace, StringComparison.Ordinal))
        {
            if (TimestampPattern.TryParse(body[TimestampNamespace.Length..], out timestamp, out string? patternError))
            {
                error = null;
                return true;
            }

            error = $"'{expression}': {patternError}";
            return false;
        }

        error = $"'{expression}' is not a known expression; use !{{timestamp:<pattern>}}, !{{firehose:random-string}}, "
            + "!{partitionKeyFromQuery:<name>}, !{partitionKeyFromLambda:<name>} or, in the error output prefix, !{firehose:error-output-type}";
        return false;
    }

    private enum SegmentKind
    {
        Literal,
        Timestamp,
        ErrorOutputType,
        RandomString,
        QueryKey,
        LambdaKey,
    }

    // Literal holds the text of a literal and the key name of a partition key.
    private readonly record struct Segment(SegmentKind Kind, string? Literal, TimestampPattern? Timestamp);
}
