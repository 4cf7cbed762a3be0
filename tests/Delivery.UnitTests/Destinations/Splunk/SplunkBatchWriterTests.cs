using System.Globalization;
using System.Text;
using Delivery.Destinations.Splunk;
using Delivery.Testing;
using Microsoft.Extensions.Logging;

namespace Delivery.UnitTests.Destinations.Splunk;

public sealed class SplunkBatchWriterTests
{
    private const string Token = "0c1e7a52-5f3b-4a65-9c2e-token-under-test";
    private static readonly Guid Channel = Guid.Parse("8e69d7b3-f266-e9f3-2747-cc5b7f809897");

    private readonly TimerCountingFakeTimeProvider _time = new();
    private readonly ScriptedHec _hec;
    private readonly List<TimeSpan> _ackLatencies = [];
    private readonly CapturingLoggerProvider _logs = new();

    public SplunkBatchWriterTests()
    {
        _hec = new ScriptedHec(_time);
    }

    [Fact]
    public async Task ARequest_IsDelivered_OnlyOnceItsAckIdIsReportedIndexed_AskedAfter1_2_And4Seconds()
    {
        _hec.Reply = (_, _) => HecReply.Accept(trueAfterQueries: 3);
        DateTimeOffset start = _time.GetUtcNow();

        BatchWriteResult result = await RunAsync(Writer(Options()), Batch("a", "b"));

        result.AllDelivered.ShouldBeTrue();
        _hec.DataCalls.ShouldHaveSingleItem();
        _hec.AckCalls.Select(call => (call.At - start).TotalSeconds).ShouldBe([1, 3, 7]);
        _hec.AckCalls.Select(call => Encoding.UTF8.GetString(call.Body)).ShouldAllBe(body => body == """{"acks":[0]}""");
        _ackLatencies.ShouldBe([TimeSpan.FromSeconds(7)]);
    }

    [Fact]
    public async Task EveryRequest_CarriesTheTokenAndTheWritersChannel_AndTheAckQueriesTheSameChannel()
    {
        SplunkBatchWriter writer = Writer(Options());

        await RunAsync(writer, Batch("a"));

        writer.Channel.ShouldBe(Channel.ToString("D"));
        _hec.Calls.Count.ShouldBe(2);
        _hec.Calls.ShouldAllBe(call => call.Authorization == "Splunk " + Token && call.Channel == writer.Channel);
        _hec.Calls.Select(call => call.Path).ShouldBe(["/services/collector/raw", "/services/collector/ack"]);
    }

    [Fact]
    public async Task TheCookieTheCollectorSets_GoesBackWithTheAckQueries_SoABalancerKeepsThemOnOneIndexer()
    {
        _hec.StickyCookie = "AWSELB=indexer-7";

        await RunAsync(Writer(Options()), Batch("a"));

        _hec.DataCalls.Single().Cookie.ShouldBeNull();
        _hec.AckCalls.Single().Cookie.ShouldBe("AWSELB=indexer-7");
    }

    [Fact]
    public async Task AnAckThatNeverComes_IsAskedForUntilTheAckTimeout_LastlyAtTheTimeoutItself_ThenTheRecordsFailWithAckTimeout()
    {
        _hec.Reply = (_, _) => HecReply.Accept(trueAfterQueries: null);
        DateTimeOffset start = _time.GetUtcNow();

        BatchWriteResult result = await RunAsync(Writer(Options(retryDurationSeconds: 0)), Batch("a", "b"));

        _hec.DataCalls.ShouldHaveSingleItem();
        double[] asked = [.. _hec.AckCalls.Select(call => (call.At - start).TotalSeconds)];
        asked.Take(5).ShouldBe([1, 3, 7, 15, 25]);
        asked.Skip(4).Zip(asked.Skip(5), (a, b) => b - a).ShouldAllBe(gap => gap <= 10);
        asked[^1].ShouldBe(180);
        result.FailedRecords.Select(failed => failed.Index).ShouldBe([0, 1]);
        result.FailedRecords.ShouldAllBe(failed => failed.ErrorCode == "Splunk.AckTimeout" && failed.ErrorOutputType == ErrorOutputTypes.SplunkFailed && failed.AttemptsMade == 1);
        result.FailedRecords[0].ErrorMessage.ShouldContain("may have been indexed");
    }

