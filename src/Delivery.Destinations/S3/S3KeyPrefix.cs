using System.Text;

namespace Delivery.Destinations.S3;

/// <summary>
/// A parsed S3 prefix: literal text and Firehose <c>!{namespace:argument}</c> expressions, evaluated per batch. Only
/// <c>!{timestamp:...}</c> is evaluated today; the other Firehose expressions are recognised and refused by name, so
/// adding one (partition keys will need values carried on the batch) means adding a segment here, not a new parser.
/// </summary>
internal sealed class S3KeyPrefix
{
    private static readonly string[] NotYetSupported =
        ["firehose:random-string", "firehose:error-output-type", "partitionKeyFromQuery:", "partitionKeyFromLambda:"];

    private readonly Segment[] _segments;

    private S3KeyPrefix(Segment[] segments, bool hasExpressions)
    {
        _segments = segments;
        HasExpressions = hasExpressions;
    }

    /// <summary>True when the prefix has at least one expression; Firehose then adds no default time path.</summary>
    public bool HasExpressions { get; }

    public static bool TryParse(string prefix, out S3KeyPrefix? result, out string? error)
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
                segments.Add(new Segment(prefix[position..], null));
                break;
            }

            if (start > position)
            {
                segments.Add(new Segment(prefix[position..start], null));
            }

            int end = prefix.IndexOf('}', start + 2);
            if (end < 0)
            {
                error = $"the expression starting at character {start + 1} ('{prefix[start..]}') has no closing '}}'";
                return false;
            }

            string expression = prefix[start..(end + 1)];
            if (!TryParseExpression(expression, prefix[(start + 2)..end], out TimestampPattern? timestamp, out error))
            {
                return false;
            }

            segments.Add(new Segment(null, timestamp));
            hasExpressions = true;
            position = end + 1;
        }

        result = new S3KeyPrefix([.. segments], hasExpressions);
        error = null;
        return true;
    }

    public void AppendTo(StringBuilder builder, DeliveryBatch batch)
    {
        foreach (Segment segment in _segments)
        {
            if (segment.Timestamp is { } timestamp)
            {
                timestamp.AppendTo(builder, batch.OldestArrival);
            }
            else
            {
                builder.Append(segment.Literal);
            }
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

        error = NotYetSupported.Any(known => body.StartsWith(known, StringComparison.Ordinal))
            ? $"'{expression}' is a Firehose expression Delivery does not support yet; only !{{timestamp:...}} is evaluated"
            : $"'{expression}' is not a known expression; only !{{timestamp:<pattern>}} is evaluated";
        return false;
    }

    // A literal or an expression; partition-key expressions will add a third kind.
    private readonly record struct Segment(string? Literal, TimestampPattern? Timestamp);
}
