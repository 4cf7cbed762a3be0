using System.Net;
using System.Text;
using System.Text.Json;
using Amazon.Runtime;
using Delivery.Aws.Signing;
using Delivery.Kinesis.Client;
using Delivery.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Delivery.UnitTests.Kinesis.Client;

public sealed class KinesisClientTests : IDisposable
{
    private readonly FakeKinesisHandler _kinesis = new();
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.Zero));
    private readonly CapturingLoggerProvider _logs = new();
    private readonly HttpClient _http;

    public KinesisClientTests()
    {
        var signer = new SigV4Signer("eu-west-1", KinesisClient.SigningName);
        _http = new HttpClient(new SigV4SigningHandler(new BasicAWSCredentials("AKIDTEST", "secret"), signer, _clock, _kinesis));
    }

    public void Dispose() => _http.Dispose();

    [Fact]
    public async Task PutRecords_SendsASignedJson11Request_AndReadsThePerRecordResults()
    {
        byte[] binary = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        _kinesis.RespondJson("""
            {"FailedRecordCount":1,"Records":[
              {"SequenceNumber":"4960","ShardId":"shardId-000000000001"},
              {"ErrorCode":"ProvisionedThroughputExceededException","ErrorMessage":"Rate exceeded for shard"}]}
            """);
        KinesisClient client = CreateClient();

        PutRecordsResponse response = await client.PutRecordsAsync(new PutRecordsRequest
        {
            StreamName = "orders",
            Records =
            [
                new PutRecordsRequestEntry { Data = new MemoryStream(binary), PartitionKey = "a" },
                new PutRecordsRequestEntry { Data = new MemoryStream(), PartitionKey = "b", ExplicitHashKey = "42" },
            ],
        });

        SentRequest sent = _kinesis.Sent.Single();
        sent.Method.ShouldBe(HttpMethod.Post);
        sent.Uri.ShouldBe(new Uri("https://kinesis.eu-west-1.amazonaws.com/"));
        sent.Target.ShouldBe("Kinesis_20131202.PutRecords");
        sent.ContentType.ShouldBe("application/x-amz-json-1.1");
        sent.Headers["X-Amz-Date"].ShouldBe("20260304T050607Z");
        sent.Headers["Authorization"].ShouldStartWith(
            "AWS4-HMAC-SHA256 Credential=AKIDTEST/20260304/eu-west-1/kinesis/aws4_request, SignedHeaders=content-length;content-type;host;x-amz-date;x-amz-target, Signature=");
        sent.Body.ShouldContain(Convert.ToBase64String(binary), Case.Sensitive, "base64 is written unescaped");
        JsonElement body = sent.Json;
        body.GetProperty("StreamName").GetString().ShouldBe("orders");
        body.TryGetProperty("StreamARN", out _).ShouldBeFalse();
        JsonElement[] records = [.. body.GetProperty("Records").EnumerateArray()];
        records[0].GetProperty("Data").GetBytesFromBase64().ShouldBe(binary);
        records[0].GetProperty("PartitionKey").GetString().ShouldBe("a");
        records[0].TryGetProperty("ExplicitHashKey", out _).ShouldBeFalse();
        records[1].GetProperty("Data").GetString().ShouldBe("");
        records[1].GetProperty("ExplicitHashKey").GetString().ShouldBe("42");

        response.FailedRecordCount.ShouldBe(1);
        response.Records[0].SequenceNumber.ShouldBe("4960");
        response.Records[0].ShardId.ShouldBe("shardId-000000000001");
        response.Records[1].ErrorCode.ShouldBe("ProvisionedThroughputExceededException");
        response.Records[1].ErrorMessage.ShouldBe("Rate exceeded for shard");
    }

    [Fact]
    public async Task PutRecords_SendsTheWholeStream_WhateverItsPosition()
    {
        _kinesis.RespondJson("""{"FailedRecordCount":0,"Records":[{"SequenceNumber":"1","ShardId":"shardId-000000000000"}]}""");
        var data = new MemoryStream();
        data.Write("payload"u8);

        await CreateClient().PutRecordsAsync(new PutRecordsRequest { StreamName = "s", Records = [new() { Data = data, PartitionKey = "k" }] });

        _kinesis.Sent.Single().Json.GetProperty("Records")[0].GetProperty("Data").GetBytesFromBase64().ShouldBe("payload"u8.ToArray());
    }

    [Fact]
    public async Task ServiceUrl_OverridesTheRegionalEndpoint()
    {
        _kinesis.RespondJson("""{"ShardIterator":"it"}""");

        await CreateClient(o => o.ServiceUrl = new Uri("http://127.0.0.1:4567"))
            .GetShardIteratorAsync(new GetShardIteratorRequest { StreamName = "s", ShardId = "shardId-000000000000" });

        _kinesis.Sent.Single().Uri.ShouldBe(new Uri("http://127.0.0.1:4567/"));
    }

    [Fact]
    public async Task GetRecords_DecodesDataTimestampsAndPosition()
    {
        byte[] binary = Enumerable.Range(0, 256).Select(i => (byte)(255 - i)).ToArray();
        string escapedBase64 = Convert.ToBase64String([0xFB, 0xFF, 0xBF]).Replace("/", "\\/", StringComparison.Ordinal);
        _kinesis.RespondJson($$$"""
            {"Records":[
              {"SequenceNumber":"1","ApproximateArrivalTimestamp":1.441215410867E9,"Data":"{{{Convert.ToBase64String(binary)}}}","PartitionKey":"p1"},
              {"SequenceNumber":"2","ApproximateArrivalTimestamp":1441215411.5,"Data":"","PartitionKey":"p2","EncryptionType":"NONE"},
              {"SequenceNumber":"3","ApproximateArrivalTimestamp":1441215412,"Data":"{{{escapedBase64}}}","PartitionKey":"p3","Unknown":{"x":[1]}}],
             "NextShardIterator":null,"MillisBehindLatest":1234,
             "ChildShards":[{"ShardId":"shardId-000000000002","ParentShards":["shardId-000000000000"],
               "HashKeyRange":{"StartingHashKey":"0","EndingHashKey":"99"}}]}
            """);

        GetRecordsResponse response = await CreateClient().GetRecordsAsync(new GetRecordsRequest { ShardIterator = "iter", Limit = 500 });

        JsonElement body = _kinesis.Sent.Single().Json;
        body.GetProperty("ShardIterator").GetString().ShouldBe("iter");
        body.GetProperty("Limit").GetInt32().ShouldBe(500);
        response.Records.Select(r => r.SequenceNumber).ShouldBe(["1", "2", "3"]);
        response.Records[0].Data.ToArray().ShouldBe(binary);
        response.Records[1].Data.Length.ShouldBe(0);
        response.Records[2].Data.ToArray().ShouldBe(new byte[] { 0xFB, 0xFF, 0xBF });
        response.Records[0].ApproximateArrivalTimestamp.ShouldBe(new DateTime(2015, 9, 2, 17, 36, 50, 867, DateTimeKind.Utc));
        response.Records[0].ApproximateArrivalTimestamp.Kind.ShouldBe(DateTimeKind.Utc);
        response.Records[1].ApproximateArrivalTimestamp.ShouldBe(new DateTime(2015, 9, 2, 17, 36, 51, 500, DateTimeKind.Utc));
        response.Records[1].EncryptionType.ShouldBe("NONE");
        response.Records[2].PartitionKey.ShouldBe("p3");
        response.NextShardIterator.ShouldBeNull();
        response.MillisBehindLatest.ShouldBe(1234);
        response.ChildShards.Single().ParentShards.ShouldBe(["shardId-000000000000"]);
        response.ChildShards.Single().HashKeyRange.EndingHashKey.ShouldBe("99");
    }

    [Fact]
    public async Task GetShardIterator_AtTimestamp_SendsEpochSecondsWithMilliseconds()
    {
        _kinesis.RespondJson("""{"ShardIterator":"AAAA"}""");

        GetShardIteratorResponse response = await CreateClient().GetShardIteratorAsync(new GetShardIteratorRequest
        {
            StreamName = "s",
            ShardId = "shardId-000000000003",
            ShardIteratorType = ShardIteratorType.AtTimestamp,
            Timestamp = new DateTime(2015, 9, 2, 17, 36, 50, 867, DateTimeKind.Utc),
        });

        JsonElement body = _kinesis.Sent.Single().Json;
        body.GetProperty("ShardIteratorType").GetString().ShouldBe("AT_TIMESTAMP");
        body.GetProperty("ShardId").GetString().ShouldBe("shardId-000000000003");
        body.GetProperty("Timestamp").GetRawText().ShouldBe("1441215410.867");
        body.TryGetProperty("StartingSequenceNumber", out _).ShouldBeFalse();
        response.ShardIterator.ShouldBe("AAAA");
    }

    [Fact]
    public async Task CreateStream_AcceptsTheEmptyBodyKinesisAnswersWith()
    {
        _kinesis.Respond((_, _) => Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent([]) }));

        CreateStreamResponse response = await CreateClient().CreateStreamAsync(new CreateStreamRequest { StreamName = "s", ShardCount = 4 });

        response.ShouldNotBeNull();
        _kinesis.Sent.Single().Json.GetProperty("ShardCount").GetInt32().ShouldBe(4);
    }

    [Fact]
    public async Task DescribeStreamSummary_ReadsTheSummaryAndSkipsUnmodelledFields()
    {
        _kinesis.RespondJson("""
            {"StreamDescriptionSummary":{"StreamName":"s","StreamARN":"arn:aws:kinesis:eu-west-1:1:stream/s","StreamStatus":"ACTIVE",
             "StreamModeDetails":{"StreamMode":"PROVISIONED"},"RetentionPeriodHours":24,"StreamCreationTimestamp":1.7E9,
             "EnhancedMonitoring":[{"ShardLevelMetrics":[]}],"EncryptionType":"NONE","OpenShardCount":4,"ConsumerCount":0}}
            """);

        DescribeStreamSummaryResponse response = await CreateClient().DescribeStreamSummaryAsync(new DescribeStreamSummaryRequest { StreamName = "s" });

        response.StreamDescriptionSummary.StreamStatus.ShouldBe("ACTIVE");
        response.StreamDescriptionSummary.OpenShardCount.ShouldBe(4);
        response.StreamDescriptionSummary.RetentionPeriodHours.ShouldBe(24);
        response.StreamDescriptionSummary.StreamARN.ShouldBe("arn:aws:kinesis:eu-west-1:1:stream/s");
    }

    [Theory]
    [InlineData("ProvisionedThroughputExceededException", typeof(ProvisionedThroughputExceededException), FailureKind.Retryable)]
    [InlineData("com.amazonaws.kinesis.v20131202#ProvisionedThroughputExceededException", typeof(ProvisionedThroughputExceededException), FailureKind.Retryable)]
    [InlineData("ExpiredIteratorException", typeof(ExpiredIteratorException), FailureKind.Retryable)]
    [InlineData("ResourceNotFoundException", typeof(ResourceNotFoundException), FailureKind.Permanent)]
    [InlineData("InvalidArgumentException", typeof(InvalidArgumentException), FailureKind.Permanent)]
    [InlineData("LimitExceededException", typeof(LimitExceededException), FailureKind.Retryable)]
    [InlineData("ResourceInUseException", typeof(ResourceInUseException), FailureKind.Retryable)]
    [InlineData("AccessDeniedException", typeof(AmazonKinesisException), FailureKind.Permanent)]
    [InlineData("com.amazon.coral.service#UnrecognizedClientException", typeof(AmazonKinesisException), FailureKind.Permanent)]
    public async Task ErrorAnswers_MapToTheSdkExceptionTypes(string type, Type expected, FailureKind kind)
    {
        _kinesis.RespondError(type, "the service message");

        AmazonKinesisException error = await Should.ThrowAsync<AmazonKinesisException>(
            () => CreateClient(o => o.MaxRetries = 0).DescribeStreamSummaryAsync(new DescribeStreamSummaryRequest { StreamName = "orders" }));

        error.GetType().ShouldBe(expected);
        error.Kind.ShouldBe(kind);
        error.ErrorCode.ShouldBe(type[(type.LastIndexOf('#') + 1)..]);
        error.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        error.Message.ShouldContain("the service message");
    }

    [Fact]
    public async Task ResourceNotFound_NamesTheStream()
    {
        _kinesis.RespondJson(
            """{"__type":"ResourceNotFoundException","Message":"Stream orders under account 123 not found."}""", HttpStatusCode.BadRequest);

        ResourceNotFoundException error = await Should.ThrowAsync<ResourceNotFoundException>(
            () => CreateClient().ListShardsAsync(new ListShardsRequest { StreamName = "orders" }));

        error.Message.ShouldStartWith("Kinesis stream 'orders' was not found (ListShards)");
        error.Message.ShouldContain("Stream orders under account 123 not found.");
        _kinesis.Sent.Count.ShouldBe(1);
    }

    [Fact]
    public async Task ErrorType_IsTakenFromTheHeader_WhenTheBodyHasNone()
    {
        _kinesis.Respond((_, _) =>
        {
            HttpResponseMessage response = FakeKinesisHandler.Json("{}", HttpStatusCode.BadRequest);
            response.Headers.TryAddWithoutValidation("x-amzn-ErrorType", "InvalidArgumentException:http://internal.amazon.com/coral/com.amazonaws.kinesis/");
            return Task.FromResult(response);
        });

        await Should.ThrowAsync<InvalidArgumentException>(
            () => CreateClient().GetRecordsAsync(new GetRecordsRequest { ShardIterator = "x" }));
    }

    [Fact]
    public async Task ServerErrors_AreRetryable_AndNonJsonBodiesStillMap()
    {
        _kinesis.Respond((_, _) => Task.FromResult(new HttpResponseMessage(HttpStatusCode.BadGateway) { Content = new StringContent("<html>bad gateway</html>") }));

        AmazonKinesisException error = await Should.ThrowAsync<AmazonKinesisException>(
            () => CreateClient(o => o.MaxRetries = 0).GetRecordsAsync(new GetRecordsRequest { ShardIterator = "x" }));

        error.Kind.ShouldBe(FailureKind.Retryable);
        error.StatusCode.ShouldBe(HttpStatusCode.BadGateway);
        error.ErrorCode.ShouldBe("Http502");
    }

    [Fact]
    public async Task Throttling_IsRetried_ThenSucceeds_WithAFreshSignatureEachAttempt()
    {
        _kinesis.RespondError("ProvisionedThroughputExceededException", "Rate exceeded")
            .RespondError("LimitExceededException", "Too many requests")
            .RespondJson("""{"Records":[],"NextShardIterator":"next","MillisBehindLatest":0}""");

        GetRecordsResponse response = await CreateClient().GetRecordsAsync(new GetRecordsRequest { ShardIterator = "x" });

        response.NextShardIterator.ShouldBe("next");
        _kinesis.Sent.Count.ShouldBe(3);
        _kinesis.Sent.ShouldAllBe(s => s.Headers.ContainsKey("Authorization") && s.Body == _kinesis.Sent[0].Body);
    }

    [Fact]
    public async Task Throttling_SurfacesAfterMaxRetries()
    {
        for (int i = 0; i < 3; i++)
        {
            _kinesis.RespondError("ProvisionedThroughputExceededException", "Rate exceeded");
        }

        await Should.ThrowAsync<ProvisionedThroughputExceededException>(
            () => CreateClient(o => o.MaxRetries = 2).GetRecordsAsync(new GetRecordsRequest { ShardIterator = "x" }));

        _kinesis.Sent.Count.ShouldBe(3);
    }

    [Fact]
    public async Task ServerErrorsAndNetworkFailures_AreRetried_AndLogged()
    {
        _kinesis.RespondError("InternalFailure", "oops", HttpStatusCode.InternalServerError)
            .Respond((_, _) => throw new HttpRequestException("connection reset"))
            .RespondJson("""{"ShardIterator":"it"}""");

        GetShardIteratorResponse response = await CreateClient()
            .GetShardIteratorAsync(new GetShardIteratorRequest { StreamName = "s", ShardId = "shardId-000000000000" });

        response.ShardIterator.ShouldBe("it");
        _kinesis.Sent.Count.ShouldBe(3);
        _logs.Entries.Where(e => e.EventId.Name == "KinesisCallRetried").Select(e => e.Message).ShouldBe(
        [
            "Kinesis GetShardIterator failed (InternalFailure) on attempt 1; retrying in 00:00:00",
            "Kinesis GetShardIterator failed (Kinesis.NetworkError) on attempt 2; retrying in 00:00:00",
        ]);
    }

    [Theory]
    [InlineData("ExpiredIteratorException", typeof(ExpiredIteratorException))]
    [InlineData("ResourceNotFoundException", typeof(ResourceNotFoundException))]
    [InlineData("InvalidArgumentException", typeof(InvalidArgumentException))]
    [InlineData("ResourceInUseException", typeof(ResourceInUseException))]
    [InlineData("AccessDeniedException", typeof(AmazonKinesisException))]
    public async Task NonTransientErrors_AreNotRetried(string type, Type expected)
    {
        _kinesis.RespondError(type, "no");

        Exception error = await Should.ThrowAsync<Exception>(() => CreateClient().GetRecordsAsync(new GetRecordsRequest { ShardIterator = "x" }));

        error.GetType().ShouldBe(expected);
        _kinesis.Sent.Count.ShouldBe(1);
    }

    [Fact]
    public async Task CallerCancellation_IsNotRetried_AndStaysACancellation()
    {
        using var cancellation = new CancellationTokenSource();
        _kinesis.Respond(async (_, token) =>
        {
            await Task.Delay(Timeout.Infinite, token);
            throw new InvalidOperationException("unreachable");
        });

        Task call = CreateClient().GetRecordsAsync(new GetRecordsRequest { ShardIterator = "x" }, cancellation.Token);
        await _kinesis.WaitForRequestsAsync(1);
        await cancellation.CancelAsync();

        await Should.ThrowAsync<OperationCanceledException>(call);
        _kinesis.Sent.Count.ShouldBe(1);
    }

    [Fact]
    public async Task AttemptTimeout_OnTheInjectedClock_IsRetried()
    {
        _kinesis.Respond(async (_, token) =>
        {
            await Task.Delay(Timeout.Infinite, token);
            throw new InvalidOperationException("unreachable");
        }).RespondJson("""{"ShardIterator":"it"}""");

        Task<GetShardIteratorResponse> call = CreateClient(o => o.AttemptTimeout = TimeSpan.FromSeconds(5))
            .GetShardIteratorAsync(new GetShardIteratorRequest { StreamName = "s", ShardId = "shardId-000000000000" });
        await _kinesis.WaitForRequestsAsync(1);
        _clock.Advance(TimeSpan.FromSeconds(5));

        (await call).ShardIterator.ShouldBe("it");
        _kinesis.Sent.Count.ShouldBe(2);
    }

    [Fact]
    public async Task Backoff_WaitsOnTheInjectedClock()
    {
        _kinesis.RespondError("ProvisionedThroughputExceededException", "Rate exceeded")
            .RespondJson("""{"Records":[],"NextShardIterator":"next"}""");

        Task<GetRecordsResponse> call = CreateClient(o =>
        {
            o.BaseDelay = TimeSpan.FromSeconds(1);
            o.MaxDelay = TimeSpan.FromSeconds(2);
        }).GetRecordsAsync(new GetRecordsRequest { ShardIterator = "x" });
        await _kinesis.WaitForRequestsAsync(1);
        await Task.Delay(50);
        _kinesis.Sent.Count.ShouldBe(1);
        call.IsCompleted.ShouldBeFalse();

        _clock.Advance(TimeSpan.FromSeconds(2));

        (await call).NextShardIterator.ShouldBe("next");
        _kinesis.Sent.Count.ShouldBe(2);
    }

    [Fact]
    public async Task ListAllShards_FollowsNextToken_WithoutStreamName_AndConcatenatesPages()
    {
        _kinesis.RespondJson(ShardsPage(["shardId-000000000001", "shardId-000000000002"], "token-1"))
            .RespondJson(ShardsPage(["shardId-000000000003"], "token-2"))
            .RespondJson(ShardsPage(["shardId-000000000004"], null));

        IReadOnlyList<Shard> shards = await CreateClient().ListAllShardsAsync("orders", "shardId-000000000000");

        shards.Select(s => s.ShardId).ShouldBe(["shardId-000000000001", "shardId-000000000002", "shardId-000000000003", "shardId-000000000004"]);
        JsonElement first = _kinesis.Sent[0].Json;
        first.GetProperty("StreamName").GetString().ShouldBe("orders");
        first.GetProperty("ExclusiveStartShardId").GetString().ShouldBe("shardId-000000000000");
        first.TryGetProperty("NextToken", out _).ShouldBeFalse();
        foreach ((SentRequest sent, string token) in _kinesis.Sent.Skip(1).Zip(["token-1", "token-2"]))
        {
            sent.Json.EnumerateObject().Select(p => p.Name).ShouldBe(["NextToken"]);
            sent.Json.GetProperty("NextToken").GetString().ShouldBe(token);
        }
    }

    [Fact]
    public async Task ListShards_ReadsRangesAndParents()
    {
        _kinesis.RespondJson("""
            {"Shards":[{"ShardId":"shardId-000000000002","ParentShardId":"shardId-000000000000","AdjacentParentShardId":"shardId-000000000001",
              "HashKeyRange":{"StartingHashKey":"0","EndingHashKey":"340282366920938463463374607431768211455"},
              "SequenceNumberRange":{"StartingSequenceNumber":"100","EndingSequenceNumber":"200"}}]}
            """);

        Shard shard = (await CreateClient().ListShardsAsync(new ListShardsRequest { StreamName = "s" })).Shards.Single();

        shard.ParentShardId.ShouldBe("shardId-000000000000");
        shard.AdjacentParentShardId.ShouldBe("shardId-000000000001");
        shard.HashKeyRange.EndingHashKey.ShouldBe("340282366920938463463374607431768211455");
        shard.SequenceNumberRange.StartingSequenceNumber.ShouldBe("100");
        shard.IsClosed.ShouldBeTrue();
    }

    [Fact]
    public async Task WaitForStreamActive_PollsUntilActive()
    {
        _kinesis.RespondJson(Summary("CREATING")).RespondJson(Summary("ACTIVE"));

        Task<StreamDescriptionSummary> wait = CreateClient().WaitForStreamActiveAsync("s", TimeSpan.FromSeconds(10), _clock, TimeSpan.FromSeconds(1));
        await _kinesis.WaitForRequestsAsync(1);
        _clock.Advance(TimeSpan.FromSeconds(1));

        (await wait).StreamStatus.ShouldBe("ACTIVE");
        _kinesis.Sent.Count.ShouldBe(2);
    }

    [Fact]
    public async Task WaitForStreamActive_TimesOut_WithTheLastStatus()
    {
        for (int i = 0; i < 3; i++)
        {
            _kinesis.RespondJson(Summary("CREATING"));
        }

        Task<StreamDescriptionSummary> wait = CreateClient().WaitForStreamActiveAsync("s", TimeSpan.FromSeconds(2), _clock, TimeSpan.FromSeconds(1));
        for (int i = 1; i <= 2; i++)
        {
            await _kinesis.WaitForRequestsAsync(i);
            _clock.Advance(TimeSpan.FromSeconds(1));
        }

        TimeoutException error = await Should.ThrowAsync<TimeoutException>(wait);
        error.Message.ShouldContain("'s'");
        error.Message.ShouldContain("CREATING");
    }

    [Fact]
    public void InvalidOptions_AreRejectedAtConstruction()
    {
        Should.Throw<System.ComponentModel.DataAnnotations.ValidationException>(() => CreateClient(o => o.MaxRetries = 11));
    }

    private static string ShardsPage(string[] ids, string? nextToken) =>
        JsonSerializer.Serialize(new
        {
            Shards = ids.Select(id => new
            {
                ShardId = id,
                HashKeyRange = new { StartingHashKey = "0", EndingHashKey = "1" },
                SequenceNumberRange = new { StartingSequenceNumber = "0" },
            }),
            NextToken = nextToken,
        });

    private static string Summary(string status) =>
        $$$"""{"StreamDescriptionSummary":{"StreamName":"s","StreamARN":"arn","StreamStatus":"{{{status}}}","OpenShardCount":1,"RetentionPeriodHours":24}}""";

    private KinesisClient CreateClient(Action<KinesisClientOptions>? configure = null)
    {
        var options = new KinesisClientOptions { Region = "eu-west-1", BaseDelay = TimeSpan.Zero, MaxDelay = TimeSpan.Zero };
        configure?.Invoke(options);
        using var factory = new LoggerFactory([_logs]);
        return new KinesisClient(_http, options, _clock, factory.CreateLogger<KinesisClient>());
    }
}