    [Fact]
    public async Task TheRetryDuration_CountsFromTheFirstFailure_AndAnAttemptStartedInTimeIsWaitedOnToItsAckTimeout()
    {
        // Acks never come: each attempt fails 180 s after it is sent. The 300 s start at the first failure (180 s), so
        // attempts start at 0, 181 and 363 (after 1 s and 2 s backoffs); the third fails at 543, past 480: given up.
        _hec.Reply = (_, _) => HecReply.Accept(trueAfterQueries: null);
        DateTimeOffset start = _time.GetUtcNow();

        BatchWriteResult result = await RunAsync(Writer(Options(retryDurationSeconds: 300)), Batch("a"));

        _hec.DataCalls.Select(call => (call.At - start).TotalSeconds).ShouldBe([0, 181, 363]);
        result.FailedRecords.ShouldHaveSingleItem().AttemptsMade.ShouldBe(3);
        (_time.GetUtcNow() - start).ShouldBe(TimeSpan.FromSeconds(543));
    }

    [Fact]
    public async Task ABusyCollector_IsRetriedAfterABackoff_AndTheRequestIsDeliveredOnceAcknowledged()
    {
        _hec.Reply = (n, _) => n == 1 ? HecReply.Refuse(503, 9, "Server is busy") : HecReply.Accept();
        DateTimeOffset start = _time.GetUtcNow();

        BatchWriteResult result = await RunAsync(Writer(Options()), Batch("a", "b"));

        result.AllDelivered.ShouldBeTrue();
        _hec.DataCalls.Select(call => (call.At - start).TotalSeconds).ShouldBe([0, 1]);
        _logs.Entries.ShouldContain(entry => entry.EventId.Id == 4602 && entry.Message.Contains("Splunk.ServerBusy", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(403, 4, "Invalid token", "Splunk.InvalidToken")]
    [InlineData(403, 1, "Token disabled", "Splunk.DisabledToken")]
    [InlineData(400, 7, "Incorrect index", "Splunk.InvalidIndex")]
    public async Task ARefusalRetryingCannotFix_FailsTheRecordsAtOnce(int status, int code, string text, string errorCode)
    {
        _hec.Reply = (_, _) => HecReply.Refuse(status, code, text);

        BatchWriteResult result = await RunAsync(Writer(Options(retryDurationSeconds: 7200)), Batch("a", "b"));

        _hec.DataCalls.ShouldHaveSingleItem();
        result.FailedRecords.Count.ShouldBe(2);
        result.FailedRecords.ShouldAllBe(failed => failed.ErrorCode == errorCode && failed.AttemptsMade == 1);
        result.FailedRecords[0].ErrorMessage.ShouldContain($"(HEC code {code})");
    }

    [Fact]
    public async Task AnAnswerWithoutAckId_MeansAcknowledgementIsOff_AndFailsTheRecordsWithDisabledAck()
    {
        _hec.Reply = (_, _) => HecReply.AcceptWithoutAck;

        BatchWriteResult result = await RunAsync(Writer(Options()), Batch("a"));

        result.FailedRecords.ShouldHaveSingleItem().ErrorCode.ShouldBe("Splunk.DisabledAck");
        _hec.AckCalls.ShouldBeEmpty();
    }

    [Fact]
    public async Task AnEventHecCannotRead_FailsItsOwnRecord_AndTheOthersAreSentAgainWithoutIt()
    {
        // HEC counts events from 0: the second event, record 1, holds the marker it refuses.
        _hec.Reply = (_, body) => Encoding.UTF8.GetString(body).Contains("poison", StringComparison.Ordinal) ? HecReply.Refuse(400, 6, "Invalid data format", invalidEvent: 1) : HecReply.Accept();
        SplunkDestinationOptions options = Options();
        options.HecEndpointType = HecEndpointType.Event;
        options.EventFormat = SplunkEventFormat.WrapEachRecord;

        BatchWriteResult result = await RunAsync(Writer(options), Batch("{\"n\":0}", "poison", "{\"n\":2}"));

        FailedRecord failed = result.FailedRecords.ShouldHaveSingleItem();
        (failed.Index, failed.ErrorCode).ShouldBe((1, "Splunk.InvalidDataFormat"));
        _hec.DataCalls.Select(call => Encoding.UTF8.GetString(call.Body)).Last().ShouldBe("{\"event\":{\"n\":0}}\n{\"event\":{\"n\":2}}\n");
        _logs.Entries.ShouldContain(entry => entry.EventId.Id == 4604);
    }

    [Fact]
    public async Task ARecordThatIsNoHecEvent_FailsBeforeAnythingIsSent_AndTheOthersAreDelivered()
    {
        SplunkDestinationOptions options = Options();
        options.HecEndpointType = HecEndpointType.Event;

        BatchWriteResult result = await RunAsync(Writer(options), Batch("""{"event":"login"}""", "not json", """{"event":{"user":7},"index":"main"}"""));

        FailedRecord failed = result.FailedRecords.ShouldHaveSingleItem();
        (failed.Index, failed.ErrorCode, failed.AttemptsMade).ShouldBe((1, "Splunk.InvalidDataFormat", 0));
        Encoding.UTF8.GetString(_hec.DataCalls.Single().Body).ShouldBe("{\"event\":\"login\"}\n{\"event\":{\"user\":7},\"index\":\"main\"}\n");
    }

    [Fact]
    public async Task AnAckQueryTheCollectorDoesNotKnowTheChannelOf_EndsAsProxyWithoutStickySessions()
    {
        _hec.AckAnswer = (400, """{"text":"Invalid data channel","code":11}""");

        BatchWriteResult result = await RunAsync(Writer(Options(retryDurationSeconds: 0)), Batch("a"));

        result.FailedRecords.ShouldHaveSingleItem().ErrorCode.ShouldBe("Splunk.ProxyWithoutStickySessions");
    }

    [Fact]
    public async Task AnAckQueryAnsweredAckIsDisabled_FailsTheRequestAtOnce()
    {
        _hec.AckAnswer = (400, """{"text":"ACK is disabled","code":14}""");

        BatchWriteResult result = await RunAsync(Writer(Options(retryDurationSeconds: 7200)), Batch("a"));

        result.FailedRecords.ShouldHaveSingleItem().ErrorCode.ShouldBe("Splunk.DisabledAck");
        _hec.AckCalls.ShouldHaveSingleItem();
    }

    [Fact]
    public async Task Cancellation_WhileWaitingForAnAck_IsNotAFailure_AndPropagates()
    {
        _hec.Reply = (_, _) => HecReply.Accept(trueAfterQueries: null);
        using var cancellation = new CancellationTokenSource();

        Task<BatchWriteResult> write = Writer(Options()).WriteAsync(Batch("a"), cancellation.Token);
        _time.Advance(TimeSpan.FromSeconds(5));
        await cancellation.CancelAsync();

        await Should.ThrowAsync<OperationCanceledException>(write);
    }

    [Fact]
    public async Task TheToken_AppearsInNoLogMessage_WhateverFails()
    {
        _hec.Reply = (n, _) => n switch
        {
            1 => HecReply.Refuse(503, 9, "Server is busy"),
            2 => HecReply.Refuse(500, 8, "Internal server error"),
            _ => HecReply.Refuse(403, 4, "Invalid token"),
        };

        await RunAsync(Writer(Options()), Batch("a"));

        _logs.Entries.Count.ShouldBeGreaterThanOrEqualTo(4);
        _logs.Entries.ShouldAllBe(entry => !entry.Message.Contains(Token, StringComparison.Ordinal));
    }

    private static SplunkDestinationOptions Options(int retryDurationSeconds = 300) => new()
    {
        HecEndpoint = new Uri("https://splunk.example.com:8088"),
        HecTokenVariable = "SPLUNK_HEC_TOKEN",
        RetryDurationSeconds = retryDurationSeconds,
    };

    private SplunkBatchWriter Writer(SplunkDestinationOptions options)
    {
        var logger = new LoggerFactory([_logs]).CreateLogger<SplunkBatchWriter>();
        return new SplunkBatchWriter(options, Token, new HttpClient(_hec), logger, _time, unitRandom: () => 0.5, acknowledged: _ackLatencies.Add, channel: Channel);
    }

    private static DeliveryBatch Batch(params string[] records)
    {
        SourceRecord[] sources = [.. records.Select((text, i) => new SourceRecord(new ShardPosition((1000 + i).ToString(CultureInfo.InvariantCulture)), "k", DateTimeOffset.UnixEpoch, Encoding.UTF8.GetBytes(text)))];
        return new DeliveryBatch("logs", new BatchSource("logs", "shardId-000000000000", sources[0].Position, sources[^1].Position), sources);
    }

    // Moves the clock only while the writer waits on a delay or a backoff, in steps that land exactly on its
    // whole-second waits; never while a call is in flight, whose timeout the steps would otherwise run out.
    private async Task<BatchWriteResult> RunAsync(SplunkBatchWriter writer, DeliveryBatch batch)
    {
        Task<BatchWriteResult> write = writer.WriteAsync(batch, CancellationToken.None);
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (!write.IsCompleted && !limit.IsCancellationRequested)
        {
            if (_time.WaitingTimerCount > 0)
            {
                _time.Advance(TimeSpan.FromMilliseconds(100));
            }
            else
            {
                await Task.Delay(1);
            }
        }

        return await write;
    }
}
