using System.Globalization;

namespace Delivery.Destinations.OpenSearch;

/// <summary>
/// The index a document goes to: the configured name, plus, with rotation, a suffix from the UTC arrival time of its
/// record, as Firehose appends it (for <c>myindex</c> at 2016-02-25T13:00:00Z: <c>myindex-2016-02-25-13</c>,
/// <c>myindex-2016-02-25</c>, <c>myindex-2016-02</c>). The time is the record's, never the clock's, so a record sent
/// again, in whatever batch, goes to the same index.
/// </summary>
/// <remarks>
/// Weeks follow the rule Firehose states for OneWeek: UTC, weeks start on Sunday, and week 1 is the first week that
/// holds a Saturday of the year, that is the week holding January 1st. A week that begins in December and holds
/// January 1st belongs wholly to the new year (<c>2022-w01</c> runs from 2021-12-26 to 2022-01-01), so one week is one
/// index. Firehose's own example table shows <c>w08</c> for 2016-02-25, which that rule numbers 9; see decision 0008.
/// </remarks>
public static class OpenSearchIndexNames
{
    /// <summary>OpenSearch's limit on an index name, in bytes.</summary>
    public const int MaxIndexNameBytes = 255;

    private static readonly char[] ForbiddenCharacters = ['\\', '/', '*', '?', '"', '<', '>', '|', ' ', ',', '#', ':'];

    /// <summary>The index of a document whose record arrived at <paramref name="arrival"/>.</summary>
    public static string For(string indexName, OpenSearchIndexRotation rotation, DateTimeOffset arrival)
    {
        ArgumentException.ThrowIfNullOrEmpty(indexName);
        DateTime utc = arrival.UtcDateTime;
        return rotation switch
        {
            OpenSearchIndexRotation.NoRotation => indexName,
            OpenSearchIndexRotation.OneHour => indexName + utc.ToString("'-'yyyy'-'MM'-'dd'-'HH", CultureInfo.InvariantCulture),
            OpenSearchIndexRotation.OneDay => indexName + utc.ToString("'-'yyyy'-'MM'-'dd", CultureInfo.InvariantCulture),
            OpenSearchIndexRotation.OneWeek => indexName + WeekSuffix(utc),
            OpenSearchIndexRotation.OneMonth => indexName + utc.ToString("'-'yyyy'-'MM", CultureInfo.InvariantCulture),
            _ => throw new ArgumentOutOfRangeException(nameof(rotation), rotation, "Not an index rotation period."),
        };
    }

    /// <summary>
    /// The start of the rotation period holding <paramref name="arrival"/>: documents whose records arrived in the
    /// same period go to the same index, so a writer names each period's index once.
    /// </summary>
    public static DateTime PeriodStart(OpenSearchIndexRotation rotation, DateTimeOffset arrival)
    {
        DateTime utc = arrival.UtcDateTime;
        return rotation switch
        {
            OpenSearchIndexRotation.NoRotation => DateTime.MinValue,
            OpenSearchIndexRotation.OneHour => new DateTime(utc.Year, utc.Month, utc.Day, utc.Hour, 0, 0, DateTimeKind.Utc),
            OpenSearchIndexRotation.OneDay => utc.Date,
            OpenSearchIndexRotation.OneWeek => utc.Date.AddDays(-(int)utc.DayOfWeek),
            OpenSearchIndexRotation.OneMonth => new DateTime(utc.Year, utc.Month, 1, 0, 0, 0, DateTimeKind.Utc),
            _ => throw new ArgumentOutOfRangeException(nameof(rotation), rotation, "Not an index rotation period."),
        };
    }

    /// <summary>
    /// Why <paramref name="indexName"/> cannot name an index, or null when it can: OpenSearch's rules (lowercase, no
    /// <c>\ / * ? " &lt; &gt; | , # :</c> or space, not starting with <c>-</c>, <c>_</c> or <c>+</c>, not <c>.</c> or
    /// <c>..</c>), with room for the longest rotation suffix within 255 bytes.
    /// </summary>
    public static string? Problem(string indexName)
    {
        ArgumentNullException.ThrowIfNull(indexName);
        if (indexName.Length == 0)
        {
            return "an index name cannot be empty.";
        }

        if (indexName.Any(char.IsUpper))
        {
            return "index names are lowercase in OpenSearch.";
        }

        int forbidden = indexName.IndexOfAny(ForbiddenCharacters);
        if (forbidden >= 0)
        {
            return $"'{indexName[forbidden]}' cannot appear in an index name (nor \\ / * ? \" < > | , # : or a space).";
        }

        if (indexName.Any(char.IsControl))
        {
            return "an index name cannot hold control characters.";
        }

        if (indexName[0] is '-' or '_' or '+')
        {
            return $"an index name cannot start with '{indexName[0]}'.";
        }

        if (indexName is "." or "..")
        {
            return "'.' and '..' are not index names.";
        }

        const int LongestSuffix = 14; // "-yyyy-MM-dd-HH"
        return System.Text.Encoding.UTF8.GetByteCount(indexName) + LongestSuffix > MaxIndexNameBytes
            ? $"an index name, with its rotation suffix, must fit in {MaxIndexNameBytes} UTF-8 bytes."
            : null;
    }

    // The Saturday that ends the week names the week's year: a week is numbered in the year it ends in.
    private static string WeekSuffix(DateTime utc)
    {
        DateTime saturday = utc.Date.AddDays(6 - (int)utc.DayOfWeek);
        int week = ((saturday.DayOfYear - 1) / 7) + 1;
        return string.Create(CultureInfo.InvariantCulture, $"-{saturday.Year:D4}-w{week:D2}");
    }
}
