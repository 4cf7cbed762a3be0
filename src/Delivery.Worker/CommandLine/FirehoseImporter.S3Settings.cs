using System.Text.Json;
using System.Text.Json.Nodes;

namespace Delivery.Worker.CommandLine;

/// <summary>The S3 settings carried over as they are: encryption, time zone and file extension.</summary>
internal static partial class FirehoseImporter
{
    /// <summary>
    /// Carries a Firehose <c>EncryptionConfiguration</c> (of an S3 destination, its backup or a staging bucket) over to
    /// <paramref name="target"/>: a KMS key becomes <c>EncryptionConfiguration:KMSEncryptionConfig:AWSKMSKeyARN</c>;
    /// <c>NoEncryption</c>, Delivery's default, is left out.
    /// </summary>
    private static void SetEncryption(JsonObject target, JsonElement s3)
    {
        if (s3.TryGetProperty("EncryptionConfiguration", out JsonElement encryption) && encryption.TryGetProperty("KMSEncryptionConfig", out JsonElement kms)
            && Text(kms, "AWSKMSKeyARN") is { Length: > 0 } arn)
        {
            target["EncryptionConfiguration"] = new JsonObject { ["KMSEncryptionConfig"] = new JsonObject { ["AWSKMSKeyARN"] = arn } };
        }
    }

    /// <summary>An extended S3 destination's <c>FileExtension</c> and <c>CustomTimeZone</c>, which name objects as Delivery's settings of the same names do.</summary>
    private static void MapKeySettings(JsonElement s3, JsonObject destination)
    {
        if (Text(s3, "FileExtension") is { Length: > 0 } extension)
        {
            destination["FileExtension"] = extension;
        }

        // UTC is Delivery's default as it is Firehose's.
        if (Text(s3, "CustomTimeZone") is { Length: > 0 } zone && zone != "UTC")
        {
            destination["CustomTimeZone"] = zone;
        }
    }
}
