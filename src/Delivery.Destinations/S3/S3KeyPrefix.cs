using System.Text;

namespace Delivery.Destinations.S3;

/// <summary>
/// A parsed S3 prefix: literal text and Firehose <c>!{namespace:argument}</c> expressions, evaluated per batch. Only
/// <c>!{timestamp:...}</c> and, in an error output prefix, <c>!{firehose:error-output-type}</c> are evaluated; the other
/// Firehose expressions are recognised and refused by name, so adding one (partition keys will need values carried on
/// the batch) means adding a segment here, not a new parser.
/// </summary>
internal sealed class S3KeyPrefix
{
    private const string ErrorOutputTypeExpression = "firehose:error-output-type";

    private static readonly string[] NotYetSupported =
        ["firehose:random-string", "partitionKeyFromQuery:", "partitionKeyFromLambda:"];

    private readonly Segment[] _segments;

    private S3KeyPrefix(Segment[] segments, bool hasExpressions)
    {
        _segments = segments;
        HasExpressions = hasExpressions;
        HasErrorOutputType = segments.Any(segment => segment.IsErrorOutputType);
    }

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
            string body = prefix[(start + 2)..end];
            if (body == ErrorOutputTypeExpression)
            {
                if (!isErrorOutputPrefix)
                {
                    error = $"'{expression}' is only allowed in the error output prefix";
                    return false;
                }

                segments.Add(new Segment(null, null, IsErrorOutputType: true));
            }
            else if (TryParseExpression(expression, body, out TimestampPattern? timestamp, out error))
            {
                segments.Add(new Segment(null, timestamp));
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

    public void AppendTo(StringBuilder builder, DeliveryBatch batch, string? errorOutputType = null)
    {
        foreach (Segment segment in _segments)
        {
            if (segment.Timestamp is { } timestamp)
            {
                timestamp.AppendTo(builder, batch.OldestArrival);
            }
            else if (segment.IsErrorOutputType)
            {
                builder.Append(errorOutputType ?? throw new InvalidOperationException("This prefix needs an error output type."));
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

    // A literal or an expression; partition-key expressions will add another kind.
    private readonly record struct Segment(string? Literal, TimestampPattern? Timestamp, bool IsErrorOutputType = false);
}
