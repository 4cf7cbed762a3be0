using System.Globalization;
using System.Net;
using System.Text;
using Delivery.Destinations.Http;
using Delivery.Destinations.Http.Presets;
using Microsoft.Extensions.Logging.Abstractions;

namespace Delivery.UnitTests.Destinations.Http;

public sealed class HttpEndpointBatchWriterTests
{
    [Fact]
    public async Task ThePartsOfOneRecord_GoInOneRequest_SoARequestGivenUpNeverBacksUpARecordAnotherDelivered()
    {
        // Records 9,999 and 10,000 are two parts of one source record (a processor split it): they share its position.
        SourceRecord[] records = [.. Enumerable.Range(0, 10_002).Select(i => Record(i < 10_000 ? i : i - 1))];
        var receiver = new Receiver(request => request == 1 ? HttpStatusCode.OK : HttpStatusCode.RequestEntityTooLarge);
        var writer = new HttpEndpointBatchWriter(
            new HttpEndpointOptions { Url = new Uri("https://receiver.example/ingest"), RetryDurationSeconds = 0 },
            new HttpClient(receiver),
            "arn:aws:firehose:us-east-1:000000000000:deliverystream/clicks",
            NullLogger<HttpEndpointBatchWriter>.Instance);

        BatchWriteResult result = await writer.WriteAsync(new DeliveryBatch("clicks", new BatchSource("s", "shardId-0", records[0].Position, records[^1].Position), records), default);

        receiver.Requests.ShouldBe(2);
        result.FailedRecords.Select(failed => failed.Index).ShouldBe([9_999, 10_000, 10_001]);
    }

    [Theory]
    [InlineData(null, "gzip")]
    [InlineData(HttpContentEncoding.None, null)]
    public async Task APreset_PostsToThePublishedUrl_InTheServicesEncoding_UnlessOneIsSet(HttpContentEncoding? configured, string? sent)
    {
        var receiver = new Receiver(_ => HttpStatusCode.OK);
        var options = new HttpEndpointOptions { Preset = HttpEndpointPreset.DatadogLogs, Site = "EU", AccessKey = "dd-api-key", ContentEncoding = configured };
        var writer = new HttpEndpointBatchWriter(options, new HttpClient(receiver), "arn:aws:firehose:us-east-1:000000000000:deliverystream/logs", NullLogger<HttpEndpointBatchWriter>.Instance);
        SourceRecord[] records = [Record(0), Record(1)];

        BatchWriteResult result = await writer.WriteAsync(new DeliveryBatch("logs", new BatchSource("s", "shardId-0", records[0].Position, records[^1].Position), records), default);

        result.AllDelivered.ShouldBeTrue();
        HttpRequestMessage request = receiver.Last.ShouldNotBeNull();
        request.RequestUri!.AbsoluteUri.ShouldBe("https://aws-kinesis-http-intake.logs.datadoghq.eu/v1/input");
        request.Content!.Headers.ContentEncoding.SingleOrDefault().ShouldBe(sent);
        request.Headers.GetValues("X-Amz-Firehose-Access-Key").ShouldBe(["dd-api-key"]);
    }

    [Fact]
    public async Task APlansBatch_IsSentUnderTheSameRequestId_WhenItsRangesAreReadAgainAfterARestart()
    {
        // Worker scope: a next owner completes a committed plan by reading its ranges again into a new batch.
        var receiver = new Receiver(_ => HttpStatusCode.OK);
        var writer = new HttpEndpointBatchWriter(
            new HttpEndpointOptions { Url = new Uri("https://receiver.example/ingest") },
            new HttpClient(receiver),
            "arn:aws:firehose:us-east-1:000000000000:deliverystream/clicks",
            NullLogger<HttpEndpointBatchWriter>.Instance);
        var ids = new List<string>();
        foreach (int attempt in new[] { 1, 2 })
        {
            DeliveryBatch plan = Delivery.Testing.PlanBatches.TwoShards();
            await writer.WriteAsync(plan, default);
            ids.Add(receiver.Last!.Headers.GetValues("X-Amz-Firehose-Request-Id").Single());
            plan.Release();
        }

        ids[0].ShouldBe(ids[1]);
        SourceRecord[] firstShardOnly = Delivery.Testing.PlanBatches.Records("a", 2);
        await writer.WriteAsync(new DeliveryBatch("clicks", new BatchSource("orders", Delivery.Testing.PlanBatches.FirstShard, firstShardOnly[0].Position, firstShardOnly[^1].Position), firstShardOnly), default);
        receiver.Last!.Headers.GetValues("X-Amz-Firehose-Request-Id").Single().ShouldNotBe(ids[0], "the plan's id covers both shards' ranges");
    }

    private static SourceRecord Record(int position) =>
        new(new ShardPosition((1_000_000 + position).ToString(CultureInfo.InvariantCulture)), "k", DateTimeOffset.UnixEpoch, "{}"u8.ToArray());

    /// <summary>Answers the n-th request with the status chosen for it, echoing its request id on 200.</summary>
    private sealed class Receiver(Func<int, HttpStatusCode> status) : HttpMessageHandler
    {
        private int _requests;

        public int Requests => _requests;

        public HttpRequestMessage? Last { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Last = request;
            string id = request.Headers.GetValues("X-Amz-Firehose-Request-Id").Single();
            HttpStatusCode code = status(Interlocked.Increment(ref _requests));
            return Task.FromResult(new HttpResponseMessage(code)
            {
                Content = new StringContent($$"""{"requestId":"{{id}}","timestamp":1}""", Encoding.UTF8, "application/json"),
            });
        }
    }
}
