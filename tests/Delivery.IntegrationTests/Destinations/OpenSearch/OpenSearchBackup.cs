using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Amazon.S3;
using Amazon.S3.Model;

namespace Delivery.IntegrationTests.Destinations.OpenSearch;

/// <summary>A failed document as the backup bucket holds it, with the fields Firehose adds for OpenSearch.</summary>
internal sealed record FailedDocument(string Key, string ErrorCode, string ErrorMessage, int AttemptsMade, string Raw, string? IndexName, string? DocumentId);

internal static class OpenSearchBackup
{
    /// <summary>Every failed-record line under <paramref name="prefix"/> of <paramref name="bucket"/>.</summary>
    public static async Task<List<FailedDocument>> ReadAsync(IAmazonS3 s3, string bucket, string prefix = "")
    {
        ListObjectsV2Response listing = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = prefix });
        var found = new List<FailedDocument>();
        foreach (string key in (listing.S3Objects ?? []).Select(entry => entry.Key).Order(StringComparer.Ordinal))
        {
            using GetObjectResponse stored = await s3.GetObjectAsync(bucket, key);
            await using var gzip = new GZipStream(stored.ResponseStream, CompressionMode.Decompress);
            using var reader = new StreamReader(gzip, Encoding.UTF8);
            while (await reader.ReadLineAsync() is { Length: > 0 } line)
            {
                using JsonDocument json = JsonDocument.Parse(line);
                JsonElement root = json.RootElement;
                found.Add(new FailedDocument(
                    key,
                    root.GetProperty("errorCode").GetString()!,
                    root.GetProperty("errorMessage").GetString()!,
                    root.GetProperty("attemptsMade").GetInt32(),
                    Encoding.UTF8.GetString(root.GetProperty("rawData").GetBytesFromBase64()),
                    root.TryGetProperty("esIndexName", out JsonElement index) ? index.GetString() : null,
                    root.TryGetProperty("esDocumentId", out JsonElement id) ? id.GetString() : null));
            }
        }

        return found;
    }
}
