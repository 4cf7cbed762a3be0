using System.Text;
using Amazon.S3;
using Delivery.Destinations.OpenSearch;
using Delivery.IntegrationTests.Destinations.OpenSearch;
using Delivery.Testing;

namespace Delivery.IntegrationTests.EndToEnd;

/// <summary>
/// The worker executable reading Kinesis into a bulk API receiver with basic auth (the password from an environment
/// variable), throttled now and then, refusing the documents it cannot map, with every source record also backed up
/// (AllDocuments).
/// </summary>
[Collection(LocalAwsCollection.Name)]
public sealed class KinesisToOpenSearchEndToEndTests(LocalAwsStack stack)
{
    private const string Password = "os-e2e-password-91d4";

    [Fact]
    public async Task EveryRecord_IsIndexedOnceUnderTheIdOfItsPlaceInTheStream_OrBackedUpWithItsError()
    {
        using var scenario = new DeliveryScenario(stack);
        await scenario.CreateAsync(shards: 2);
        await using BulkReceiver receiver = await BulkReceiver.StartAsync();
        receiver.RequiredCredentials = ("delivery", Password);
        receiver.Whole = request => request % 4 == 1 ? WholeReply.TooManyRequests : WholeReply.Items;
        receiver.ItemStatus = action => action.Attempt == 1 && action.Source.Length % 9 == 0 ? 503 : null;
        var random = new Random(19);

        // Every 97th record is not a JSON object, which a cluster cannot index.
        List<byte[]> records = [.. Enumerable.Range(0, 2000).Select(i => Encoding.UTF8.GetBytes(i % 97 == 5 ? $"plain text {i}" : $"{{\"n\":{i},\"v\":\"{new string('v', random.Next(0, 300))}\"}}"))];
        await scenario.PutAsync(records, random);

        const string P = $"Delivery:Pipelines:{DeliveryScenario.Pipeline}";
        Dictionary<string, string> settings = scenario.WorkerSettings();
        settings.Remove($"{P}:S3:BucketName");
        settings.Remove($"{P}:S3:Prefix");
        settings[$"{P}:OpenSearch:Endpoint"] = receiver.Url.ToString();
        settings[$"{P}:OpenSearch:AllowPlainHttp"] = "true";
        settings[$"{P}:OpenSearch:IndexName"] = "e2e-logs";
        settings[$"{P}:OpenSearch:RetryDurationSeconds"] = "60";
        settings[$"{P}:OpenSearch:S3BackupMode"] = "AllDocuments";
        settings[$"{P}:OpenSearch:Authentication:Mode"] = "Basic";
        settings[$"{P}:OpenSearch:Authentication:Username"] = "delivery";
        settings[$"{P}:OpenSearch:Authentication:PasswordVariable"] = "E2E_OPENSEARCH_PASSWORD";
        settings["E2E_OPENSEARCH_PASSWORD"] = Password;
        settings[$"{P}:Backup:BucketName"] = scenario.BucketName;
        settings[$"{P}:Backup:Prefix"] = "source/";

        await using WorkerProcess worker = WorkerProcess.Start(stack, settings);
        await scenario.WaitForCheckpointsAsync(TimeSpan.FromMinutes(3), () => worker.Output);
        await worker.StopGracefullyAsync(TimeSpan.FromSeconds(60));

        var put = scenario.RecordsPut();
        var indexable = put.Where(record => record.Data[0] == (byte)'{').ToList();
        var expected = indexable.ToDictionary(
            record => OpenSearchDocumentId.For(scenario.StreamName, record.ShardId, record.Position, 0),
            record => Encoding.UTF8.GetString(record.Data));
        receiver.Documents.Keys.ShouldAllBe(key => key.Index.StartsWith("e2e-logs-", StringComparison.Ordinal));
        receiver.Documents.ToDictionary(pair => pair.Key.Id, pair => pair.Value.Source).ShouldBe(expected, ignoreOrder: true);
        receiver.Documents.Values.ShouldAllBe(document => document.Version == 1, "no document is indexed twice");

        using AmazonS3Client s3 = stack.CreateS3Client();
        List<FailedDocument> failed = await OpenSearchBackup.ReadAsync(s3, scenario.BucketName, "AmazonOpenSearchService-failed/");
        failed.Select(document => document.Raw).Order(StringComparer.Ordinal).ShouldBe(put.Where(record => record.Data[0] != (byte)'{').Select(record => Encoding.UTF8.GetString(record.Data)).Order(StringComparer.Ordinal));
        failed.ShouldAllBe(document => document.ErrorCode == "OpenSearch.MapperParsingException" && document.DocumentId != null);
        (await SourceBackupAsync(s3, scenario.BucketName)).Order(StringComparer.Ordinal).ShouldBe(put.Select(record => Encoding.UTF8.GetString(record.Data)).Order(StringComparer.Ordinal));
        worker.Output.ShouldNotContain(Password);
        worker.Output.ShouldContain("OpenSearchBatchWriter[4502]", customMessage: "requests refused whole are logged");
    }

    private static async Task<List<string>> SourceBackupAsync(IAmazonS3 s3, string bucket)
    {
        var lines = new List<string>();
        Amazon.S3.Model.ListObjectsV2Response listing = await s3.ListObjectsV2Async(new Amazon.S3.Model.ListObjectsV2Request { BucketName = bucket, Prefix = "source/" });
        foreach (Amazon.S3.Model.S3Object item in listing.S3Objects ?? [])
        {
            using Amazon.S3.Model.GetObjectResponse stored = await s3.GetObjectAsync(bucket, item.Key);
            using var reader = new StreamReader(new System.IO.Compression.GZipStream(stored.ResponseStream, System.IO.Compression.CompressionMode.Decompress), Encoding.UTF8);
            while (await reader.ReadLineAsync() is { } line)
            {
                lines.Add(line);
            }
        }

        return lines;
    }
}
