using System.Text;
using System.Text.Json;
using Delivery.DirectPut;
using Delivery.DirectPut.Ingest;
using Delivery.DirectPut.Server;
using Delivery.Kinesis.Client;
using Delivery.Telemetry;
using Delivery.UnitTests.Telemetry;
using Microsoft.Extensions.Logging.Abstractions;
using Delivery.Testing;

namespace Delivery.UnitTests.DirectPut.Server;

/// <summary>
/// The operations on a fake Kinesis stream: a call is answered only with what the stream stored, every stored record
/// gets the id of its shard and sequence number, records Kinesis refuses come back as Firehose's per-record
/// ServiceUnavailableException, and the API metrics count what happened.
/// </summary>
public sealed class FirehoseApiTests : IDisposable
{
    private static readonly DestinationSummary S3 = new(DestinationKind.S3, 5, 300) { BucketName = "clicks-bucket", Prefix = "clicks/", CompressionFormat = "GZIP" };
    private readonly FakeKinesisLog _kinesis = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero));
    private readonly DeliveryMetrics _metrics;
    private readonly MeterCapture _capture;
    private readonly FirehoseApi _api;

    public FirehoseApiTests()
    {
        _metrics = new DeliveryMetrics(_time);
        _capture = new MeterCapture(_metrics.Meter);
        DeliveryStreamEntry[] streams =
        [
            new("clicks", "eu-west-1", "123456789012", _kinesis.StreamName, AcceptsDirectPut: true, S3),
            new("orders", "eu-west-1", "123456789012", "orders-stream", AcceptsDirectPut: false, S3),
            new("zeta", "eu-west-1", "123456789012", "zeta-stream", AcceptsDirectPut: true, S3),
        ];
        _api = new FirehoseApi(streams, new Dictionary<string, bool> { [_kinesis.StreamName] = true }, new DirectPutLog(_kinesis, NullLogger<DirectPutLog>.Instance), _time, _metrics);
    }

    public void Dispose()
    {
        _capture.Dispose();
        _metrics.Dispose();
    }

    [Fact]
    public async Task PutRecordBatch_StoresEveryRecordInTheStream_AndAnswersWithTheirShardAndSequenceNumbers()
    {
        byte[][] records = [.. Enumerable.Range(0, 5).Select(i => Encoding.UTF8.GetBytes($"{{\"n\":{i}}}"))];

        JsonElement answer = await OkAsync("PutRecordBatch", Batch("clicks", records));

        answer.GetProperty("FailedPutCount").GetInt32().ShouldBe(0);
        answer.GetProperty("Encrypted").GetBoolean().ShouldBeTrue("the stream is KMS-encrypted");
        string[] ids = [.. answer.GetProperty("RequestResponses").EnumerateArray().Select(entry => entry.GetProperty("RecordId").GetString()!)];
        ids.ShouldBe(_kinesis.Stored.Select(s => $"{s.ShardId}:{s.SequenceNumber}"));
        _kinesis.Stored.Select(s => s.Data).ShouldBe(records);
        _kinesis.Calls.Count.ShouldBe(1, "one PutRecords per call");
        _kinesis.Stored.Select(s => s.PartitionKey).ShouldBeUnique("records are spread over the shards by random partition keys");
    }

    [Fact]
    public async Task RecordsKinesisThrottles_AreFailedOneByOne_WithoutARecordId_AndTheOthersAreStored()
    {
        _kinesis.Refuse = data => data[0] == (byte)'t' ? "ProvisionedThroughputExceededException" : null;
        byte[][] records = [.. new[] { "a", "t1", "b", "t2", "c" }.Select(Encoding.UTF8.GetBytes)];

        JsonElement answer = await OkAsync("PutRecordBatch", Batch("clicks", records));

        answer.GetProperty("FailedPutCount").GetInt32().ShouldBe(2);
        JsonElement[] entries = [.. answer.GetProperty("RequestResponses").EnumerateArray()];
        entries.Length.ShouldBe(5);
        foreach (int failed in new[] { 1, 3 })
        {
            entries[failed].TryGetProperty("RecordId", out _).ShouldBeFalse();
            entries[failed].GetProperty("ErrorCode").GetString().ShouldBe("ServiceUnavailableException");
            entries[failed].GetProperty("ErrorMessage").GetString()!.ShouldContain("Slow down");
        }

        entries.Where((_, i) => i is 0 or 2 or 4).Select(e => e.GetProperty("RecordId").GetString())
            .ShouldBe(_kinesis.Stored.Select(s => $"{s.ShardId}:{s.SequenceNumber}"));
        _kinesis.Stored.Select(s => Encoding.UTF8.GetString(s.Data)).ShouldBe(["a", "b", "c"]);
        _capture.Sum("ThrottledRecords", "clicks").ShouldBe(2);
        _capture.Sum("PutRecordBatch.Records", "clicks").ShouldBe(3);
        _capture.Sum("PutRecordBatch.Bytes", "clicks").ShouldBe(3);
        _capture.Sum("IncomingPutRequests", "clicks").ShouldBe(1);
    }

    [Fact]
    public async Task PutRecord_WhoseRecordKinesisRefuses_IsAServiceUnavailableError_NotA200()
    {
        _kinesis.Refuse = _ => "ProvisionedThroughputExceededException";

        FirehoseAnswer answer = await _api.HandleAsync("PutRecord", Single("clicks", "x"u8.ToArray()), CancellationToken.None);

        answer.StatusCode.ShouldBe(500);
        Error(answer).Type.ShouldBe("ServiceUnavailableException");
        _capture.Sum("PutRecord.Requests", "clicks").ShouldBe(1);
        _capture.Sum("IncomingPutRequests", "clicks").ShouldBe(0);
        _capture.Sum("ThrottledRecords", "clicks").ShouldBe(1);
    }

    [Fact]
    public async Task PutRecord_AnswersWithTheRecordId()
    {
        JsonElement answer = await OkAsync("PutRecord", Single("clicks", "one"u8.ToArray()));

        answer.GetProperty("RecordId").GetString().ShouldBe($"{_kinesis.Stored[0].ShardId}:{_kinesis.Stored[0].SequenceNumber}");
        _capture.Sum("PutRecord.Bytes", "clicks").ShouldBe(3);
        _capture.Values("PutRecord.Latency", "clicks").Count.ShouldBe(1);
    }

    [Fact]
    public async Task ACallKinesisRefusesWhole_StoresNothing_AndIsAServiceUnavailableError()
    {
        _kinesis.FailNextCall = new ProvisionedThroughputExceededException("Rate exceeded for stream clicks-stream.");

        FirehoseAnswer answer = await _api.HandleAsync("PutRecordBatch", Batch("clicks", [[1], [2]]), CancellationToken.None);

        answer.StatusCode.ShouldBe(500);
        (string type, string message) = Error(answer);
        type.ShouldBe("ServiceUnavailableException");
        message.ShouldContain("ProvisionedThroughputExceededException");
        _kinesis.Stored.ShouldBeEmpty();
        _capture.Sum("ThrottledRecords", "clicks").ShouldBe(2);
        _capture.Sum("IncomingPutRequests", "clicks").ShouldBe(0);
    }

    [Fact]
    public async Task AStreamThatIsNotConfigured_IsResourceNotFound()
    {
        FirehoseAnswer answer = await _api.HandleAsync("PutRecordBatch", Batch("nope", [[1]]), CancellationToken.None);

        answer.StatusCode.ShouldBe(400);
        Error(answer).ShouldBe(("ResourceNotFoundException", "Firehose stream nope under account 123456789012 not found."));
        _kinesis.Calls.ShouldBeEmpty();
    }

    [Fact]
    public async Task APipelineThatDoesNotAcceptDirectPut_RefusesPuts_AsAKinesisSourcedStreamDoes()
    {
        FirehoseAnswer answer = await _api.HandleAsync("PutRecord", Single("orders", [1]), CancellationToken.None);

        answer.StatusCode.ShouldBe(400);
        (string type, string message) = Error(answer);
        type.ShouldBe("InvalidArgumentException");
        message.ShouldStartWith("This operation is not permitted on KinesisStreamAsSource type Firehose stream orders");
        _kinesis.Calls.ShouldBeEmpty();
    }

    [Fact]
    public async Task DescribeDeliveryStream_SaysTypeStatusArnAndDestination()
    {
        JsonElement description = (await OkAsync("DescribeDeliveryStream", """{"DeliveryStreamName":"clicks"}"""u8.ToArray())).GetProperty("DeliveryStreamDescription");

        description.GetProperty("DeliveryStreamName").GetString().ShouldBe("clicks");
        description.GetProperty("DeliveryStreamARN").GetString().ShouldBe("arn:aws:firehose:eu-west-1:123456789012:deliverystream/clicks");
        description.GetProperty("DeliveryStreamStatus").GetString().ShouldBe("ACTIVE");
        description.GetProperty("DeliveryStreamType").GetString().ShouldBe("DirectPut");
        description.GetProperty("DeliveryStreamEncryptionConfiguration").GetProperty("Status").GetString().ShouldBe("ENABLED");
        description.GetProperty("HasMoreDestinations").GetBoolean().ShouldBeFalse();
        JsonElement s3 = description.GetProperty("Destinations")[0].GetProperty("ExtendedS3DestinationDescription");
        s3.GetProperty("BucketARN").GetString().ShouldBe("arn:aws:s3:::clicks-bucket");
        s3.GetProperty("BufferingHints").GetProperty("IntervalInSeconds").GetInt32().ShouldBe(300);
        _capture.Sum("DescribeDeliveryStream.Requests", "clicks").ShouldBe(1);

        JsonElement orders = (await OkAsync("DescribeDeliveryStream", """{"DeliveryStreamName":"orders"}"""u8.ToArray())).GetProperty("DeliveryStreamDescription");
        orders.GetProperty("DeliveryStreamType").GetString().ShouldBe("KinesisStreamAsSource");
        orders.GetProperty("Source").GetProperty("KinesisStreamSourceDescription").GetProperty("KinesisStreamARN").GetString()
            .ShouldBe("arn:aws:kinesis:eu-west-1:123456789012:stream/orders-stream");
    }

    [Fact]
    public async Task ListDeliveryStreams_PagesInNameOrder_AndFiltersByType()
    {
        JsonElement all = await OkAsync("ListDeliveryStreams", "{}"u8.ToArray());
        Names(all).ShouldBe(["clicks", "orders", "zeta"]);
        all.GetProperty("HasMoreDeliveryStreams").GetBoolean().ShouldBeFalse();

        JsonElement first = await OkAsync("ListDeliveryStreams", """{"Limit":1}"""u8.ToArray());
        Names(first).ShouldBe(["clicks"]);
        first.GetProperty("HasMoreDeliveryStreams").GetBoolean().ShouldBeTrue();
        Names(await OkAsync("ListDeliveryStreams", """{"Limit":1,"ExclusiveStartDeliveryStreamName":"clicks"}"""u8.ToArray())).ShouldBe(["orders"]);
        Names(await OkAsync("ListDeliveryStreams", """{"DeliveryStreamType":"DirectPut"}"""u8.ToArray())).ShouldBe(["clicks", "zeta"]);
    }

    [Fact]
    public async Task AnOperationThatIsNotServed_IsAnUnknownOperation()
    {
        FirehoseAnswer answer = await _api.HandleAsync("DeleteDeliveryStream", """{"DeliveryStreamName":"clicks"}"""u8.ToArray(), CancellationToken.None);

        answer.StatusCode.ShouldBe(400);
        Error(answer).Type.ShouldBe("UnknownOperationException");
    }

    private async Task<JsonElement> OkAsync(string operation, byte[] body)
    {
        FirehoseAnswer answer = await _api.HandleAsync(operation, body, CancellationToken.None);
        answer.StatusCode.ShouldBe(200, Encoding.UTF8.GetString(answer.Body.Span));
        return JsonDocument.Parse(answer.Body).RootElement.Clone();
    }

    private static (string Type, string Message) Error(FirehoseAnswer answer)
    {
        JsonElement root = JsonDocument.Parse(answer.Body).RootElement;
        answer.ErrorType.ShouldBe(root.GetProperty("__type").GetString());
        return (root.GetProperty("__type").GetString()!, root.GetProperty("message").GetString()!);
    }

    private static string[] Names(JsonElement list) => [.. list.GetProperty("DeliveryStreamNames").EnumerateArray().Select(n => n.GetString()!)];

    private static byte[] Batch(string stream, byte[][] records) =>
        Encoding.UTF8.GetBytes($$"""{"DeliveryStreamName":"{{stream}}","Records":[{{string.Join(',', records.Select(r => $"{{\"Data\":\"{Convert.ToBase64String(r)}\"}}"))}}]}""");

    private static byte[] Single(string stream, byte[] record) =>
        Encoding.UTF8.GetBytes($$$"""{"DeliveryStreamName":"{{{stream}}}","Record":{"Data":"{{{Convert.ToBase64String(record)}}}"}}""");
}
