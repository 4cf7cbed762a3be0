using System.Text;
using Amazon.S3;
using Delivery.Destinations.Splunk;
using Delivery.IntegrationTests.Destinations.Backup;
using Delivery.Pipeline.Memory;
using Delivery.Testing;
using Microsoft.Extensions.Logging;
using static Delivery.IntegrationTests.Destinations.PipelineHarness;

namespace Delivery.IntegrationTests.Destinations.Splunk;

/// <summary>
/// The Splunk writer behind a real pipeline and a real backup bucket, against a collector that follows HEC's published
/// formats (<see cref="HecReceiver"/>). The writer's clock runs 15 times faster (<see cref="FastClock"/>), so the
/// 180 s acknowledgement timeout runs out in 12 s (and a 10 s acknowledgement query may take 0.67 s): every record ends acknowledged exactly once or in the backup bucket
/// with its error, and the shard's checkpoint never passes a request HEC has not acknowledged.
/// </summary>
[Collection(LocalAwsCollection.Name)]
public sealed class SplunkDeliveryTests : IAsyncLifetime
{
    private const string Token = "5b3f1c2e-8d4a-4f6b-9e7c-hec-integration";
    private readonly AmazonS3Client _s3;
    private readonly string _backupBucket = LocalAwsStack.UniqueName("splunk-backup");
    private readonly FastClock _clock = new(15);
    private readonly CapturingLoggerProvider _logs = new();
    private HecReceiver _hec = null!;

    public SplunkDeliveryTests(LocalAwsStack stack)
    {
        _s3 = stack.CreateS3Client();
    }

    public static TheoryData<string, string?> Cases => new()
    {
        { "acks delayed", null },
        { "busy twice", null },
        { "reset after indexing once", null },
        { "acks never come", "Splunk.AckTimeout" },
        { "busy always", "Splunk.ServerBusy" },
        { "token refused", "Splunk.InvalidToken" },
    };

    public async Task InitializeAsync()
    {
        _hec = await HecReceiver.StartAsync(Token);
        await _s3.PutBucketAsync(_backupBucket);
    }

