using System.Text.RegularExpressions;

namespace Delivery.Destinations.S3;

/// <summary>
/// Firehose's rules for the two settings that shape object names besides the prefix: <c>CustomTimeZone</c> (the zone
/// the time path, <c>!{timestamp:...}</c> and the time in the object name are written in) and <c>FileExtension</c>
/// (which replaces the extension of the format and compression).
/// </summary>
public static partial class S3KeySettings
{
    /// <summary>Firehose's limit on the time zone's name.</summary>
    public const int MaxTimeZoneLength = 50;

    /// <summary>Firehose's limit on the file extension.</summary>
    public const int MaxFileExtensionLength = 128;

    /// <summary>
    /// The zone named <paramref name="name"/>: UTC for null, "" or "UTC", otherwise an IANA zone (such as
    /// <c>Europe/Berlin</c>) from the machine's time zone database. <paramref name="problem"/> says why not.
    /// </summary>
    public static bool TryResolveTimeZone(string? name, out TimeZoneInfo zone, out string? problem)
    {
        zone = TimeZoneInfo.Utc;
        problem = null;
        if (string.IsNullOrEmpty(name) || name == "UTC")
        {
            return true;
        }

        if (name.Length > MaxTimeZoneLength)
        {
            problem = $"'{name}' is longer than Firehose's {MaxTimeZoneLength} characters.";
            return false;
        }

        try
        {
            zone = TimeZoneInfo.FindSystemTimeZoneById(name);
        }
        catch (Exception exception) when (exception is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            problem = $"'{name}' is not an IANA time zone name known to this machine's time zone database ({exception.Message.TrimEnd('.')}); use a name such as Europe/Berlin or Asia/Tokyo.";
            return false;
        }

        // Windows names ("W. Europe Standard Time") can resolve too; Firehose takes IANA names only.
        if (!zone.HasIanaId)
        {
            zone = TimeZoneInfo.Utc;
            problem = $"'{name}' is not an IANA time zone name; use a name such as Europe/Berlin or Asia/Tokyo.";
            return false;
        }

        return true;
    }

    /// <summary>
    /// Null when <paramref name="extension"/> is a valid Firehose file extension: "" (none set), or a '.' followed by
    /// lowercase letters, digits and <c>! - _ . * ' ( )</c>, at most 128 characters. Otherwise what is wrong with it.
    /// </summary>
    public static string? FileExtensionProblem(string? extension)
    {
        if (string.IsNullOrEmpty(extension))
        {
            return null;
        }

        if (extension.Length > MaxFileExtensionLength)
        {
            return $"'{extension}' is longer than Firehose's {MaxFileExtensionLength} characters.";
        }

        return FileExtensionPattern().IsMatch(extension)
            ? null
            : $"'{extension}' is not a file extension Firehose accepts: it must start with '.' and hold only lowercase letters, digits and ! - _ . * ' ( ), such as .json.gz.";
    }

    // Firehose's pattern for FileExtension (API reference, ExtendedS3DestinationConfiguration), anchored.
    [GeneratedRegex(@"^\.[0-9a-z!\-_.*'()]+$")]
    private static partial Regex FileExtensionPattern();
}
