using System.Text.Json;
using Delivery.Destinations.Http;
using Delivery.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using static Delivery.IntegrationTests.Destinations.Http.HttpTestBatches;

namespace Delivery.IntegrationTests.Destinations.Http;

public sealed class HttpEndpointBatchWriterTests : IAsyncLifetime
{
    private FirehoseReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await FirehoseReceiver.StartAsync();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    [Fact]
    public async Task CommonAttributesOutsideAscii_ReachTheReceiver_AsEscapedJson()
    {
        HttpEndpointOptions options = Options(_receiver.Url);
        options.CommonAttributes = new() { ["équipe"] = "données café 東京" };

        BatchWriteResult result = await Writer(options).WriteAsync(Batch([[0x7B, 0x7D]]), CancellationToken.None);

        result.AllDelivered.ShouldBeTrue();
        string header = _receiver.Attempts.ShouldHaveSingleItem().Header("X-Amz-Firehose-Common-Attributes")!;
        header.ShouldAllBe(c => c >= 0x20 && c < 0x7F);
        using JsonDocument attributes = JsonDocument.Parse(header);
        attributes.RootElement.GetProperty("commonAttributes").GetProperty("équipe").GetString().ShouldBe("données café 東京");
    }

    [Theory]
    [InlineData(HttpContentEncoding.None)]
    [InlineData(HttpContentEncoding.Gzip)]
    public async Task ARequest_FollowsEveryHeaderAndBodyRuleOfTheFirehoseSpec(HttpContentEncoding encoding)
    {
        byte[][] payloads = MixedPayloads();
        DeliveryBatch batch = Batch(payloads);
        HttpEndpointOptions options = Options(_receiver.Url);
        options.ContentEncoding = encoding;
        options.AccessKey = "key-with/special+chars=";
        options.CommonAttributes = new() { ["env"] = "prod", ["team name"] = "data \"platform\"" };
        long before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        BatchWriteResult result = await Writer(options).WriteAsync(batch, CancellationToken.None);

        result.AllDelivered.ShouldBeTrue();
        ReceivedRequest request = _receiver.Attempts.ShouldHaveSingleItem();
        request.Method.ShouldBe("POST");
        request.PathAndQuery.ShouldBe("/v1/firehose?tenant=t1");
        request.Header("Content-Type").ShouldBe("application/json");
        request.Header("Content-Length").ShouldBe(request.BodyBytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Header("Content-Encoding").ShouldBe(encoding == HttpContentEncoding.Gzip ? "gzip" : null);
        request.Header("X-Amz-Firehose-Protocol-Version").ShouldBe("1.0");
        request.RequestId.ShouldBe(Guid.ParseExact(batch.Id, "N").ToString("D"));
        request.BodyRequestId.ShouldBe(request.RequestId);
        request.Header("X-Amz-Firehose-Source-Arn").ShouldBe("arn:aws:firehose:us-east-1:123456789012:deliverystream/clicks");
        request.Header("X-Amz-Firehose-Access-Key").ShouldBe("key-with/special+chars=");
        using (JsonDocument attributes = JsonDocument.Parse(request.Header("X-Amz-Firehose-Common-Attributes")!))
        {
            JsonElement common = attributes.RootElement.GetProperty("commonAttributes");
            common.EnumerateObject().Count().ShouldBe(2);
            common.GetProperty("env").GetString().ShouldBe("prod");
            common.GetProperty("team name").GetString().ShouldBe("data \"platform\"");
        }

        request.BodyProperties.ShouldBe(["requestId", "timestamp", "records"]);
        request.BodyTimestamp.ShouldBeInRange(before, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        request.Records.Count.ShouldBe(payloads.Length);
        for (int i = 0; i < payloads.Length; i++)
        {
            request.Records[i].ShouldBe(payloads[i], $"record {i}");
        }
    }

    [Fact]
    public async Task WithoutAccessKeyOrAttributes_TheirHeadersAreAbsent()
    {
        (await Writer(Options(_receiver.Url)).WriteAsync(Batch(MixedPayloads()), CancellationToken.None)).AllDelivered.ShouldBeTrue();

        ReceivedRequest request = _receiver.Attempts.ShouldHaveSingleItem();
        request.Header("X-Amz-Firehose-Access-Key").ShouldBeNull();
        request.Header("X-Amz-Firehose-Common-Attributes").ShouldBeNull();
        request.Header("Content-Encoding").ShouldBeNull();
    }

    [Fact]
    public async Task TheRequestId_IsTheSameOnEveryRetry_AndForANewWriterAfterARestart()
    {
        _receiver.Behaviour = (_, attempt) => attempt <= 2 ? Reply.WithStatus(500, "busy") : Reply.Ok;
        DeliveryBatch batch = Batch(MixedPayloads());

        (await Writer(Options(_receiver.Url)).WriteAsync(batch, CancellationToken.None)).AllDelivered.ShouldBeTrue();

        // A restarted worker cuts the same batch from the same positions: a new batch object, a new writer.
        DeliveryBatch again = Batch(MixedPayloads());
        (await Writer(Options(_receiver.Url)).WriteAsync(again, CancellationToken.None)).AllDelivered.ShouldBeTrue();

        _receiver.Attempts.Count.ShouldBe(4);
        _receiver.Attempts.Select(a => a.RequestId).Distinct().ShouldHaveSingleItem().ShouldBe(Guid.ParseExact(batch.Id, "N").ToString("D"));
        _receiver.Attempts.Select(a => a.BodyRequestId).Distinct().ShouldHaveSingleItem();
    }

    [Fact]
    public async Task ABatchOverTenThousandRecords_IsSentAsSeveralRequestsInOrder_WithStableDistinctIds()
    {
        byte[][] payloads = [.. Enumerable.Range(0, 25_001).Select(i => BitConverter.GetBytes(i))];

        (await Writer(Options(_receiver.Url)).WriteAsync(Batch(payloads), CancellationToken.None)).AllDelivered.ShouldBeTrue();
        (await Writer(Options(_receiver.Url)).WriteAsync(Batch(payloads), CancellationToken.None)).AllDelivered.ShouldBeTrue();

        ReceivedRequest[] attempts = [.. _receiver.Attempts];
        attempts.Length.ShouldBe(6);
        attempts.Take(3).Select(a => a.Records.Count).ShouldBe([10_000, 10_000, 5_001]);
        attempts.Take(3).SelectMany(a => a.Records).ShouldBe(payloads);
        string[] first = [.. attempts.Take(3).Select(a => a.RequestId)];
        first.Distinct().Count().ShouldBe(3);
        attempts.Skip(3).Select(a => a.RequestId).ShouldBe(first);
    }

    [Fact]
    public async Task TheAccessKeyAndUrlQuery_NeverReachALog_EvenAtTrace()
    {
        _receiver.Behaviour = (_, attempt) => attempt == 1 ? Reply.WithStatus(503, "try later") : Reply.Ok;
        const string Secret = "SECRET-ACCESS-KEY-4f1c";
        var logs = new CapturingLoggerProvider();
        HttpEndpointOptions options = Options(new Uri(_receiver.Url + "&token=SECRET-QUERY-TOKEN"));
        options.AccessKey = Secret;
        var services = new ServiceCollection()
            .AddLogging(logging => logging.AddProvider(logs).SetMinimumLevel(LogLevel.Trace))
            .AddHttpEndpointDestination("clicks", options);
        await using ServiceProvider provider = services.BuildServiceProvider();
        HttpEndpointBatchWriter writer = provider.CreateHttpEndpointBatchWriter("clicks", options, "arn:aws:firehose:us-east-1:000000000000:deliverystream/clicks");

        (await writer.WriteAsync(Batch(MixedPayloads()), CancellationToken.None)).AllDelivered.ShouldBeTrue();

        _receiver.Attempts.Last().Header("X-Amz-Firehose-Access-Key").ShouldBe(Secret);
        logs.Entries.ShouldContain(e => e.EventId.Name == "HttpAttemptFailed");
        logs.Entries.ShouldContain(e => e.Category.StartsWith("System.Net.Http.HttpClient", StringComparison.Ordinal) && e.Level == LogLevel.Trace);
        foreach (CapturedLog entry in logs.Entries)
        {
            entry.Message.ShouldNotContain(Secret);
            entry.Message.ShouldNotContain("SECRET-QUERY-TOKEN");
        }
    }
}
