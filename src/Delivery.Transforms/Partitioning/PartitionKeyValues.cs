using Delivery.Transforms.Processing;

namespace Delivery.Transforms.Partitioning;

/// <summary>
/// The rules a partition key value must follow to become part of an S3 key: not empty, at most
/// <see cref="MaxBytes"/> UTF-8 bytes, not "." or "..", and none of the characters S3 advises keys to avoid (control
/// characters and <c>\ { } ^ % ` [ ] " &lt; &gt; ~ # |</c>), and valid Unicode. '/' is allowed: it makes the value
/// span folders.
/// </summary>
public static class PartitionKeyValues
{
    public const int MaxBytes = 512;

    private const string Avoided = "\\{}^%`[]\"<>~#|";

    /// <summary>Why <paramref name="value"/> cannot be a partition key value, or null when it can.</summary>
    public static string? Problem(string? value)
    {
        if (value is null)
        {
            return "it is null";
        }

        if (value.Length == 0)
        {
            return "it is empty";
        }

        // UTF-8 has no form for an unpaired surrogate: two different values would become the same key and overwrite each other's object.
        if (!JsonText.IsValidUnicode(value))
        {
            return "it is not valid Unicode (it has an unpaired surrogate)";
        }

        if (value is "." or "..")
        {
            return $"'{value}' would be a relative folder";
        }

        if (System.Text.Encoding.UTF8.GetByteCount(value) > MaxBytes)
        {
            return $"it is longer than {MaxBytes} UTF-8 bytes";
        }

        foreach (char c in value)
        {
            if (char.IsControl(c))
            {
                return $"it has the control character U+{(int)c:X4}";
            }

            if (Avoided.Contains(c, StringComparison.Ordinal))
            {
                return $"it has '{c}', which S3 keys should avoid";
            }
        }

        return null;
    }
}
