using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Delivery.Destinations.OpenSearch;
using Delivery.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Delivery.UnitTests.Destinations.OpenSearch;

/// <summary>The writer's retry policy and failure reporting, against a scripted cluster and a fake clock.</summary>
public sealed class OpenSearchBatchWriterTests
{
    private static readonly DateTimeOffset Arrival = new(2026, 3, 4, 5, 6, 7, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(Arrival.AddMinutes(10));

    [Fact]
    public async Task OnlyTheDocumentsRefusedForNow_AreSentAgain_AndARefusedMappingIsGivenUpAtOnce()
    {
        // Document 1 is throttled twice, document 3 has a field of the wrong type.
        var cluster = new ScriptedCluster(request => ScriptedAnswer.PerDocument(document =>
            document.Source.Contains("\"n\":3", StringComparison.Ordinal) ? 400 : document.Source.Contains("\"n\":1", StringComparison.Ordinal) && request.Number < 3 ? 429 : 201));
        DeliveryBatch batch = Batch(5);

        BatchWriteResult result = await WriteAsync(Options(), cluster, batch);

        cluster.Requests.Select(request => request.Documents.Count).ShouldBe([5, 1, 1], "the second and third attempts carry only the throttled document");
        cluster.Requests[1].Documents[0].Source.ShouldContain("\"n\":1");
        FailedRecord failed = result.FailedRecords.ShouldHaveSingleItem();
        failed.Index.ShouldBe(3);
        failed.ErrorCode.ShouldBe("OpenSearch.MapperParsingException");
        failed.ErrorMessage.ShouldBe("status 400: failed to parse field [n] of type [long]");
        failed.ErrorOutputType.ShouldBe(ErrorOutputTypes.OpenSearchFailed);
        failed.AttemptsMade.ShouldBe(1);
        failed.DestinationFields.ShouldBe([new("esIndexName", "logs-2026-03-04"), new("esDocumentId", OpenSearchDocumentId.For(batch)[3])]);
    }

    [Fact]
    public async Task DocumentsStillRefusedWhenTheRetryDurationEnds_AreFailedWithTheirLastError()
    {
        var cluster = new ScriptedCluster(_ => ScriptedAnswer.PerDocument(document => document.Source.Contains("\"n\":0", StringComparison.Ordinal) ? 429 : 201));
        OpenSearchDestinationOptions options = Options();
        options.RetryDurationSeconds = 10;

        BatchWriteResult result = await WriteAsync(options, cluster, Batch(3));

        // Waits of 1, 2 and 4 s fit in 10 s; the next wait is cut to what is left, so the last attempt starts at 10 s.
        cluster.Requests.Count.ShouldBe(5);
        FailedRecord failed = result.FailedRecords.ShouldHaveSingleItem();
        failed.Index.ShouldBe(0);
        failed.ErrorCode.ShouldBe("OpenSearch.RejectedExecutionException");
        failed.AttemptsMade.ShouldBe(5);
    }

    [Fact]
    public async Task AWholeRequestRefusedFor503_IsSentAgainWhole()
    {
        var cluster = new ScriptedCluster(request => request.Number == 1 ? ScriptedAnswer.Whole(503) : ScriptedAnswer.AllIndexed);

        BatchWriteResult result = await WriteAsync(Options(), cluster, Batch(4));

        result.AllDelivered.ShouldBeTrue();
        cluster.Requests.Select(request => request.Documents.Count).ShouldBe([4, 4]);
        cluster.Requests[1].Documents.Select(document => document.Id).ShouldBe(cluster.Requests[0].Documents.Select(document => document.Id), "a request sent again keeps its ids");
    }

    [Fact]
    public async Task AWholeRequestRefusedFor400_IsGivenUpAtOnce_WithEveryDocument()
    {
        var cluster = new ScriptedCluster(_ => ScriptedAnswer.Whole(400, """{"error":{"type":"illegal_argument_exception","reason":"Action/metadata line [1] contains an unknown parameter [_type]"},"status":400}"""));
        OpenSearchDestinationOptions options = Options();
        options.TypeName = "event";

        BatchWriteResult result = await WriteAsync(options, cluster, Batch(3));

        cluster.Requests.Count.ShouldBe(1);
        result.FailedRecords.Select(failed => failed.Index).ShouldBe([0, 1, 2]);
        result.FailedRecords.ShouldAllBe(failed => failed.ErrorCode == "OpenSearch.IllegalArgumentException" && failed.ErrorMessage.Contains("unknown parameter [_type]"));
        result.FailedRecords[0].DestinationFields!.ShouldContain(new KeyValuePair<string, string>("esTypeName", "event"));
    }

    [Fact]
    public async Task AResponseThatDoesNotAnswerEveryDocument_CountsNothingAsIndexed_AndTheRequestIsSentAgain()
    {
        var cluster = new ScriptedCluster(request => request.Number == 1
            ? new ScriptedAnswer(200, """{"took":1,"errors":false,"items":[{"index":{"_index":"logs","_id":"x","status":201}}]}""")
            : ScriptedAnswer.AllIndexed);

        BatchWriteResult result = await WriteAsync(Options(), cluster, Batch(3));

        result.AllDelivered.ShouldBeTrue();
        cluster.Requests.Select(request => request.Documents.Count).ShouldBe([3, 3]);
    }

    [Fact]
    public async Task ConnectionFailuresAndTimeouts_AreRetried_UntilTheClusterAnswers()
    {
        var cluster = new ScriptedCluster(request => request.Number switch
        {
            1 => new ScriptedAnswer(0, Throw: new HttpRequestException(HttpRequestError.ConnectionError, "refused", new SocketException((int)SocketError.ConnectionRefused))),
            2 => new ScriptedAnswer(200, Delay: TimeSpan.FromMinutes(10)),
            _ => ScriptedAnswer.AllIndexed,
        });
        OpenSearchDestinationOptions options = Options();
        options.RequestTimeoutSeconds = 5;

        BatchWriteResult result = await WriteAsync(options, cluster, Batch(2));

        result.AllDelivered.ShouldBeTrue();
        cluster.Requests.Count.ShouldBe(3);
    }

    [Fact]
    public async Task EmptyRecords_AreFailedWithoutBeingSent_SoTheyCannotSpoilTheirRequest()
    {
        var cluster = new ScriptedCluster(_ => ScriptedAnswer.AllIndexed);
        DeliveryBatch batch = Batch(["{\"n\":0}", "", " \r\n\t", "{\"n\":3}"]);

        BatchWriteResult result = await WriteAsync(Options(), cluster, batch);

        cluster.Requests.ShouldHaveSingleItem().Documents.Select(document => document.Source).ShouldBe(["{\"n\":0}", "{\"n\":3}"]);
        result.FailedRecords.Select(failed => (failed.Index, failed.ErrorCode, failed.AttemptsMade)).ShouldBe([(1, "OpenSearch.EmptyDocument", 0), (2, "OpenSearch.EmptyDocument", 0)]);
    }

    [Fact]
    public async Task ABatchLargerThanTheRequestLimit_IsSentAsSeveralRequests_EachWithinIt()
    {
        var cluster = new ScriptedCluster(_ => ScriptedAnswer.AllIndexed);
        DeliveryBatch batch = Batch([.. Enumerable.Range(0, 30).Select(i => $"{{\"n\":{i},\"pad\":\"{new string('x', 100_000)}\"}}")]);
        OpenSearchDestinationOptions options = Options();
        options.MaxBulkRequestSizeInMBs = 1;

        BatchWriteResult result = await WriteAsync(options, cluster, batch);

        result.AllDelivered.ShouldBeTrue();
        cluster.Requests.Count.ShouldBe(3);
        cluster.Requests.ShouldAllBe(request => request.BodyBytes <= 1024 * 1024);
        cluster.Requests.SelectMany(request => request.Documents).Select(document => document.Id).ShouldBe(OpenSearchDocumentId.For(batch));
    }

    [Fact]
    public async Task EachDocument_GoesToTheIndexOfItsOwnArrivalTime()
    {
        var cluster = new ScriptedCluster(_ => ScriptedAnswer.AllIndexed);
        SourceRecord[] records =
        [
            Record(0, "{\"n\":0}", new DateTimeOffset(2026, 3, 4, 23, 59, 59, TimeSpan.Zero)),
            Record(1, "{\"n\":1}", new DateTimeOffset(2026, 3, 5, 0, 0, 0, TimeSpan.Zero)),
        ];
        OpenSearchDestinationOptions options = Options();
        options.IndexRotationPeriod = OpenSearchIndexRotation.OneDay;

        await WriteAsync(options, cluster, new DeliveryBatch("logs", new BatchSource("stream", "shardId-0", records[0].Position, records[1].Position), records));

        cluster.Requests.ShouldHaveSingleItem().Documents.Select(document => document.Index).ShouldBe(["logs-2026-03-04", "logs-2026-03-05"]);
    }

    [Fact]
    public async Task BasicAuth_SendsTheUserAndThePasswordFromTheEnvironment_OnEveryRequest()
    {
        var cluster = new ScriptedCluster(request => request.Number == 1 ? ScriptedAnswer.Whole(503) : ScriptedAnswer.AllIndexed);
        var authentication = new OpenSearchAuthenticationOptions { Mode = OpenSearchAuthenticationMode.Basic, Username = "delivery", PasswordVariable = "OS_PASSWORD" };
        OpenSearchDestinationOptions options = Options();
        options.Authentication = authentication;
        BasicAuthenticationHandler handler = BasicAuthenticationHandler.From(authentication, name => name == "OS_PASSWORD" ? "pä:ss" : null);
        handler.InnerHandler = cluster;

        Task<BatchWriteResult> write = new OpenSearchBatchWriter(options, new HttpClient(handler), NullLogger<OpenSearchBatchWriter>.Instance, _time, unitRandom: () => 0.5)
            .WriteAsync(Batch(1), CancellationToken.None);
        await _time.AdvanceUntilAsync(() => write.IsCompleted, TimeSpan.FromMilliseconds(250), maxSteps: 4000);
        (await write).AllDelivered.ShouldBeTrue();

        cluster.Requests.Count.ShouldBe(2);
        cluster.Requests.ShouldAllBe(request => request.Message.Headers.Authorization!.Scheme == "Basic"
            && Encoding.UTF8.GetString(Convert.FromBase64String(request.Message.Headers.Authorization.Parameter!)) == "delivery:pä:ss");
        cluster.Requests.ShouldAllBe(request => request.Message.RequestUri!.ToString() == "https://search.example/_bulk"
            && request.Message.Content!.Headers.ContentType!.MediaType == "application/x-ndjson");
    }

    [Fact]
    public void BasicAuth_WithItsPasswordVariableUnset_NamesTheVariable() =>
        Should.Throw<InvalidOperationException>(() => BasicAuthenticationHandler.From(
            new OpenSearchAuthenticationOptions { Mode = OpenSearchAuthenticationMode.Basic, Username = "u", PasswordVariable = "OS_PASSWORD" }, _ => null))
            .Message.ShouldContain("'OS_PASSWORD'");

    [Fact]
    public async Task WithoutDocumentIds_NoIdIsSent()
    {
        var cluster = new ScriptedCluster(_ => ScriptedAnswer.AllIndexed);
        OpenSearchDestinationOptions options = Options();
        options.DocumentIdFormat = OpenSearchDocumentIds.None;

        await WriteAsync(options, cluster, Batch(2));

        cluster.Requests.ShouldHaveSingleItem().Documents.ShouldAllBe(document => document.Id == null);
    }

    [Fact]
    public async Task Cancellation_IsNotAFailure_ItPropagates()
    {
        var cluster = new ScriptedCluster(_ => ScriptedAnswer.Whole(503));
        var writer = Writer(Options(), cluster);
        using var cancellation = new CancellationTokenSource();

        Task<BatchWriteResult> write = writer.WriteAsync(Batch(2), cancellation.Token);
        await Eventually.TrueAsync(() => cluster.Requests.Count == 1, "the first attempt is made");
        await cancellation.CancelAsync();

        await Should.ThrowAsync<OperationCanceledException>(write);
    }

    private async Task<BatchWriteResult> WriteAsync(OpenSearchDestinationOptions options, ScriptedCluster cluster, DeliveryBatch batch)
    {
        Task<BatchWriteResult> write = Writer(options, cluster).WriteAsync(batch, CancellationToken.None);
        await _time.AdvanceUntilAsync(() => write.IsCompleted, TimeSpan.FromMilliseconds(250), maxSteps: 4000);
        write.IsCompleted.ShouldBeTrue("the write ends within the retry duration");
        return await write;
    }

    private OpenSearchBatchWriter Writer(OpenSearchDestinationOptions options, ScriptedCluster cluster) =>
        new(options, new HttpClient(cluster), NullLogger<OpenSearchBatchWriter>.Instance, _time, unitRandom: () => 0.5);

    private static OpenSearchDestinationOptions Options() => new()
    {
        Endpoint = new Uri("https://search.example"),
        IndexName = "logs",
        RetryDurationSeconds = 60,
        Authentication = new OpenSearchAuthenticationOptions { Mode = OpenSearchAuthenticationMode.None },
    };

    private static DeliveryBatch Batch(int count) => Batch([.. Enumerable.Range(0, count).Select(i => $"{{\"n\":{i}}}")]);

    private static DeliveryBatch Batch(string[] data)
    {
        SourceRecord[] records = [.. data.Select((text, i) => Record(i, text, Arrival))];
        return new DeliveryBatch("logs", new BatchSource("stream", "shardId-0", records[0].Position, records[^1].Position), records);
    }

    private static SourceRecord Record(int i, string data, DateTimeOffset arrival) =>
        new(new ShardPosition((1000 + i).ToString(CultureInfo.InvariantCulture)), "pk", arrival, Encoding.UTF8.GetBytes(data));
}
