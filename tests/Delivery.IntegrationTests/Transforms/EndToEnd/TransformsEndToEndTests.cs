using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Amazon.S3;
using Amazon.S3.Model;
using Delivery.IntegrationTests.EndToEnd;
using Delivery.Kinesis.Client;
using Delivery.Testing;
using Delivery.Transforms.Processing;

namespace Delivery.IntegrationTests.Transforms.EndToEnd;

/// <summary>
/// The worker executable on the local stack with the test plugin loaded from disk and dynamic partitioning: keys from
/// the metadata query (customer) and from the transform (tier), a timestamp in the prefix, a cap of three partitions,
/// and the error prefix expanded per error output type. Every object's key and every line of it is checked.
/// </summary>
[Collection(LocalAwsCollection.Name)]
public sealed class TransformsEndToEndTests(LocalAwsStack stack)
{
    private const string Plugin = "plugin:Delivery.TestPlugin.ActionTransform";
    private const string Gold1 = "customer=c1/tier=gold";
    private const string None2 = "customer=c2/tier=none";
    private const string Basic1 = "customer=c1/tier=basic";

    // Each record with what must become of it: the partition and text of each record it turns into, or its error.
    private static readonly Expected[] Records =
    [
        new("""{"id":0,"action":"rewrite","customer":"c1","tier":"gold"}""", [(Gold1, """{"id":0,"action":"rewrite","customer":"c1","tier":"gold","plugin":"e2e"}""")]),
        new("""{"id":1,"action":"keep","customer":"c2"}""", [(None2, """{"id":1,"action":"keep","customer":"c2"}""")]),
        new("""{"id":2,"action":"drop","customer":"c1","tier":"gold"}""", []),
        new("""{"id":3,"action":"fail","customer":"c2"}""", Error: ("processing-failed", TransformErrorCodes.ProcessingFailed, Plugin)),

        // Split across two partitions; the second is over the cap, so the whole record goes, and its first part with it.
        new("""{"id":4,"action":"split","tier":"basic","parts":[{"customer":"c1","n":1},{"customer":"c9","n":2}]}""", Error: ("partition-count-exceeded", TransformErrorCodes.PartitionCountExceeded, null)),
        new("""{"id":5,"action":"rewrite","tier":"gold"}""", Error: ("processing-failed", TransformErrorCodes.MetadataExtractionFailed, null)),
        new("""{"id":6,"action":"rewrite","customer":"c1","tier":"basic"}""", [(Basic1, """{"id":6,"action":"rewrite","customer":"c1","tier":"basic","plugin":"e2e"}""")]),
        new("""{"id":7,"action":"keep","customer":"c3","tier":"gold"}""", Error: ("partition-count-exceeded", TransformErrorCodes.PartitionCountExceeded, null)),
        new("not json at all", Error: ("processing-failed", TransformErrorCodes.ProcessingFailed, Plugin)),
        new("""{"id":9,"action":"split","parts":[{"customer":"c2","n":1},{"customer":"c2","n":2}]}""", [(None2, """{"customer":"c2","n":1}"""), (None2, """{"customer":"c2","n":2}""")]),
        new("""{"id":10,"action":"keep","customer":"c1","tier":"gold"}""", [(Gold1, """{"id":10,"action":"keep","customer":"c1","tier":"gold"}""")]),
        new("""{"id":11,"action":"rewrite","customer":"c2"}""", [(None2, """{"id":11,"action":"rewrite","customer":"c2","plugin":"e2e"}""")]),
    ];

