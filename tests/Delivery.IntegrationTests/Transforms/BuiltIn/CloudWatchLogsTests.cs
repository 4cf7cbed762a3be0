using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Delivery.IntegrationTests.Destinations.Backup;
using Delivery.Testing;
using Delivery.Transforms.BuiltIn;
using Delivery.Transforms.Processing;

namespace Delivery.IntegrationTests.Transforms.BuiltIn;

/// <summary>CloudWatch Logs subscription records, as a subscription filter puts them into Kinesis, through to S3.</summary>
[Collection(LocalAwsCollection.Name)]
public sealed class CloudWatchLogsTests(LocalAwsStack stack)
{
    [Fact]
    public async Task GzippedSubscriptionRecords_BecomeOneLinePerLogEvent_ControlMessagesDropped_BrokenOnesBackedUp()
    {
        await using TransformPipeline pipeline = await TransformPipeline.StartAsync(stack, [new DecompressionStage(), new CloudWatchLogsStage(extractMessages: true)]);
        byte[] data = Gzip(Message("DATA_MESSAGE", "START RequestId: 1", "{\"level\":\"error\",\"text\":\"ünïcode \\\"quoted\\\"\"}", "END RequestId: 1"));
        byte[] control = Gzip(Message("CONTROL_MESSAGE", "CWL CONTROL MESSAGE: Checking health of destination Firehose."));
        byte[] second = Gzip(Message("DATA_MESSAGE", "another event"));
        byte[] notGzip = Encoding.UTF8.GetBytes(Message("DATA_MESSAGE", "sent without compression"));

        SourceRecord[] batch = await pipeline.AppendAsync(data, control, second, notGzip);
        await pipeline.DrainAsync();

        (await pipeline.DeliveredAsync()).ShouldHaveSingleItem().Lines.Split('\n').ShouldBe(
            ["START RequestId: 1", "{\"level\":\"error\",\"text\":\"ünïcode \\\"quoted\\\"\"}", "END RequestId: 1", "another event"]);
        BackedUp backedUp = (await pipeline.BackedUpAsync()).ShouldHaveSingleItem();
        (backedUp.SequenceNumber, backedUp.ErrorCode).ShouldBe((batch[3].Position.SequenceNumber, TransformErrorCodes.DecompressionFailed));
        backedUp.Key.ShouldStartWith("errors/decompression-failed/");
        backedUp.RawData.ShouldBe(notGzip);
    }

    private static string Message(string type, params string[] messages) => JsonSerializer.Serialize(new
    {
        messageType = type,
        owner = "123456789012",
        logGroup = "/aws/lambda/orders",
        logStream = "2026/03/04/[$LATEST]0123456789abcdef",
        subscriptionFilters = new[] { "to-delivery" },
        logEvents = messages.Select((message, i) => new { id = i.ToString(System.Globalization.CultureInfo.InvariantCulture), timestamp = 1772593567000 + i, message }),
    });

    private static byte[] Gzip(string text)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal))
        {
            gzip.Write(Encoding.UTF8.GetBytes(text));
        }

        return output.ToArray();
    }
}
