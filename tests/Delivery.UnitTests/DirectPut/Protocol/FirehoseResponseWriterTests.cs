using System.Buffers;
using System.Text;
using System.Text.Json;
using Delivery.DirectPut.Ingest;
using Delivery.DirectPut.Protocol;

namespace Delivery.UnitTests.DirectPut.Protocol;

/// <summary>The answers' exact JSON: the members and shapes the AWS SDKs read.</summary>
public sealed class FirehoseResponseWriterTests
{
    [Fact]
    public void PutRecordBatch_HasOneEntryPerRecordInOrder_AnIdForEachStoredOne_AndAnErrorForEachRefusedOne()
    {
        PutOutcome[] outcomes =
        [
            new("shardId-000000000000:4901", null, null),
            new(null, "ServiceUnavailableException", "Slow down.") { Throttled = true },
            new("shardId-000000000001:4902", null, null),
        ];

        string json = Write(writer => FirehoseResponseWriter.WritePutRecordBatch(writer, outcomes, encrypted: false));

        json.ShouldBe("""{"FailedPutCount":1,"Encrypted":false,"RequestResponses":[{"RecordId":"shardId-000000000000:4901"},{"ErrorCode":"ServiceUnavailableException","ErrorMessage":"Slow down."},{"RecordId":"shardId-000000000001:4902"}]}""");
    }

    [Fact]
    public void PutRecord_HasTheRecordIdAndEncrypted()
    {
        Write(writer => FirehoseResponseWriter.WritePutRecord(writer, "shardId-000000000000:4901", encrypted: true))
            .ShouldBe("""{"RecordId":"shardId-000000000000:4901","Encrypted":true}""");
    }

    [Fact]
    public void AnError_IsTypeAndMessage_AsAwsJsonErrorsAre()
    {
        Write(writer => FirehoseResponseWriter.WriteError(writer, FirehoseError.ResourceNotFound("clicks", "123456789012")))
            .ShouldBe("""{"__type":"ResourceNotFoundException","message":"Firehose stream clicks under account 123456789012 not found."}""");
    }

    [Fact]
    public void ListDeliveryStreams_HasTheNamesAndWhetherMoreFollow()
    {
        Write(writer => FirehoseResponseWriter.WriteListDeliveryStreams(writer, ["a", "b"], hasMore: true))
            .ShouldBe("""{"DeliveryStreamNames":["a","b"],"HasMoreDeliveryStreams":true}""");
    }

    private static string Write(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
