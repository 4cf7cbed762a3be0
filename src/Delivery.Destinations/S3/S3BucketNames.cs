using System.Net;

namespace Delivery.Destinations.S3;

/// <summary>
/// S3's rules for general purpose bucket names, checked at start so a typo fails there with the reason instead of at
/// the first write with an opaque error.
/// </summary>
internal static class S3BucketNames
{
    private static readonly string[] ReservedPrefixes = ["xn--", "sthree-", "amzn-s3-demo-"];
    private static readonly string[] ReservedSuffixes = ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"];

    /// <summary>Returns why <paramref name="name"/> is not a valid bucket name, or null when it is.</summary>
    public static string? Problem(string name)
    {
        if (name.Length is < 3 or > 63)
        {
            return "a bucket name has 3 to 63 characters";
        }

        foreach (char c in name)
        {
            if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '-'))
            {
                return $"'{c}' is not allowed; use lowercase letters, digits, '.' and '-'";
            }
        }

        if (!char.IsAsciiLetterOrDigit(name[0]) || !char.IsAsciiLetterOrDigit(name[^1]))
        {
            return "a bucket name starts and ends with a letter or digit";
        }

        if (name.Contains("..", StringComparison.Ordinal))
        {
            return "a bucket name has no two adjacent periods";
        }

        if (name.Count(c => c == '.') == 3 && IPAddress.TryParse(name, out _))
        {
            return "a bucket name is not an IP address";
        }

        if (ReservedPrefixes.FirstOrDefault(p => name.StartsWith(p, StringComparison.Ordinal)) is { } prefix)
        {
            return $"the prefix '{prefix}' is reserved";
        }

        return ReservedSuffixes.FirstOrDefault(s => name.EndsWith(s, StringComparison.Ordinal)) is { } suffix
            ? $"the suffix '{suffix}' is reserved"
            : null;
    }
}
