using System.Text;
using Delivery.Transforms;
using Delivery.Transforms.BuiltIn;
using Delivery.Transforms.Contract;
using Delivery.Transforms.Partitioning;
using Delivery.Transforms.Plugins;
using Delivery.Transforms.Processing;
using Delivery.Transforms.Query;
using Delivery.UnitTests.Transforms.BuiltIn;
using Delivery.UnitTests.Transforms.Plugins;
using Microsoft.Extensions.Logging.Abstractions;
using static Delivery.UnitTests.Transforms.TransformTestBatches;

namespace Delivery.UnitTests.Transforms.Processing;

public sealed class TransformingBatchWriterTests
{
    [Fact]
    public async Task WithoutPartitioning_TheTransformedRecordsAreWrittenAsOneBatch_UnderTheOriginalId()
    {
        DeliveryBatch batch = Of("a", "b", "c");
        var destination = new CapturingDestination();
        var writer = Writer([new AppendDelimiterStage("!"u8.ToArray()), Plugin(record => Text(record.Data) == "b!" ? TransformedRecord.Dropped(record.RecordId) : TransformedRecord.Ok(record.RecordId, record.Data))], null, destination);

        BatchWriteResult result = await writer.WriteAsync(batch, default);

        result.AllDelivered.ShouldBeTrue();
        DeliveryBatch written = destination.Batches.ShouldHaveSingleItem();
        (written.Id, written.ObjectId, written.Source, written.Partition).ShouldBe((batch.Id, batch.Id, batch.Source, null));
        written.Records.Select(record => (record.Position, record.PartitionKey, record.ApproximateArrivalTimestamp, Text(record.Data))).ShouldBe(
        [
            (Position(0), "pk0", FirstArrival, "a!"),
            (Position(2), "pk2", FirstArrival.AddSeconds(2), "c!"),
        ]);
    }

    [Fact]
    public async Task WhatTheProcessorsMake_IsChargedToTheMemoryBudget_WhileTheBatchIsWritten()
    {
        DeliveryBatch batch = Of("a", "b");
        var budget = new Delivery.Pipeline.Memory.MemoryBudget(1024 * 1024);
        batch.ChargeTo(budget);
        long chargedDuringWrite = -1;
        var destination = new CapturingDestination(_ =>
        {
            chargedDuringWrite = budget.UsedBytes;
            return BatchWriteResult.Delivered;
        });
        var writer = Writer([Plugin(record => TransformedRecord.Ok(record.RecordId, new byte[1000]))], null, destination);

        (await writer.WriteAsync(batch, default)).AllDelivered.ShouldBeTrue();

        chargedDuringWrite.ShouldBe(2000, "two transformed records of 1,000 bytes are held while the batch is written");
        budget.UsedBytes.ShouldBe(0, "and given back once it is written");
    }

    [Fact]
    public async Task ACloudWatchLogsChain_DecompressesExtractsAndDelimits_InTheConfiguredOrder()
    {
        DeliveryBatch batch = Of(
            BuiltInProcessorTests.Gzip(BuiltInProcessorTests.CloudWatchMessage("DATA_MESSAGE", "line 1", "line 2")),
            BuiltInProcessorTests.Gzip(BuiltInProcessorTests.CloudWatchMessage("CONTROL_MESSAGE", "CWL CONTROL MESSAGE")),
            BuiltInProcessorTests.Gzip(BuiltInProcessorTests.CloudWatchMessage("DATA_MESSAGE", "line 3")));
        var destination = new CapturingDestination();
        var writer = Writer([new DecompressionStage(), new CloudWatchLogsStage(extractMessages: true), new AppendDelimiterStage("\n"u8.ToArray())], null, destination);

        (await writer.WriteAsync(batch, default)).AllDelivered.ShouldBeTrue();

        destination.Batches.ShouldHaveSingleItem().Records.Select(record => Text(record.Data)).ShouldBe(["line 1\n", "line 2\n", "line 3\n"]);
    }