    public async Task DisposeAsync()
    {
        await _hec.DisposeAsync();
        _s3.Dispose();
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task EveryRecord_EndsAcknowledgedOnceOrInTheBackupBucket(string behaviour, string? expectedErrorCode)
    {
        _hec.Behaviour = Behaviour(behaviour);
        _hec.AckDelay = behaviour == "acks delayed" ? TimeSpan.FromSeconds(1) : TimeSpan.FromMilliseconds(50);
        SplunkDestinationOptions options = Options(HecEndpointType.Raw);

        // Cases that recover may retry for 10 minutes (40 s here); cases that never do give up at once or within 60 s (4 s).
        options.RetryDurationSeconds = behaviour switch { "acks never come" => 0, "busy always" => 60, _ => 600 };
        List<SourceRecord>[] pages = [Records(0, 40), Records(40, 25), Records(65, 30)];

        await RunAsync(Writer(options, behaviour == "token refused" ? "a-revoked-token" : Token), pages, Position(94));

        string[] sent = [.. pages.SelectMany(page => page).Select(record => Encoding.UTF8.GetString(record.Data.Span)).Order(StringComparer.Ordinal)];
        List<BackedUp> backedUp = await BackupBucket.ReadAsync(_s3, _backupBucket);
        _hec.Acknowledged.Select(request => (request.Channel, request.AckId)).ShouldBeUnique();
        string[] acknowledged = [.. _hec.Acknowledged.SelectMany(request => request.Events).Order(StringComparer.Ordinal)];
        if (expectedErrorCode is null)
        {
            backedUp.ShouldBeEmpty();
            acknowledged.ShouldBe(sent, "every record acknowledged exactly once");
        }
        else
        {
            acknowledged.ShouldBeEmpty();
            backedUp.Select(record => record.Raw).Order(StringComparer.Ordinal).ShouldBe(sent);
            backedUp.ShouldAllBe(record => record.ErrorCode == expectedErrorCode && record.Key.StartsWith("splunk-failed/", StringComparison.Ordinal));
        }

        _hec.Requests.ShouldAllBe(request => request.Authorization == "Splunk " + (behaviour == "token refused" ? "a-revoked-token" : Token));
        _logs.Entries.ShouldAllBe(entry => !entry.Message.Contains(Token, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ALostAck_IsSentAgainAfterTheAckTimeout_AndOnlyTheAcknowledgedCopyCountsAsDelivered()
    {
        _hec.Behaviour = n => n == 1 ? HecAction.LoseAck : HecAction.Accept;
        List<SourceRecord>[] pages = [Records(0, 20)];
        DateTimeOffset start = _clock.GetUtcNow();

        await RunAsync(Writer(Options(HecEndpointType.Raw), Token), pages, Position(19));

        // HEC indexed the first copy but never acknowledged it: sent again, the records are in the index twice, as with
        // Firehose. (On a loaded machine an acknowledgement query may time out too, and the request go a third time.)
        IndexedRequest[] indexed = [.. _hec.Indexed];
        indexed.Length.ShouldBeGreaterThanOrEqualTo(2);
        indexed.ShouldAllBe(request => request.Events.SequenceEqual(indexed[0].Events));
        IndexedRequest acknowledged = _hec.Acknowledged.ShouldHaveSingleItem();
        acknowledged.AckId.ShouldNotBe(indexed[0].AckId, "the lost ackId is never acknowledged");
        acknowledged.Events.ShouldBe(indexed[0].Events);
        (_clock.GetUtcNow() - start).ShouldBeGreaterThanOrEqualTo(TimeSpan.FromSeconds(180), "the lost ack is waited for until the acknowledgement timeout");
        _logs.Entries.ShouldContain(entry => entry.EventId.Id == 4602 && entry.Message.Contains("Splunk.AckTimeout", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TheCheckpoint_DoesNotPassARequestHecHasNotAcknowledged()
    {
        _hec.HoldAcks = true;
        await using (var harness = new PipelineHarness(Writer(Options(HecEndpointType.Raw), Token), _s3, _backupBucket, new MemoryBudget(64L * 1024 * 1024)))
        {
            await harness.AppendAsync(Records(0, 30));
            await Eventually.TrueAsync(() => !_hec.Indexed.IsEmpty, "the collector indexes the first request", TimeSpan.FromSeconds(30));

            // 2 s here is 30 s for the writer: well inside its 180 s acknowledgement timeout.
            await Task.Delay(TimeSpan.FromSeconds(2));
            harness.LastCheckpoint.ShouldBeNull("indexed but not acknowledged is not delivered");
            _hec.Acknowledged.ShouldBeEmpty();

            _hec.HoldAcks = false;
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            (await harness.DrainAsync(timeout.Token)).ShouldBe(Position(29));
        }

        _hec.Acknowledged.SelectMany(request => request.Events).Order(StringComparer.Ordinal)
            .ShouldBe(Records(0, 30).Select(record => Encoding.UTF8.GetString(record.Data.Span)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task EventsHecRefuses_GoToTheBackupBucketWithHecsError_AndTheOthersAreAcknowledgedOnce()
    {
        // HEC event objects; every 7th names an index the token may not write to, every 11th has a time that is no number.
        List<SourceRecord> records = [.. Enumerable.Range(0, 60).Select(n => new SourceRecord(Position(n), "pk", DateTimeOffset.UnixEpoch, Encoding.UTF8.GetBytes(HecEvent(n))))];

        await RunAsync(Writer(Options(HecEndpointType.Event), Token), [records], Position(59));

        List<BackedUp> backedUp = await BackupBucket.ReadAsync(_s3, _backupBucket);
        int[] refused = [.. Enumerable.Range(0, 60).Where(n => n % 7 == 3 || n % 11 == 5)];
        backedUp.Select(record => record.Raw).Order(StringComparer.Ordinal).ShouldBe(refused.Select(HecEvent).Order(StringComparer.Ordinal));
        backedUp.ShouldAllBe(record => record.ErrorCode == (record.Raw.Contains("\"index\"", StringComparison.Ordinal) ? "Splunk.InvalidIndex" : "Splunk.InvalidDataFormat"));
        backedUp.ShouldAllBe(record => record.ErrorMessage.Contains("HEC code", StringComparison.Ordinal));
        _hec.Acknowledged.SelectMany(request => request.Events).Order(StringComparer.Ordinal)
            .ShouldBe(Enumerable.Range(0, 60).Except(refused).Select(n => $"{{\"n\":{n}}}").Order(StringComparer.Ordinal));
        _hec.Indexed.SelectMany(request => request.Events).Count().ShouldBe(60 - refused.Length, "a refused request indexes nothing, so nothing is indexed twice");
    }

    private static string HecEvent(int n) => (n % 7 == 3, n % 11 == 5) switch
    {
        (true, _) => $"{{\"event\":{{\"n\":{n}}},\"time\":1767225600,\"index\":\"audit\"}}",
        (_, true) => $"{{\"event\":{{\"n\":{n}}},\"time\":\"yesterday\"}}",
        _ => $"{{\"event\":{{\"n\":{n}}},\"time\":1767225600.{n:D3}}}",
    };

    private async Task RunAsync(SplunkBatchWriter writer, List<SourceRecord>[] pages, ShardPosition last)
    {
        await using var harness = new PipelineHarness(writer, _s3, _backupBucket, new MemoryBudget(64L * 1024 * 1024));
        foreach (List<SourceRecord> page in pages)
        {
            await harness.AppendAsync(page);
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        (await harness.DrainAsync(timeout.Token)).ShouldBe(last);
    }

    private SplunkDestinationOptions Options(HecEndpointType type) => new()
    {
        HecEndpoint = _hec.Url,
        AllowPlainHttp = true,
        HecEndpointType = type,
        HecTokenVariable = "SPLUNK_HEC_TOKEN",
    };

    private SplunkBatchWriter Writer(SplunkDestinationOptions options, string token) => new(
        options,
        token,
        new HttpClient(new SocketsHttpHandler { UseCookies = false, ConnectTimeout = TimeSpan.FromSeconds(5) }) { Timeout = Timeout.InfiniteTimeSpan },
        new LoggerFactory([_logs]).CreateLogger<SplunkBatchWriter>(),
        _clock,
        unitRandom: () => 0.5);

    private static Func<int, HecAction> Behaviour(string name) => name switch
    {
        "acks delayed" or "token refused" => _ => HecAction.Accept,
        "busy twice" => n => n <= 2 ? HecAction.Busy : HecAction.Accept,
        "reset after indexing once" => n => n == 1 ? HecAction.ResetAfterIndexing : HecAction.Accept,
        "acks never come" => _ => HecAction.LoseAck,
        "busy always" => _ => HecAction.Busy,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };
}
