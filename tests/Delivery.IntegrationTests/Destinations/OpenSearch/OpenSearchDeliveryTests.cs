using System.Text;
using Amazon.S3;
using Delivery.Destinations.Checks;
using Delivery.Destinations.OpenSearch;
using Delivery.Pipeline.Memory;
using Delivery.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using static Delivery.IntegrationTests.Destinations.PipelineHarness;

namespace Delivery.IntegrationTests.Destinations.OpenSearch;

/// <summary>
/// The OpenSearch destination behind a real pipeline, a bulk API receiver (<see cref="BulkReceiver"/>) and a real backup
/// bucket: every record ends indexed once or in the backup bucket with its error, never both, never lost; documents
/// refused for now are sent again alone; a batch sent again overwrites its documents.
/// </summary>
[Collection(LocalAwsCollection.Name)]
public sealed class OpenSearchDeliveryTests : IAsyncLifetime
{
    // PipelineHarness.Records arrive on 2026-03-04; the default rotation appends that day.
    private const string Index = "clicks-2026-03-04";

    private readonly AmazonS3Client _s3;
    private readonly string _backupBucket = LocalAwsStack.UniqueName("os-backup");
    private BulkReceiver _receiver = null!;

    public OpenSearchDeliveryTests(LocalAwsStack stack)
    {
        _s3 = stack.CreateS3Client();
    }

    public async Task InitializeAsync()
    {
        _receiver = await BulkReceiver.StartAsync();
        await _s3.PutBucketAsync(_backupBucket);
    }

    public async Task DisposeAsync()
    {
        await _receiver.DisposeAsync();
        _s3.Dispose();
    }

    [Fact]
    public async Task EveryRecord_IsIndexedOnce_OrBackedUpWithItsError_AndOnlyDocumentsRefusedForNowAreSentAgain()
    {
        // The first request is refused whole (429); then every tenth document is throttled twice, and every
        // seventeenth cannot be mapped.
        _receiver.Whole = request => request == 1 ? WholeReply.TooManyRequests : WholeReply.Items;
        _receiver.ItemStatus = action => Number(action.Source) % 17 == 5 ? 400 : Number(action.Source) % 10 == 3 && action.Attempt <= 3 ? 429 : null;
        List<SourceRecord>[] pages = [Records(0, 40), Records(40, 25), Records(65, 30)];

        // One delivery at a time, so the request refused whole is the first page's: with two, either of the first two
        // batches could be request 1, and record 4 would be sent once or twice depending on which won.
        await RunAsync(Options(retrySeconds: 30), pages, lastPosition: 94, maxConcurrentDeliveries: 1);

        string[] sent = [.. pages.SelectMany(page => page).Select(Text)];
        string[] mappable = [.. sent.Where(source => Number(source) % 17 != 5)];
        _receiver.Documents.Keys.ShouldAllBe(key => key.Index == Index);
        _receiver.Documents.Values.Select(document => document.Source).Order(StringComparer.Ordinal).ShouldBe(mappable.Order(StringComparer.Ordinal));
        _receiver.Documents.Values.ShouldAllBe(document => document.Version == 1, "no document is indexed twice");

        // A throttled document is sent with its batch (refused whole), refused twice on its own, then indexed.
        BulkAction[] received = [.. _receiver.Received];
        received.Where(action => Number(action.Source) == 3).Select(action => action.Id).Distinct().ShouldHaveSingleItem("every attempt carries the same id");
        received.Count(action => Number(action.Source) == 3).ShouldBe(4);
        received.Count(action => Number(action.Source) == 4).ShouldBe(2, "an indexed document is not sent again");

        List<FailedDocument> failed = await OpenSearchBackup.ReadAsync(_s3, _backupBucket);
        failed.Select(document => document.Raw).Order(StringComparer.Ordinal).ShouldBe(sent.Where(source => Number(source) % 17 == 5).Order(StringComparer.Ordinal));
        failed.ShouldAllBe(document => document.Key.StartsWith("AmazonOpenSearchService-failed/", StringComparison.Ordinal)
            && document.ErrorCode == "OpenSearch.MapperParsingException"
            && document.ErrorMessage.StartsWith("status 400: failed to parse field [n]", StringComparison.Ordinal)
            && document.IndexName == Index);
        foreach (FailedDocument document in failed)
        {
            received.Where(action => action.Source == document.Raw).Select(action => action.Id).ShouldAllBe(id => id == document.DocumentId, "the backup names the id the document was sent with");
        }
    }