    [Fact]
    public async Task ARecordWithAFailedPart_FailsWhole_AndNoneOfItsPartsIsDelivered()
    {
        DeliveryBatch batch = Of("1,2,x", "3,4");
        var destination = new CapturingDestination();
        var writer = Writer(
            [
                new RecordDeAggregationStage(SubRecordType.Delimited, ","u8.ToArray()),
                Plugin(record => Text(record.Data) == "x" ? TransformedRecord.ProcessingFailed(record.RecordId, "not a number") : TransformedRecord.Ok(record.RecordId, record.Data)),
            ],
            null,
            destination);

        BatchWriteResult result = await writer.WriteAsync(batch, default);

        destination.Batches.ShouldHaveSingleItem().Records.Select(record => Text(record.Data)).ShouldBe(["3", "4"]);
        FailedRecord failed = result.FailedRecords.ShouldHaveSingleItem();
        (failed.Index, failed.ErrorCode, failed.ErrorOutputType, failed.LambdaArn).ShouldBe((0, TransformErrorCodes.ProcessingFailed, ErrorOutputTypes.ProcessingFailed, "plugin:Test"));
    }

    [Fact]
    public async Task WithPartitioning_EachKeySetIsItsOwnBatch_InOrderOfFirstAppearance_WithAStableObjectId()
    {
        DeliveryBatch batch = Of("""{"c":"x","n":1}""", """{"c":"y","n":2}""", """{"c":"x","n":3}""", """{"c":"z","n":4}""");
        var destination = new CapturingDestination();
        var writer = Writer([Query("{c: .c}")], Partitioning(queryKeys: ["c"]), destination);

        (await writer.WriteAsync(batch, default)).AllDelivered.ShouldBeTrue();
        (await Writer([Query("{c: .c}")], Partitioning(queryKeys: ["c"]), destination).WriteAsync(batch, default)).AllDelivered.ShouldBeTrue();

        List<DeliveryBatch> first = [.. destination.Batches.Take(3).OrderBy(b => b.Records[0].Position)];
        first.Select(b => (b.Partition!.FromQuery["c"], b.Records.Count)).ShouldBe([("x", 2), ("y", 1), ("z", 1)]);
        first.ShouldAllBe(b => b.Id == batch.Id && b.Source == batch.Source);
        first.Select(b => b.ObjectId).Distinct().Count().ShouldBe(3);
        first.ShouldNotContain(b => b.ObjectId == batch.Id);
        destination.Batches.Skip(3).Select(b => b.ObjectId).Order().ShouldBe(first.Select(b => b.ObjectId).Order(), "a batch delivered again must write the same objects");
    }

    [Fact]
    public async Task PartitionsOverTheCap_GoToPartitionCountExceeded_DecidedByOrderOfFirstAppearance()
    {
        DeliveryBatch batch = Of("""{"c":"a"}""", """{"c":"b"}""", """{"c":"c"}""", """{"c":"a"}""", """{"c":"d"}""", """{"c":"b"}""");
        var destination = new CapturingDestination();

        BatchWriteResult result = await Writer([Query("{c: .c}")], Partitioning(queryKeys: ["c"], cap: 2), destination).WriteAsync(batch, default);

        destination.Batches.Select(b => b.Partition!.FromQuery["c"]).Order().ShouldBe(["a", "b"]);
        result.FailedRecords.Select(f => (f.Index, f.ErrorCode, f.ErrorOutputType)).ShouldBe(
        [
            (2, TransformErrorCodes.PartitionCountExceeded, ErrorOutputTypes.PartitionCountExceeded),
            (4, TransformErrorCodes.PartitionCountExceeded, ErrorOutputTypes.PartitionCountExceeded),
        ]);
    }

