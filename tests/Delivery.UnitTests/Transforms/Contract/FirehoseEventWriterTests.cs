using System.Buffers;
using System.Text;
using System.Text.Json;
using Delivery.Testing;
using Delivery.Transforms;
using Delivery.Transforms.Contract;
using Delivery.Transforms.Processing;
using static Delivery.UnitTests.Transforms.TransformTestBatches;

namespace Delivery.UnitTests.Transforms.Contract;

public sealed class FirehoseEventWriterTests
{
    [Fact]
    public void TheEvent_HasFirehosesShape_WithEachRecordsDataInBase64AndItsKinesisMetadata()
    {
        byte[] binary = [0, 1, 2, 250, 251, 255, (byte)'+', (byte)'/'];
        DeliveryBatch batch = Of(Encoding.UTF8.GetBytes("{\"a\":\"é<>&'\"}"), binary, []);
        List<ChainRecord> records = Records(batch);

        FirehoseTransformEvent written = Write(batch, records, "inv-1");

        written.InvocationId.ShouldBe("inv-1");
        written.DeliveryStreamArn.ShouldBe("arn:aws:firehose:us-east-1:123456789012:deliverystream/clicks");
        written.SourceKinesisStreamArn.ShouldBe("arn:aws:kinesis:us-east-1:123456789012:stream/orders");
        written.Region.ShouldBe("us-east-1");
        written.Records.Select(record => record.RecordId).ShouldBe(["0", "1", "2"]);
        written.Records.Select(record => Convert.FromBase64String(record.Data)).ShouldBe([batch.Records[0].Data.ToArray(), binary, []]);
        FirehoseTransformEventRecord second = written.Records[1];
        second.ApproximateArrivalTimestamp.ShouldBe(FirstArrival.AddSeconds(1).ToUnixTimeMilliseconds());
        second.KinesisRecordMetadata.ShouldBe(new KinesisRecordMetadata("shardId-000000000003", "pk1", "4959000001", 0, FirstArrival.AddSeconds(1).ToUnixTimeMilliseconds()));
    }

    [Fact]
    public void RecordIds_AreThePositionsInTheInvocation_WhateverTheSourceIndexes()
    {
        DeliveryBatch batch = Of("a", "b", "c");
        List<ChainRecord> records = [new(2, "x"u8.ToArray()), new(2, "y"u8.ToArray()), new(0, "z"u8.ToArray())];

        FirehoseTransformEvent written = Write(batch, records, "inv");

        written.Records.Select(record => (record.RecordId, record.KinesisRecordMetadata!.SequenceNumber)).ShouldBe(
            [("0", "4959000002"), ("1", "4959000002"), ("2", "4959000000")]);
    }

    [Theory]
    [InlineData("plain-key")]
    [InlineData("quote\" backslash\\ slash/")]
    [InlineData("tab\t newline\n nul\u0000 unit\u001f del\u007f")]
    [InlineData("<html> & 'apostrophe' +plus `tick`")]
    [InlineData("é ü 日本 😀")]
    public void PartitionKeysAndIds_OfAnyText_ComeBackExactlyFromAJsonParser(string awkward)
    {
        // The event is assembled by hand, not by Utf8JsonWriter: what needs escaping must still be escaped.
        DeliveryBatch plain = Of("x", "y");
        SourceRecord[] source = [.. plain.Records.Select(record => new SourceRecord(record.Position, awkward, record.ApproximateArrivalTimestamp, record.Data))];
        var batch = new DeliveryBatch(plain.DeliveryStreamName, plain.Source with { ShardId = awkward }, source);

        FirehoseTransformEvent written = Write(batch, Records(batch), awkward);

        written.InvocationId.ShouldBe(awkward);
        written.Records.Select(record => (record.KinesisRecordMetadata!.PartitionKey, record.KinesisRecordMetadata.ShardId)).ShouldAllBe(
            keys => keys.PartitionKey == awkward && keys.ShardId == awkward);
    }

    [Fact]
    public void TheSizeEstimate_IsNeverBelowWhatIsWritten()
    {
        DeliveryBatch batch = Of(new string('q', 1000), "\"<escaped>\"", "");
        ProcessingRun run = Run(batch);
        List<ChainRecord> records = Records(batch);
        var output = new ArrayBufferWriter<byte>();

        FirehoseEventWriter.Write(output, "an-invocation-id-of-some-length", run, records);

        long estimate = FirehoseEventWriter.EnvelopeBytes + records.Sum(record => FirehoseEventWriter.EstimateRecordBytes(run, record));
        output.WrittenCount.ShouldBeLessThanOrEqualTo((int)estimate);
    }

    [Fact]
    public void ForAPlansBatch_EachRecordCarriesTheShardItWasReadFrom()
    {
        DeliveryBatch batch = PlanBatches.TwoShards();
        List<ChainRecord> records = [new(2, "b"u8.ToArray()), .. Records(batch)];

        FirehoseTransformEvent written = Write(batch, records, "inv");

        written.Records.Select(record => (record.KinesisRecordMetadata!.ShardId, record.KinesisRecordMetadata.SequenceNumber)).ShouldBe(
        [
            (PlanBatches.SecondShard, "4959000000"),
            (PlanBatches.FirstShard, "4959000000"),
            (PlanBatches.FirstShard, "4959000001"),
            (PlanBatches.SecondShard, "4959000000"),
        ]);
        batch.Release();
    }

    [Fact]
    public void ForAPlansBatch_TheSizeEstimate_CountsEachRecordsOwnShardId()
    {
        string longShard = "shardId-000000000002-" + new string('x', 400);
        DeliveryBatch batch = PlanBatches.Of("clicks", "orders", (PlanBatches.FirstShard, PlanBatches.Records("a", 1)), (longShard, PlanBatches.Records("b", 3)));
        ProcessingRun run = Run(batch);
        List<ChainRecord> records = Records(batch);
        var output = new ArrayBufferWriter<byte>();

        FirehoseEventWriter.Write(output, "inv", run, records);

        long estimate = FirehoseEventWriter.EnvelopeBytes + records.Sum(record => FirehoseEventWriter.EstimateRecordBytes(run, record));
        output.WrittenCount.ShouldBeLessThanOrEqualTo((int)estimate);
        batch.Release();
    }

    private static FirehoseTransformEvent Write(DeliveryBatch batch, List<ChainRecord> records, string invocationId)
    {
        var output = new ArrayBufferWriter<byte>();
        FirehoseEventWriter.Write(output, invocationId, Run(batch), records);
        return JsonSerializer.Deserialize<FirehoseTransformEvent>(output.WrittenSpan).ShouldNotBeNull();
    }
}