    [Fact]
    public async Task PluginTransformsAndDynamicPartitions_GiveExactlyTheExpectedObjectsAndBackups()
    {
        using var scenario = new DeliveryScenario(stack);
        await scenario.CreateAsync(shards: 1);
        await scenario.PutAsync([.. Records.Select(record => Encoding.UTF8.GetBytes(record.Json))], new Random(4));

        Dictionary<string, string> settings = scenario.WorkerSettings();
        settings[$"Delivery:Pipelines:{DeliveryScenario.Pipeline}:Buffering:IntervalInSeconds"] = "3";
        foreach ((string key, string value) in PipelineSettings())
        {
            settings[$"Delivery:Pipelines:{DeliveryScenario.Pipeline}:{key}"] = value;
        }

        await using (WorkerProcess worker = WorkerProcess.Start(stack, settings))
        {
            await scenario.WaitForCheckpointsAsync(TimeSpan.FromMinutes(2), () => worker.Output);
            await worker.StopGracefullyAsync(TimeSpan.FromSeconds(60));
            worker.Output.ShouldContain("Loaded transform plugin Delivery.TestPlugin.ActionTransform");
        }

        List<StreamRecord> read = await ReadStreamAsync(scenario);
        read.Select(record => record.Text).ShouldBe(Records.Select(record => record.Json));
        string batchId = new BatchSource(scenario.StreamName, read[0].ShardId, read[0].Position, read[^1].Position).DeterministicId();
        using AmazonS3Client s3 = stack.CreateS3Client();
        Dictionary<string, (string BatchId, string Content)> objects = await ReadBucketAsync(s3, scenario.BucketName);
        objects.Values.ShouldAllBe(o => o.BatchId == batchId, "all records were in the stream before the worker started, so they make one batch");

        var expected = new Dictionary<string, string>();
        foreach (IGrouping<string, (string Partition, string Text, StreamRecord Source)> partition in Records
            .SelectMany((record, i) => record.Outputs.Select(output => (output.Partition, output.Text, Source: read[i])))
            .GroupBy(output => output.Partition))
        {
            DateTimeOffset oldest = partition.Min(output => output.Source.Arrival);
            string[] parts = partition.Key.Split('/');
            var keys = new PartitionKeys(
                new Dictionary<string, string> { ["customer"] = parts[0]["customer=".Length..] },
                new Dictionary<string, string> { ["tier"] = parts[1]["tier=".Length..] });
            expected[$"data/{partition.Key}/{oldest:yyyy}/e2e-1-{oldest:yyyy-MM-dd-HH-mm-ss}-{keys.ObjectIdFor(batchId)}.gz"] =
                string.Concat(partition.Select(output => output.Text + "\n"));
        }

        DateTimeOffset batchOldest = read.Min(record => record.Arrival);
        foreach (IGrouping<string, int> type in Records.Select((record, i) => (record, i)).Where(x => x.record.Error is not null).GroupBy(x => x.record.Error!.Value.Type, x => x.i))
        {
            expected[$"errors/{type.Key}/{batchOldest:yyyy}/e2e-1-{batchOldest:yyyy-MM-dd-HH-mm-ss}-{batchId}.gz"] = string.Concat(type.Select(i => BackupLine(read[i], Records[i])));
        }

        objects.Keys.Order(StringComparer.Ordinal).ShouldBe(expected.Keys.Order(StringComparer.Ordinal));
        foreach ((string key, string content) in expected)
        {
            string actual = objects[key].Content;
            if (key.StartsWith("errors/", StringComparison.Ordinal))
            {
                // The error message and the attempt's end time vary; everything that identifies the record does not.
                NormalizeBackup(actual).ShouldBe(content, key);
            }
            else
            {
                actual.ShouldBe(content, key);
            }
        }
    }

    [Fact]
    public async Task AWorkerWithABrokenPlugin_StopsAtStart_NamingTheProcessorAndTheReason()
    {
        using var scenario = new DeliveryScenario(stack);
        string directory = Directory.CreateTempSubdirectory("broken-plugin-").FullName;
        await File.WriteAllTextAsync(Path.Combine(directory, "Broken.dll"), "not an assembly");
        Dictionary<string, string> settings = scenario.WorkerSettings();
        settings[$"Delivery:Pipelines:{DeliveryScenario.Pipeline}:Processing:Processors:0:Type"] = "Plugin";
        settings[$"Delivery:Pipelines:{DeliveryScenario.Pipeline}:Processing:Processors:0:Directory"] = directory;

        await using WorkerProcess worker = WorkerProcess.Start(stack, settings);
        int exitCode = await worker.WaitForExitAsync(TimeSpan.FromSeconds(60));

        exitCode.ShouldBe(1, worker.Output);
        worker.Output.ShouldContain($"Delivery:Pipelines:{DeliveryScenario.Pipeline}:Processing:Processors:0: The plugin assembly '{Path.Combine(directory, "Broken.dll")}' could not be loaded");
    }