    [Fact]
    public async Task KeysFromAQueryAndFromATransform_MakeThePartitionTogether()
    {
        DeliveryBatch batch = Of("""{"c":"x"}""", """{"c":"x"}""", """{"c":"y"}""");
        var destination = new CapturingDestination();
        IProcessingStage tiering = Plugin(record => TransformedRecord.Ok(record.RecordId, record.Data, new Dictionary<string, string> { ["tier"] = record.RecordId == "1" ? "gold" : "basic" }));

        await Writer([tiering, Query("{c: .c}")], Partitioning(queryKeys: ["c"], lambdaKeys: ["tier"]), destination).WriteAsync(batch, default);

        destination.Batches.Select(b => (b.Partition!.FromQuery["c"], b.Partition.FromLambda["tier"], b.Records.Count)).OrderBy(p => p.Item1).ThenBy(p => p.Item2)
            .ShouldBe([("x", "basic", 1), ("x", "gold", 1), ("y", "basic", 1)]);
    }

    [Fact]
    public async Task RecordsWithEqualKeyValues_ShareAPartition_AndAnyDifferenceMakesAnother()
    {
        // Values that concatenate alike ("x"+"yz", "xy"+"z"), an escape of the same text, a composed and a decomposed
        // accent, each read raw and escaped: only equal values per key may share an object.
        DeliveryBatch batch = Of(
            """{"a":"x","b":"yz"}""",
            """{"a":"xy","b":"z"}""",
            """{"a":"x","b":"yz"}""",
            """{"a":"\u0078","b":"y\u007a"}""",
            """{"a":"é","b":"z"}""",
            """{"a":"e\u0301","b":"z"}""",
            """{"a":"\u00e9","b":"z"}""",
            """{"a":"xy","b":"z"}""");
        var destination = new CapturingDestination();

        (await Writer([Query("{a: .a, b: .b}")], Partitioning(queryKeys: ["a", "b"]), destination).WriteAsync(batch, default)).AllDelivered.ShouldBeTrue();

        destination.Batches.Select(b => (b.Partition!.FromQuery["a"], b.Partition.FromQuery["b"], string.Join(",", b.Records.Select(r => r.Position.SequenceNumber[^1]))))
            .OrderBy(p => p.Item3, StringComparer.Ordinal)
            .ShouldBe([("x", "yz", "0,2,3"), ("xy", "z", "1,7"), ("é", "z", "4,6"), ("e\u0301", "z", "5")]);
    }

    [Theory]
    [InlineData("""{"c":""}""", TransformErrorCodes.InvalidPartitionKeyValue, "it is empty")]
    [InlineData("""{"c":"a#b"}""", TransformErrorCodes.InvalidPartitionKeyValue, "'#'")]
    [InlineData("""{"c":"line\nbreak"}""", TransformErrorCodes.InvalidPartitionKeyValue, "control character")]
    [InlineData("""{"c":".."}""", TransformErrorCodes.InvalidPartitionKeyValue, "relative folder")]
    [InlineData("""{"d":"x"}""", TransformErrorCodes.MetadataExtractionFailed, ".c is not in the record")]
    [InlineData("not json", TransformErrorCodes.MetadataExtractionFailed, "not valid JSON")]
    public async Task ARecordWhoseKeysCannotMakeAnS3Key_Fails_WithTheReason(string record, string code, string reason)
    {
        DeliveryBatch batch = Of(record, """{"c":"ok/with/slashes"}""");
        var destination = new CapturingDestination();

        BatchWriteResult result = await Writer([Query("{c: .c}")], Partitioning(queryKeys: ["c"]), destination).WriteAsync(batch, default);

        destination.Batches.ShouldHaveSingleItem().Partition!.FromQuery["c"].ShouldBe("ok/with/slashes");
        FailedRecord failed = result.FailedRecords.ShouldHaveSingleItem();
        (failed.Index, failed.ErrorCode).ShouldBe((0, code));
        failed.ErrorMessage.ShouldContain(reason);
    }