    [Fact]
    public async Task DocumentsStillThrottledWhenTheRetryDurationEnds_GoToTheBackupBucket_WithTheClustersError()
    {
        _receiver.ItemStatus = action => Number(action.Source) % 5 == 0 ? 429 : null;
        List<SourceRecord>[] pages = [Records(0, 20)];

        await RunAsync(Options(retrySeconds: 2), pages, lastPosition: 19);

        _receiver.Documents.Count.ShouldBe(16);
        List<FailedDocument> failed = await OpenSearchBackup.ReadAsync(_s3, _backupBucket);
        failed.Select(document => Number(document.Raw)).Order().ShouldBe([0, 5, 10, 15]);
        failed.ShouldAllBe(document => document.ErrorCode == "OpenSearch.RejectedExecutionException" && document.AttemptsMade > 1 && document.ErrorMessage.StartsWith("status 429: ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ABatchSentAgain_OverwritesItsDocuments_InsteadOfIndexingThemTwice()
    {
        // A worker that restarts from an older checkpoint reads records 0-49 again, cut into different batches.
        await RunAsync(Options(retrySeconds: 10), [Records(0, 50)], lastPosition: 49);
        var firstIds = _receiver.Documents.Keys.ToHashSet();

        await RunAsync(Options(retrySeconds: 10), [Records(0, 7), Records(7, 33), Records(40, 20)], lastPosition: 59);

        _receiver.Documents.Count.ShouldBe(60);
        _receiver.Documents.Keys.Where(firstIds.Contains).Count().ShouldBe(50, "the records sent again have the ids they had");
        _receiver.Documents.Where(pair => firstIds.Contains(pair.Key)).ShouldAllBe(pair => pair.Value.Version == 2);
        _receiver.Documents.Where(pair => !firstIds.Contains(pair.Key)).ShouldAllBe(pair => pair.Value.Version == 1);
        (await OpenSearchBackup.ReadAsync(_s3, _backupBucket)).ShouldBeEmpty();
    }

    [Fact]
    public async Task AClusterThatRefusesTheCredentials_IsRetried_ThenTheDocumentsAreBackedUp_WithoutThePassword()
    {
        const string Password = "correct-horse-7c1f";
        _receiver.RequiredCredentials = ("delivery", Password);
        OpenSearchDestinationOptions options = Options(retrySeconds: 2);
        options.Authentication = new OpenSearchAuthenticationOptions { Mode = OpenSearchAuthenticationMode.Basic, Username = "delivery", PasswordVariable = "X" };

        await RunAsync(options, [Records(0, 5)], lastPosition: 4, password: "wrong-password");

        _receiver.Documents.ShouldBeEmpty();
        List<FailedDocument> failed = await OpenSearchBackup.ReadAsync(_s3, _backupBucket);
        failed.Count.ShouldBe(5);
        failed.ShouldAllBe(document => document.ErrorCode == "OpenSearch.SecurityException" && document.AttemptsMade > 1 && !document.ErrorMessage.Contains("wrong-password"));

        // With the right password the same records are indexed under the same ids.
        await RunAsync(options, [Records(0, 5)], lastPosition: 4, password: Password);
        _receiver.Documents.Keys.Select(key => key.Id).Order(StringComparer.Ordinal).ShouldBe(failed.Select(document => document.DocumentId!).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task TheStartUpCheck_PassesOnTheClustersAnswerToAnEmptyRequest_AndNamesRefusedCredentials()
    {
        _receiver.RequiredCredentials = ("delivery", "right");
        var authentication = new OpenSearchAuthenticationOptions { Mode = OpenSearchAuthenticationMode.Basic, Username = "delivery", PasswordVariable = "X" };
        OpenSearchDestinationOptions options = Options(retrySeconds: 0);
        options.Authentication = authentication;

        CheckOutcome good = await Check(options, "right").RunAsync(CancellationToken.None);
        CheckOutcome refused = await Check(options, "wrong").RunAsync(CancellationToken.None);

        good.ShouldBe(CheckOutcome.Ok);
        _receiver.Documents.ShouldBeEmpty("the check indexes nothing");
        refused.Status.ShouldBe(CheckStatus.Permanent);
        refused.Reason.ShouldContain("refused the credentials");
        refused.Reason.ShouldContain("status 401");
    }

    private OpenSearchCheck Check(OpenSearchDestinationOptions options, string password) =>
        new(options, Client(options, password), "Delivery:Pipelines:clicks:OpenSearch:Endpoint", NullLogger<OpenSearchCheck>.Instance);

    private async Task RunAsync(OpenSearchDestinationOptions options, List<SourceRecord>[] pages, int lastPosition, string? password = null, int maxConcurrentDeliveries = 2)
    {
        var writer = new OpenSearchBatchWriter(options, Client(options, password), NullLogger<OpenSearchBatchWriter>.Instance, unitRandom: () => 0.5);
        await using var harness = new PipelineHarness(writer, _s3, _backupBucket, new MemoryBudget(64L * 1024 * 1024), maxConcurrentDeliveries: maxConcurrentDeliveries);
        foreach (List<SourceRecord> page in pages)
        {
            await harness.AppendAsync(page);
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        (await harness.DrainAsync(timeout.Token)).ShouldBe(Position(lastPosition));
    }

    private static HttpClient Client(OpenSearchDestinationOptions options, string? password)
    {
        HttpMessageHandler handler = new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(5) };
        if (options.Authentication.Mode == OpenSearchAuthenticationMode.Basic)
        {
            handler = new BasicAuthenticationHandler(options.Authentication.Username!, password!) { InnerHandler = handler };
        }

        return new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    private OpenSearchDestinationOptions Options(int retrySeconds) => new()
    {
        Endpoint = _receiver.Url,
        AllowPlainHttp = true,
        IndexName = "clicks",
        RetryDurationSeconds = retrySeconds,
        RequestTimeoutSeconds = 5,
        Authentication = new OpenSearchAuthenticationOptions { Mode = OpenSearchAuthenticationMode.None },
    };

    private static string Text(SourceRecord record) => Encoding.UTF8.GetString(record.Data.Span);

    // The records' payloads are {"n":N,"pad":"..."}.
    private static int Number(string source) =>
        int.Parse(source.AsSpan(5, source.IndexOf(',', StringComparison.Ordinal) - 5), System.Globalization.CultureInfo.InvariantCulture);
}