    private static Dictionary<string, string> PipelineSettings() => new()
    {
        ["S3:Prefix"] = "data/customer=!{partitionKeyFromQuery:customer}/tier=!{partitionKeyFromLambda:tier}/!{timestamp:yyyy}/",
        ["Backup:ErrorOutputPrefix"] = "errors/!{firehose:error-output-type}/!{timestamp:yyyy}/",
        ["Processing:Processors:0:Type"] = "Plugin",
        ["Processing:Processors:0:Directory"] = Path.Combine(AppContext.BaseDirectory, "plugins", "test-plugin"),
        ["Processing:Processors:0:Settings:marker"] = "e2e",
        ["Processing:Processors:1:Type"] = "MetadataExtraction",
        ["Processing:Processors:1:MetadataExtractionQuery"] = "{customer: .customer}",
        ["DynamicPartitioning:Enabled"] = "true",
        ["DynamicPartitioning:MaxActivePartitions"] = "3",
    };

    private static string BackupLine(StreamRecord source, Expected record) =>
        JsonSerializer.Serialize(new
        {
            errorCode = record.Error!.Value.Code,
            lambdaArn = record.Error.Value.LambdaArn,
            rawData = Convert.ToBase64String(Encoding.UTF8.GetBytes(record.Json)),
            sequenceNumber = source.Position.SequenceNumber,
            arrivalTimestamp = source.Arrival.ToUnixTimeMilliseconds(),
        }) + "\n";

    private static string NormalizeBackup(string content) => string.Concat(content.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line =>
    {
        using JsonDocument json = JsonDocument.Parse(line);
        JsonElement root = json.RootElement;
        return JsonSerializer.Serialize(new
        {
            errorCode = root.GetProperty("errorCode").GetString(),
            lambdaArn = root.TryGetProperty("lambdaArn", out JsonElement arn) ? arn.GetString() : null,
            rawData = root.GetProperty("rawData").GetString(),
            sequenceNumber = root.GetProperty("kinesisRecordMetadata").GetProperty("sequenceNumber").GetString(),
            arrivalTimestamp = root.GetProperty("arrivalTimestamp").GetInt64(),
        }) + "\n";
    }));

    private static async Task<List<StreamRecord>> ReadStreamAsync(DeliveryScenario scenario)
    {
        const string shard = "shardId-000000000000";
        string iterator = (await scenario.Kinesis.GetShardIteratorAsync(new GetShardIteratorRequest { StreamName = scenario.StreamName, ShardId = shard })).ShardIterator;
        var records = new List<StreamRecord>();
        while (true)
        {
            GetRecordsResponse page = await scenario.Kinesis.GetRecordsAsync(new GetRecordsRequest { ShardIterator = iterator });
            if (page.Records.Count == 0)
            {
                return records;
            }

            records.AddRange(page.Records.Select(record => new StreamRecord(
                shard,
                new ShardPosition(record.SequenceNumber),
                new DateTimeOffset(DateTime.SpecifyKind(record.ApproximateArrivalTimestamp, DateTimeKind.Utc)),
                Encoding.UTF8.GetString(record.Data.ToArray()))));
            iterator = page.NextShardIterator!;
        }
    }

    private static async Task<Dictionary<string, (string BatchId, string Content)>> ReadBucketAsync(AmazonS3Client s3, string bucket)
    {
        var objects = new Dictionary<string, (string, string)>();
        ListObjectsV2Response listing = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket });
        foreach (S3Object entry in listing.S3Objects ?? [])
        {
            using GetObjectResponse response = await s3.GetObjectAsync(bucket, entry.Key);
            await using var gzip = new GZipStream(response.ResponseStream, CompressionMode.Decompress);
            using var reader = new StreamReader(gzip, Encoding.UTF8);
            objects[entry.Key] = (response.Metadata["batch-id"], await reader.ReadToEndAsync());
        }

        return objects;
    }

    private sealed record Expected(string Json, (string Partition, string Text)[]? Outputs = null, (string Type, string Code, string? LambdaArn)? Error = null)
    {
        public (string Partition, string Text)[] Outputs { get; } = Outputs ?? [];
    }

    private sealed record StreamRecord(string ShardId, ShardPosition Position, DateTimeOffset Arrival, string Text);
}