    [Fact]
    public async Task ARecordWithTextThatIsNotValidUnicode_FailsOnItsOwn_AndTheRestIsDelivered()
    {
        DeliveryBatch batch = Of("""{"c":"\ud800"}""", """{"c":"x"}""");
        var destination = new CapturingDestination();

        BatchWriteResult result = await Writer([Query("{c: .c}")], Partitioning(queryKeys: ["c"]), destination).WriteAsync(batch, default);

        destination.Batches.ShouldHaveSingleItem().Partition!.FromQuery["c"].ShouldBe("x");
        FailedRecord failed = result.FailedRecords.ShouldHaveSingleItem();
        (failed.Index, failed.ErrorCode).ShouldBe((0, TransformErrorCodes.MetadataExtractionFailed));
    }

    [Fact]
    public async Task KeyValuesThatAreNotValidUnicode_FailTheirRecords_SoTwoPartitionsNeverShareAnObject()
    {
        // Cut in half, the two emoji leave different lone surrogates, which UTF-8 (and so an S3 key) cannot tell apart.
        DeliveryBatch batch = Of("""{"c":"😀"}""", """{"c":"🤖"}""", """{"c":"ok"}""");
        var destination = new CapturingDestination();

        BatchWriteResult result = await Writer([Query("{c: .c[0:1]}")], Partitioning(queryKeys: ["c"]), destination).WriteAsync(batch, default);

        destination.Batches.ShouldHaveSingleItem().Partition!.FromQuery["c"].ShouldBe("o");
        result.FailedRecords.Select(f => (f.Index, f.ErrorCode)).ShouldBe([(0, TransformErrorCodes.InvalidPartitionKeyValue), (1, TransformErrorCodes.InvalidPartitionKeyValue)]);
        result.FailedRecords[0].ErrorMessage.ShouldContain("not valid Unicode");
    }

    [Fact]
    public async Task APluginKeyThatIsNull_FailsItsRecord_NotTheBatch()
    {
        DeliveryBatch batch = Of("a", "b");
        IProcessingStage tiering = Plugin(record => TransformedRecord.Ok(record.RecordId, record.Data, new Dictionary<string, string> { ["tier"] = record.RecordId == "0" ? null! : "gold" }));
        var destination = new CapturingDestination();

        BatchWriteResult result = await Writer([tiering], Partitioning(lambdaKeys: ["tier"]), destination).WriteAsync(batch, default);

        destination.Batches.ShouldHaveSingleItem().Records.Select(record => Text(record.Data)).ShouldBe(["b"]);
        result.FailedRecords.ShouldHaveSingleItem().Index.ShouldBe(0);
    }

    [Fact]
    public async Task AKeyThePrefixNeeds_ButNoTransformSet_FailsTheRecord()
    {
        DeliveryBatch batch = Of("a");

        BatchWriteResult result = await Writer([Plugin(record => TransformedRecord.Ok(record.RecordId, record.Data))], Partitioning(lambdaKeys: ["tier"]), new CapturingDestination())
            .WriteAsync(batch, default);

        result.FailedRecords.ShouldHaveSingleItem().ErrorCode.ShouldBe(TransformErrorCodes.MissingPartitionKey);
    }

    [Fact]
    public async Task RecordsTheDestinationCouldNotDeliver_AreReportedByTheirIndexInTheOriginalBatch()
    {
        DeliveryBatch batch = Of("""{"c":"x"}""", """{"c":"y"}""", """{"c":"x"}""", """{"c":"y"}""");
        var destination = new CapturingDestination(part => part.Partition!.FromQuery["c"] == "y"
            ? new BatchWriteResult([new FailedRecord(1, "HttpEndpoint.Status500", "refused", ErrorOutputTypes.HttpEndpointFailed, 4)])
            : BatchWriteResult.Delivered);

        BatchWriteResult result = await Writer([Query("{c: .c}")], Partitioning(queryKeys: ["c"]), destination).WriteAsync(batch, default);

        FailedRecord failed = result.FailedRecords.ShouldHaveSingleItem();
        (failed.Index, failed.ErrorCode, failed.ErrorOutputType, failed.AttemptsMade).ShouldBe((3, "HttpEndpoint.Status500", ErrorOutputTypes.HttpEndpointFailed, 4));
    }

