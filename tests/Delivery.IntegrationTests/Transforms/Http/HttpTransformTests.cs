using System.Collections.Concurrent;
using Delivery.IntegrationTests.Destinations.Backup;
using Delivery.Testing;
using Delivery.Transforms.Contract;
using Delivery.Transforms.Http;
using Delivery.Transforms.Processing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Delivery.IntegrationTests.Transforms.Http;

/// <summary>
/// An HTTP transform served by a real Kestrel server, in a pipeline that writes to s3rver: every result type, and every
/// way a response can be wrong. Each page is one batch and one invocation, so every record's fate is known exactly.
/// </summary>
[Collection(LocalAwsCollection.Name)]
public sealed class HttpTransformTests(LocalAwsStack stack)
{
    [Fact]
    public async Task EachResultAndEachMalformedResponse_EndsInTheDestinationOrTheBackupBucket_WithTheRightErrorCode()
    {
        var attempts = new ConcurrentDictionary<string, int>();
        await using LocalHttpServer server = await FirehoseTransformServer.StartAsync(attempts);
        var url = new Uri(server.Address, "/transform");
        var stage = new HttpTransformStage(
            url,
            new Dictionary<string, string> { ["X-Api-Key"] = "secret" },
            maxResponseBytes: 64 * 1024,
            stageId: "0",
            new InvocationSettings { BufferSizeBytes = 1024 * 1024, NumberOfRetries = 1, Timeout = TimeSpan.FromSeconds(1), RetryBaseDelay = TimeSpan.FromMilliseconds(50) },
            httpClient: null,
            TimeProvider.System,
            NullLogger<HttpTransformStage>.Instance);
        await using TransformPipeline pipeline = await TransformPipeline.StartAsync(stack, [stage]);

        SourceRecord[] results = await pipeline.AppendAsync("ok:alpha", "drop:beta", "fail:gamma", "ok:delta");
        SourceRecord[] contract = await pipeline.AppendAsync("ok:one", "missing:two", "dup:three", "b64:four", "ok:five");
        SourceRecord[] status500 = await pipeline.AppendAsync("500:x", "ok:y");
        SourceRecord[] timeout = await pipeline.AppendAsync("slow:x");
        SourceRecord[] html = await pipeline.AppendAsync("html:x");
        SourceRecord[] huge = await pipeline.AppendAsync("huge:x");
        SourceRecord[] flaky = await pipeline.AppendAsync("flaky:x", "ok:z");
        await pipeline.DrainAsync();

        List<(string Key, string Lines)> delivered = await pipeline.DeliveredAsync();
        delivered.ShouldBe(
        [
            (DeliveredKey(results), "ALPHA\nDELTA"),
            (DeliveredKey(contract), "ONE\nFIVE"),
            (DeliveredKey(flaky), "X\nZ"),
        ], ignoreOrder: true);

        string arn = url.ToString();
        List<BackedUp> backedUp = await pipeline.BackedUpAsync();
        backedUp.Select(b => (b.Key, b.SequenceNumber, b.Raw, b.ErrorCode, b.AttemptsMade, b.LambdaArn)).ShouldBe(
        [
            (BackupKey(results), results[2].Position.SequenceNumber, "fail:gamma", TransformErrorCodes.ProcessingFailed, 1, arn),
            (BackupKey(contract), contract[1].Position.SequenceNumber, "missing:two", TransformErrorCodes.MissingRecordId, 1, arn),
            (BackupKey(contract), contract[2].Position.SequenceNumber, "dup:three", TransformErrorCodes.DuplicatedRecordId, 1, arn),
            (BackupKey(contract), contract[3].Position.SequenceNumber, "b64:four", TransformErrorCodes.InvalidData, 1, arn),
            (BackupKey(status500), status500[0].Position.SequenceNumber, "500:x", "HttpTransform.HttpStatus500", 2, arn),
            (BackupKey(status500), status500[1].Position.SequenceNumber, "ok:y", "HttpTransform.HttpStatus500", 2, arn),
            (BackupKey(timeout), timeout[0].Position.SequenceNumber, "slow:x", TransformErrorCodes.HttpTimeout, 2, arn),
            (BackupKey(html), html[0].Position.SequenceNumber, "html:x", TransformErrorCodes.JsonProcessingException, 2, arn),
            (BackupKey(huge), huge[0].Position.SequenceNumber, "huge:x", TransformErrorCodes.HttpResponseTooLarge, 2, arn),
        ], ignoreOrder: true);
        backedUp.ShouldAllBe(b => b.RawData.SequenceEqual(pipeline.Appended[b.SequenceNumber].Data.ToArray()));

        // Nothing lost: each record was delivered (transformed), dropped on purpose, or backed up.
        int deliveredCount = delivered.Sum(d => d.Lines.Split('\n').Length);
        (deliveredCount + 1 + backedUp.Count).ShouldBe(pipeline.Appended.Count);
        // Each failing invocation was tried NumberOfRetries + 1 times, the flaky one twice, the others once.
        attempts.Values.Order().ToArray().ShouldBe([1, 1, 2, 2, 2, 2, 2]);
    }

    private static string DeliveredKey(SourceRecord[] batch) => Key(TransformPipeline.Prefix + batch[0].ApproximateArrivalTimestamp.ToString("yyyy/MM/dd/HH/", System.Globalization.CultureInfo.InvariantCulture), batch);

    private static string BackupKey(SourceRecord[] batch) => Key("errors/processing-failed/", batch);

    private static string Key(string prefix, SourceRecord[] batch)
    {
        string id = new BatchSource(TransformPipeline.StreamName, TransformPipeline.ShardId, batch[0].Position, batch[^1].Position).DeterministicId();
        return $"{prefix}pipe-1-{batch[0].ApproximateArrivalTimestamp:yyyy-MM-dd-HH-mm-ss}-{id}.gz";
    }
}
