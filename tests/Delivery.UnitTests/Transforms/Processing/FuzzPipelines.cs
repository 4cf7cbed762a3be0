using System.Globalization;
using System.Text;
using System.Text.Json;
using Delivery.Destinations.S3;
using Delivery.Formats.Compression;
using Delivery.Formats.Parquet.Schema;
using Delivery.Kinesis.Aggregation;
using Delivery.Testing.Fuzzing;
using Delivery.Transforms;
using Delivery.Transforms.BuiltIn;
using Delivery.Transforms.Contract;
using Delivery.Transforms.Lambda;
using Delivery.Transforms.Partitioning;
using Delivery.Transforms.Plugins;
using Delivery.Transforms.Processing;
using Delivery.Transforms.Query;
using Delivery.UnitTests.Formats.Parquet;
using Delivery.UnitTests.Transforms.BuiltIn;
using Delivery.UnitTests.Transforms.Plugins;
using Microsoft.Extensions.Logging.Abstractions;
using static Delivery.UnitTests.Transforms.TransformTestBatches;

namespace Delivery.UnitTests.Transforms.Processing;

/// <summary>
/// Pipelines as configured in practice, for the full-writer property test: which records a batch holds, the processors
/// they run through (built once per delivery from a seed, so a second delivery of the batch meets the same transforms),
/// the S3 destination and the partitioning.
/// </summary>
internal sealed record FuzzPipeline(
    string Name,
    Func<Random, DeliveryBatch> Batch,
    Func<int, IProcessingStage[]> Stages,
    S3DestinationOptions S3,
    PartitioningSettings? Partitioning)
{
    private static readonly InvocationSettings Invocations = new()
    {
        BufferSizeBytes = 2048,
        NumberOfRetries = 0,
        Timeout = TimeSpan.FromSeconds(30),
        MaxConcurrentInvocations = 2,
    };

    public static FuzzPipeline[] All { get; } =
    [
        new("CloudWatch Logs to Parquet by a query key",
            random => Of([.. Records(random, _ => AdversarialPayloads.Gzip(random, AdversarialPayloads.CloudWatchLogsMessage(random)).Data)]),
            seed => [new DecompressionStage(), new CloudWatchLogsStage(extractMessages: true), Query(seed), new AppendDelimiterStage("\n"u8.ToArray())],
            Parquet("logs/!{partitionKeyFromQuery:c}/"),
            new PartitioningSettings { QueryKeys = ["c"], LambdaKeys = [] }),
        new("De-aggregated JSON, split by a plugin, to Parquet by query and plugin keys",
            random => Of([.. Records(random, _ => random.Next(3) == 0 ? [.. AdversarialJson.Record(random), .. AdversarialJson.Record(random)] : AdversarialJson.Record(random))]),
            seed => [new RecordDeAggregationStage(SubRecordType.Json), Plugin(), Query(seed)],
            Parquet("!{partitionKeyFromLambda:tier}/!{partitionKeyFromQuery:c}/"),
            new PartitioningSettings { QueryKeys = ["c"], LambdaKeys = ["tier"], MaxActivePartitions = 4 }),
        new("A Lambda with broken responses, to Parquet by its keys",
            random => Of([.. Records(random, _ => AdversarialJson.Record(random))]),
            seed => [Lambda(seed), Query(seed)],
            Parquet("!{partitionKeyFromLambda:tier}/!{partitionKeyFromQuery:c}/"),
            new PartitioningSettings { QueryKeys = ["c"], LambdaKeys = ["tier"] }),
        new("KPL aggregates to gzip NDJSON under keys that may be too long",
            Aggregates,
            seed => [Query(seed)],
            new S3DestinationOptions { BucketName = "bucket", Prefix = "!{partitionKeyFromQuery:c}/!{partitionKeyFromQuery:c}/!{partitionKeyFromQuery:c}/" },
            new PartitioningSettings { QueryKeys = ["c"], LambdaKeys = [] }),
        new("A splitting plugin to Parquet without partitioning",
            random => Of([.. Records(random, _ => AdversarialJson.Record(random))]),
            _ => [Plugin()],
            Parquet("plain/"),
            null),
    ];

    private static IEnumerable<byte[]> Records(Random random, Func<int, byte[]> record) => Enumerable.Range(0, random.Next(1, 9)).Select(record);

    private static S3DestinationOptions Parquet(string prefix) => new()
    {
        BucketName = "bucket",
        Prefix = prefix,
        CompressionFormat = CompressionFormat.Uncompressed,
        DataFormatConversion = new DataFormatConversionOptions
        {
            Columns = [.. ParquetFormatterFuzzTests.Columns.Select(column => new ColumnOptions { Name = column.Name, Type = column.Type, Nullable = column.Nullable })],
            CatchAllColumn = "rest",
            TimestampFormats = ["iso8601", "millis"],
        },
    };

    // Each aggregate's user records become records of the batch with the aggregate's sequence number, as a shard reader makes them.
    private static DeliveryBatch Aggregates(Random random)
    {
        var records = new List<SourceRecord>();
        int count = random.Next(1, 5);
        for (int i = 0; i < count; i++)
        {
            KplDeaggregator.Deaggregate(Position(i).SequenceNumber, "aggregate-" + i.ToString(CultureInfo.InvariantCulture), FirstArrival.AddSeconds(i), AdversarialPayloads.KplAggregate(random).Data, records);
        }

        return new DeliveryBatch("clicks", new BatchSource("orders", "shardId-000000000003", records[0].Position, records[^1].Position), records);
    }

    private static MetadataExtractionStage Query(int seed) =>
        new(JqQuery.Parse(BuiltInProcessorFuzzTests.Queries[new Random(seed).Next(BuiltInProcessorFuzzTests.Queries.Length)]));

    // Splits, fails or keys a record by its content, so a second delivery gets the same results.
    private static PluginTransformStage Plugin() => new(
        new DelegateTransform(record =>
        {
            ReadOnlyMemory<byte> data = record.Data;
            int kind = (int)(Fnv(data.Span) % 12);
            return kind switch
            {
                0 => TransformedRecord.ProcessingFailed(record.RecordId, "the plugin refused it"),
                1 => TransformedRecord.Split(record.RecordId, [data, data]),
                2 => TransformedRecord.Split(record.RecordId, [data[..(data.Length / 2)], data[(data.Length / 2)..]], Keys("gold")),
                3 => TransformedRecord.Ok(record.RecordId, data, Keys(null!)),
                4 => TransformedRecord.Ok(record.RecordId, data, Keys(AdversarialJson.PartitionValues[(int)(Fnv(data.Span) % (uint)AdversarialJson.PartitionValues.Count)])),
                5 => TransformedRecord.Ok(record.RecordId, data, Keys("\ud800")),
                _ => TransformedRecord.Ok(record.RecordId, data, Keys(kind % 2 == 0 ? "gold" : "basic")),
            };
        }),
        "plugin:Fuzz", "p", Invocations, TimeProvider.System, NullLogger<PluginTransformStage>.Instance);

    private static Dictionary<string, string> Keys(string tier) => new() { ["tier"] = tier };

    private static LambdaTransformStage Lambda(int seed) =>
        new("arn:aws:lambda:us-east-1:123456789012:function:fuzz", "l", Invocations, new ResponseFromRequest(seed), TimeProvider.System, NullLogger<LambdaTransformStage>.Instance);

    private static uint Fnv(ReadOnlySpan<byte> data)
    {
        uint hash = 2166136261;
        foreach (byte b in data)
        {
            hash = unchecked((hash ^ b) * 16777619);
        }

        return hash;
    }

    /// <summary>Answers each invocation with an adversarial response to its records, the same for the same invocation.</summary>
    private sealed class ResponseFromRequest(int seed) : ILambdaInvoker
    {
        public Task<InvokeResponse> InvokeAsync(InvokeRequest request, CancellationToken cancellationToken = default)
        {
            using JsonDocument invocation = JsonDocument.Parse(request.Payload);
            byte[][] data = [.. invocation.RootElement.GetProperty("records").EnumerateArray().Select(record => Convert.FromBase64String(record.GetProperty("data").GetString()!))];
            string id = invocation.RootElement.GetProperty("invocationId").GetString()!;
            var random = new Random(unchecked(seed ^ (int)Fnv(Encoding.UTF8.GetBytes(id))));
            return Task.FromResult(new InvokeResponse { StatusCode = 200, Payload = AdversarialPayloads.TransformResponse(random, data.Length, i => data[i]) });
        }
    }
}
