using System.Net;
using System.Text;
using System.Text.Json;
using Delivery.Transforms;
using Delivery.Transforms.Contract;
using Delivery.Transforms.Lambda;
using Delivery.Transforms.Processing;
using Microsoft.Extensions.Logging.Abstractions;
using static Delivery.UnitTests.Transforms.TransformTestBatches;

namespace Delivery.UnitTests.Transforms.Lambda;

public sealed class LambdaTransformStageTests
{
    private const string Arn = "arn:aws:lambda:us-east-1:123456789012:function:enrich:live";

    [Fact]
    public async Task TheFunction_GetsTheFirehoseEvent_AndItsResponseIsApplied()
    {
        DeliveryBatch batch = Of("one", "two");
        var lambda = new FakeLambda(request =>
        {
            FirehoseTransformEvent received = JsonSerializer.Deserialize<FirehoseTransformEvent>(request.Payload.Span)!;
            return Respond(new FirehoseTransformResponse([.. received.Records.Select(record =>
                new FirehoseTransformResponseRecord(record.RecordId, TransformResult.Ok, Convert.ToBase64String(Encoding.UTF8.GetBytes(
                    Encoding.UTF8.GetString(Convert.FromBase64String(record.Data)).ToUpperInvariant()))))]));
        });

        IReadOnlyList<ChainRecord> output = await Stage(lambda).ProcessAsync(Run(batch), Records(batch), default);

        Texts(output).ShouldBe(["ONE", "TWO"]);
        lambda.Requests.ShouldHaveSingleItem().FunctionName.ShouldBe(Arn);
    }

    [Fact]
    public async Task AFunctionError_IsRetried_ThenFailsTheRecords_WithTheFunctionsMessage()
    {
        DeliveryBatch batch = Of("one");
        var lambda = new FakeLambda(_ => new InvokeResponse
        {
            StatusCode = 200,
            FunctionError = "Unhandled",
            Payload = """{"errorMessage":"division by zero","errorType":"ZeroDivisionError","stackTrace":[]}"""u8.ToArray(),
        });
        ProcessingRun run = Run(batch);

        (await Stage(lambda).ProcessAsync(run, Records(batch), default)).ShouldBeEmpty();

        lambda.Requests.Count.ShouldBe(3);
        FailedRecord failed = run.Failures().ShouldHaveSingleItem();
        (failed.ErrorCode, failed.AttemptsMade, failed.LambdaArn).ShouldBe((TransformErrorCodes.FunctionError, 3, Arn));
        failed.ErrorMessage.ShouldContain("ZeroDivisionError: division by zero");
    }

    [Theory]
    [InlineData(HttpStatusCode.TooManyRequests, "TooManyRequestsException", TransformErrorCodes.InvokeLimitExceeded)]
    [InlineData(HttpStatusCode.NotFound, "ResourceNotFoundException", TransformErrorCodes.ResourceNotFound)]
    [InlineData(HttpStatusCode.Forbidden, "AccessDeniedException", TransformErrorCodes.InvokeAccessDenied)]
    [InlineData(HttpStatusCode.ServiceUnavailable, "ServiceException", TransformErrorCodes.ServiceException)]
    [InlineData(HttpStatusCode.BadRequest, "InvalidRequestContentException", "Lambda.InvalidRequestContentException")]
    public async Task LambdasOwnErrors_MapToFirehoseStyleCodes(HttpStatusCode status, string type, string code)
    {
        DeliveryBatch batch = Of("one");
        var lambda = new FakeLambda(_ => throw new AmazonLambdaException(type, status, $"Lambda answered {(int)status} {type}"));
        ProcessingRun run = Run(batch);

        await Stage(lambda).ProcessAsync(run, Records(batch), default);

        run.Failures().ShouldHaveSingleItem().ErrorCode.ShouldBe(code);
    }

    [Fact]
    public async Task ThrottlingThatClears_IsRetried_WithoutLosingRecords()
    {
        DeliveryBatch batch = Of("one");
        int calls = 0;
        var lambda = new FakeLambda(_ => ++calls == 1
            ? throw new AmazonLambdaException("TooManyRequestsException", HttpStatusCode.TooManyRequests, "Rate exceeded")
            : Respond(new FirehoseTransformResponse([new FirehoseTransformResponseRecord("0", TransformResult.Ok, "T0s=")])));
        ProcessingRun run = Run(batch);

        IReadOnlyList<ChainRecord> output = await Stage(lambda).ProcessAsync(run, Records(batch), default);

        Texts(output).ShouldBe(["OK"]);
        run.FailedCount.ShouldBe(0);
    }

    [Fact]
    public async Task ARecordTooLargeForLambdasPayloadLimit_FailsAlone_WithoutAnInvocation()
    {
        DeliveryBatch batch = Of(new string('x', 5 * 1024 * 1024), "small");
        var lambda = new FakeLambda(_ => Respond(new FirehoseTransformResponse([new FirehoseTransformResponseRecord("0", TransformResult.Ok, "c21hbGw=")])));
        ProcessingRun run = Run(batch);

        IReadOnlyList<ChainRecord> output = await Stage(lambda, bufferBytes: 64L * 1024 * 1024).ProcessAsync(run, Records(batch), default);

        Texts(output).ShouldBe(["small"]);
        JsonSerializer.Deserialize<FirehoseTransformEvent>(lambda.Requests.ShouldHaveSingleItem().Payload.Span)!.Records.Count.ShouldBe(1);
        FailedRecord failed = run.Failures().ShouldHaveSingleItem();
        (failed.Index, failed.ErrorCode, failed.AttemptsMade).ShouldBe((0, TransformErrorCodes.PayloadTooLarge, 0));
    }

    private static LambdaTransformStage Stage(FakeLambda lambda, long bufferBytes = 1024 * 1024) =>
        new(Arn, "0", new InvocationSettings { BufferSizeBytes = bufferBytes, NumberOfRetries = 2, Timeout = TimeSpan.FromSeconds(30), RetryBaseDelay = TimeSpan.Zero },
            lambda, TimeProvider.System, NullLogger<LambdaTransformStage>.Instance);

    private static InvokeResponse Respond(FirehoseTransformResponse response) =>
        new() { StatusCode = 200, Payload = JsonSerializer.SerializeToUtf8Bytes(response) };

    private sealed class FakeLambda(Func<InvokeRequest, InvokeResponse> answer) : ILambdaInvoker
    {
        private readonly List<InvokeRequest> _requests = [];

        public IReadOnlyList<InvokeRequest> Requests
        {
            get
            {
                lock (_requests)
                {
                    return [.. _requests];
                }
            }
        }

        public Task<InvokeResponse> InvokeAsync(InvokeRequest request, CancellationToken cancellationToken = default)
        {
            lock (_requests)
            {
                _requests.Add(new InvokeRequest { FunctionName = request.FunctionName, Payload = request.Payload.ToArray() });
            }

            return Task.FromResult(answer(request));
        }
    }
}
