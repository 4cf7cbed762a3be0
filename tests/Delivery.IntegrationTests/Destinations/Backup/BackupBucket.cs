using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Amazon.S3;
using Amazon.S3.Model;

namespace Delivery.IntegrationTests.Destinations.Backup;

/// <summary>One failed record as the backup bucket holds it: the object it is in and its failed-record line, parsed.</summary>
internal sealed record BackedUp(string Key, string ErrorCode, string ErrorMessage, int AttemptsMade, string? LambdaArn, byte[] RawData, string SequenceNumber)
{
    public string Raw => Encoding.UTF8.GetString(RawData);
}

/// <summary>Reads what a test's pipeline wrote to its backup bucket (gzip-compressed failed-record lines).</summary>
internal static class BackupBucket
{
    /// <summary>Every failed record under <paramref name="prefix"/>, objects in key order, lines in object order.</summary>
    public static async Task<List<BackedUp>> ReadAsync(IAmazonS3 s3, string bucket, string prefix = "")
    {
        ListObjectsV2Response listing = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = prefix });
        var found = new List<BackedUp>();
        foreach (string key in (listing.S3Objects ?? []).Select(entry => entry.Key).Order(StringComparer.Ordinal))
        {
            using GetObjectResponse stored = await s3.GetObjectAsync(bucket, key);
            await using var gzip = new GZipStream(stored.ResponseStream, CompressionMode.Decompress);
            using var reader = new StreamReader(gzip, Encoding.UTF8);
            while (await reader.ReadLineAsync() is { } line)
            {
                if (line.Length == 0)
                {
                    continue;
                }

                using JsonDocument json = JsonDocument.Parse(line);
                JsonElement root = json.RootElement;
                found.Add(new BackedUp(
                    key,
                    root.GetProperty("errorCode").GetString()!,
                    root.GetProperty("errorMessage").GetString()!,
                    root.GetProperty("attemptsMade").GetInt32(),
                    root.TryGetProperty("lambdaArn", out JsonElement arn) ? arn.GetString() : null,
                    root.GetProperty("rawData").GetBytesFromBase64(),
                    root.GetProperty("kinesisRecordMetadata").GetProperty("sequenceNumber").GetString()!));
            }
        }

        return found;
    }
}
