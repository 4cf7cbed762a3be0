using System.Collections.Concurrent;
using Amazon.Runtime;
using Delivery.IntegrationTests.Destinations.Backup;
using Delivery.Testing;
using Delivery.Transforms.Contract;
using Delivery.Transforms.Lambda;
using Delivery.Transforms.Partitioning;
using Delivery.Transforms.Processing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Delivery.IntegrationTests.Transforms.Lambda;

/// <summary>
/// The Lambda path end to end against a local server speaking Lambda's Invoke REST API: our SigV4-signed client, the
/// Firehose event and response, function errors and throttling, and the records in S3 and the backup bucket.
/// </summary>
[Collection(LocalAwsCollection.Name)]
public sealed class LambdaTransformTests(LocalAwsStack stack)
{
    private const string Account = "123456789012";

    [Fact]
    public async Task ASuccessfulFunction_TransformsTheRecords_AndItsPartitionKeysMakeTheObjects()
    {
        var attempts = new ConcurrentDictionary<string, int>();
        await using LocalHttpServer server = await LambdaApiServer.StartAsync(attempts);
        using LambdaInvokeClient client = Client(server, LambdaApiServer.SecretKey);
        var partitioning = new PartitioningSettings { QueryKeys = [], LambdaKeys = ["first"] };
        await using TransformPipeline pipeline = await TransformPipeline.StartAsync(stack, [Stage(client, "enrich")], partitioning, "out/first=!{partitionKeyFromLambda:first}/");

        SourceRecord[] batch = await pipeline.AppendAsync("apple", "avocado", "banana");
        await pipeline.DrainAsync();

        string id = new BatchSource(TransformPipeline.StreamName, TransformPipeline.ShardId, batch[0].Position, batch[^1].Position).DeterministicId();
        (await pipeline.DeliveredAsync()).ShouldBe(
        [
            ($"out/first=A/pipe-1-2026-03-04-03-06-07-{new PartitionKeys(null, new Dictionary<string, string> { ["first"] = "A" }).ObjectIdFor(id)}.gz", "APPLE\nAVOCADO"),
            ($"out/first=B/pipe-1-2026-03-04-03-06-09-{new PartitionKeys(null, new Dictionary<string, string> { ["first"] = "B" }).ObjectIdFor(id)}.gz", "BANANA"),
        ], ignoreOrder: true);
        (await pipeline.BackedUpAsync()).ShouldBeEmpty();
        attempts.Values.ShouldBe([1]);
    }

    [Fact]
    public async Task AFunctionError_IsRetried_ThenItsRecordsGoToTheBackupBucket_WithTheFunctionsMessage()
    {
        var attempts = new ConcurrentDictionary<string, int>();
        await using LocalHttpServer server = await LambdaApiServer.StartAsync(attempts);
        using LambdaInvokeClient client = Client(server, LambdaApiServer.SecretKey);
        await using TransformPipeline pipeline = await TransformPipeline.StartAsync(stack, [Stage(client, "crash")]);

        await pipeline.AppendAsync("one", "two");
        await pipeline.DrainAsync();

        (await pipeline.DeliveredAsync()).ShouldBeEmpty();
        List<BackedUp> backedUp = await pipeline.BackedUpAsync();
        backedUp.Select(b => (b.Raw, b.ErrorCode, b.AttemptsMade, b.LambdaArn)).ShouldBe(
            [("one", TransformErrorCodes.FunctionError, 3, Arn("crash")), ("two", TransformErrorCodes.FunctionError, 3, Arn("crash"))]);
        backedUp[0].ErrorMessage.ShouldContain("KeyError: KeyError: 'customer'");
        attempts.Values.ShouldBe([3]);
    }

    [Fact]
    public async Task Throttling_IsRetried_AndTheRecordsAreDeliveredOnceItClears()
    {
        var attempts = new ConcurrentDictionary<string, int>();
        await using LocalHttpServer server = await LambdaApiServer.StartAsync(attempts);
        using LambdaInvokeClient client = Client(server, LambdaApiServer.SecretKey);
        await using TransformPipeline pipeline = await TransformPipeline.StartAsync(stack, [Stage(client, "busy-once")]);

        await pipeline.AppendAsync("one");
        await pipeline.DrainAsync();

        (await pipeline.DeliveredAsync()).ShouldHaveSingleItem().Lines.ShouldBe("ONE");
        (await pipeline.BackedUpAsync()).ShouldBeEmpty();
        attempts.Values.ShouldBe([2]);
    }

    [Theory]
    [InlineData("busy", LambdaApiServer.SecretKey, TransformErrorCodes.InvokeLimitExceeded)]
    [InlineData("no-such-function", LambdaApiServer.SecretKey, TransformErrorCodes.ResourceNotFound)]
    [InlineData("enrich", "the-wrong-secret", TransformErrorCodes.InvokeAccessDenied)]
    public async Task AnInvocationLambdaRefuses_SendsTheRecordsToTheBackupBucket_WithLambdasReason(string function, string secret, string code)
    {
        await using LocalHttpServer server = await LambdaApiServer.StartAsync(new ConcurrentDictionary<string, int>());
        using LambdaInvokeClient client = Client(server, secret);
        await using TransformPipeline pipeline = await TransformPipeline.StartAsync(stack, [Stage(client, function)]);

        await pipeline.AppendAsync("one");
        await pipeline.DrainAsync();

        (await pipeline.DeliveredAsync()).ShouldBeEmpty();
        BackedUp backedUp = (await pipeline.BackedUpAsync()).ShouldHaveSingleItem();
        (backedUp.Raw, backedUp.ErrorCode, backedUp.AttemptsMade).ShouldBe(("one", code, 3));
    }

    private static string Arn(string function) => $"arn:aws:lambda:us-east-1:{Account}:function:{function}";

    private static LambdaInvokeClient Client(LocalHttpServer server, string secret) =>
        LambdaInvokeClient.Create(new LambdaClientOptions { Region = "us-east-1", ServiceUrl = server.Address }, new BasicAWSCredentials(LambdaApiServer.AccessKey, secret), TimeProvider.System);

    private static LambdaTransformStage Stage(LambdaInvokeClient client, string function) =>
        new(Arn(function), "0", new InvocationSettings { BufferSizeBytes = 1024 * 1024, NumberOfRetries = 2, Timeout = TimeSpan.FromSeconds(10), RetryBaseDelay = TimeSpan.FromMilliseconds(20) },
            client, TimeProvider.System, NullLogger<LambdaTransformStage>.Instance);
}