    [Fact]
    public async Task WhereTheDestinationMeantARecordToGo_SurvivesTheMappingToTheOriginalBatch()
    {
        DeliveryBatch batch = Of("a", "b", "c");
        KeyValuePair<string, string>[] fields = [new("esIndexName", "logs"), new("esDocumentId", "id-c")];
        var destination = new CapturingDestination(_ => new BatchWriteResult([new FailedRecord(1, "OpenSearch.MapperParsingException", "bad", ErrorOutputTypes.OpenSearchFailed, 2, DestinationFields: fields)]));

        BatchWriteResult result = await Writer([Plugin(record => record.RecordId == "0" ? TransformedRecord.Dropped("0") : TransformedRecord.Ok(record.RecordId, record.Data))], null, destination)
            .WriteAsync(batch, default);

        FailedRecord failed = result.FailedRecords.ShouldHaveSingleItem();
        (failed.Index, failed.AttemptsMade).ShouldBe((2, 2));
        failed.DestinationFields.ShouldBe(fields);
    }

    [Fact]
    public async Task WhenTheDestinationThrows_TheWholeBatchFails_SoThePipelineRetriesIt()
    {
        DeliveryBatch batch = Of("a");
        var destination = new CapturingDestination(_ => throw new DeliveryException("S3 is down"));

        await Should.ThrowAsync<DeliveryException>(() => Writer([new AppendDelimiterStage("\n"u8.ToArray())], null, destination).WriteAsync(batch, default));
    }

    [Fact]
    public async Task WhenEveryRecordIsDroppedOrFailed_NothingIsWritten()
    {
        DeliveryBatch batch = Of("a", "b");
        var destination = new CapturingDestination();

        BatchWriteResult result = await Writer([Plugin(record => record.RecordId == "0" ? TransformedRecord.Dropped("0") : TransformedRecord.ProcessingFailed("1"))], null, destination)
            .WriteAsync(batch, default);

        destination.Batches.ShouldBeEmpty();
        result.FailedRecords.ShouldHaveSingleItem().Index.ShouldBe(1);
    }

    private static TransformingBatchWriter Writer(IProcessingStage[] stages, PartitioningSettings? partitioning, CapturingDestination destination) =>
        new(new ProcessingChain(stages, TestEnvironment), partitioning is null ? null : new DynamicPartitioner(partitioning), destination, NullLogger<TransformingBatchWriter>.Instance);

    private static PartitioningSettings Partitioning(string[]? queryKeys = null, string[]? lambdaKeys = null, int cap = 500) =>
        new() { QueryKeys = queryKeys ?? [], LambdaKeys = lambdaKeys ?? [], MaxActivePartitions = cap };

    private static MetadataExtractionStage Query(string query) => new(JqQuery.Parse(query));

    private static PluginTransformStage Plugin(Func<TransformRecord, TransformedRecord> perRecord) =>
        new(new DelegateTransform(perRecord), "plugin:Test", "p", new InvocationSettings { BufferSizeBytes = 1 << 20, NumberOfRetries = 0, Timeout = TimeSpan.FromSeconds(30) },
            TimeProvider.System, NullLogger<PluginTransformStage>.Instance);

    private sealed class CapturingDestination(Func<DeliveryBatch, BatchWriteResult>? answer = null) : IBatchWriter
    {
        private readonly List<DeliveryBatch> _batches = [];

        public string DestinationType => "test";

        public List<DeliveryBatch> Batches
        {
            get
            {
                lock (_batches)
                {
                    return [.. _batches];
                }
            }
        }

        public Task<BatchWriteResult> WriteAsync(DeliveryBatch batch, CancellationToken cancellationToken)
        {
            lock (_batches)
            {
                _batches.Add(batch);
            }

            return Task.FromResult(answer?.Invoke(batch) ?? BatchWriteResult.Delivered);
        }
    }
}
