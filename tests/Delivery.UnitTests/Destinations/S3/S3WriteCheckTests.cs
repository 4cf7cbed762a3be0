using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Delivery.Destinations.Checks;
using Delivery.Destinations.S3;
using Delivery.Testing;
using Microsoft.Extensions.Logging;

namespace Delivery.UnitTests.Destinations.S3;

public sealed class S3WriteCheckTests
{
    private const string Setting = "Delivery:Pipelines:clicks:S3:BucketName";
    private readonly CapturingLoggerProvider _logs = new();

    [Theory]
    [InlineData("", ".delivery-write-check")]
    [InlineData("clicks/", "clicks/.delivery-write-check")]
    [InlineData("logs", "logs.delivery-write-check")]
    [InlineData("data/customer=!{partitionKeyFromQuery:customer}/!{timestamp:yyyy}/", "data/customer=.delivery-write-check")]
    [InlineData("!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd/HH}/", ".delivery-write-check")]
    public void TheProbe_GoesUnderThePrefixUpToItsFirstExpression(string prefix, string key) =>
        S3WriteCheck.ProbeKey(prefix).ShouldBe(key);

    [Fact]
    public async Task ABucketThatTakesWrites_Passes_AndThePutProbeIsDeletedAgain()
    {
        (IAmazonS3 client, FakeS3 fake) = FakeS3.Create();
        long putBytes = -1;
        fake.On<PutObjectRequest, PutObjectResponse>((request, _) =>
            {
                putBytes = request.InputStream?.Length ?? (request.ContentBody ?? "").Length;
                return Task.FromResult(new PutObjectResponse());
            })
            .On<DeleteObjectRequest, DeleteObjectResponse>((_, _) => Task.FromResult(new DeleteObjectResponse()));

        CheckOutcome outcome = await Check(client, prefix: "clicks/").RunAsync(CancellationToken.None);

        outcome.ShouldBe(CheckOutcome.Ok);
        fake.Calls.ShouldBe(["PutObjectAsync", "DeleteObjectAsync"]);
        var put = (PutObjectRequest)fake.Requests[0];
        var delete = (DeleteObjectRequest)fake.Requests[1];
        (put.BucketName, put.Key).ShouldBe(("analytics", "clicks/.delivery-write-check"));
        (delete.BucketName, delete.Key).ShouldBe(("analytics", "clicks/.delivery-write-check"));
        putBytes.ShouldBe(0);
    }

    [Theory]
    [InlineData(HttpStatusCode.NotFound, "NoSuchBucket")]
    [InlineData(HttpStatusCode.Forbidden, "AccessDenied")]
    [InlineData(HttpStatusCode.Forbidden, "InvalidAccessKeyId")]
    [InlineData(HttpStatusCode.Forbidden, "SignatureDoesNotMatch")]
    [InlineData(HttpStatusCode.Forbidden, "AllAccessDisabled")]
    [InlineData(HttpStatusCode.MovedPermanently, "PermanentRedirect")]
    public async Task ARefusalThatRetryingCannotFix_IsPermanent_NamingTheBucketAndTheCode(HttpStatusCode status, string code)
    {
        (IAmazonS3 client, FakeS3 fake) = FakeS3.Create();
        fake.On<PutObjectRequest, PutObjectResponse>((_, _) => throw new AmazonS3Exception($"{code} from the fake", ErrorType.Sender, code, "request-1", status));

        CheckOutcome outcome = await Check(client).RunAsync(CancellationToken.None);

        outcome.Status.ShouldBe(CheckStatus.Permanent);
        outcome.Reason.ShouldContain("s3://analytics/");
        outcome.Reason.ShouldContain("S3." + code);
        fake.Calls.ShouldNotContain("DeleteObjectAsync");
    }

    [Theory]
    [InlineData(HttpStatusCode.InternalServerError, "InternalError")]
    [InlineData(HttpStatusCode.ServiceUnavailable, "SlowDown")]
    [InlineData(HttpStatusCode.ServiceUnavailable, "ServiceUnavailable")]
    public async Task AFailureThatMayClearUp_IsTransient(HttpStatusCode status, string code)
    {
        (IAmazonS3 client, FakeS3 fake) = FakeS3.Create();
        fake.On<PutObjectRequest, PutObjectResponse>((_, _) => throw new AmazonS3Exception(code, ErrorType.Receiver, code, "request-1", status));

        (await Check(client).RunAsync(CancellationToken.None)).Status.ShouldBe(CheckStatus.Transient);
    }

    [Fact]
    public async Task ANetworkFailure_IsTransient()
    {
        (IAmazonS3 client, FakeS3 fake) = FakeS3.Create();
        fake.On<PutObjectRequest, PutObjectResponse>((_, _) => throw new HttpRequestException("Connection refused (s3.eu-west-1.amazonaws.com:443)"));

        CheckOutcome outcome = await Check(client).RunAsync(CancellationToken.None);

        outcome.Status.ShouldBe(CheckStatus.Transient);
        outcome.Reason.ShouldContain("Connection refused");
    }

    [Fact]
    public async Task AProbeThatCannotBeDeleted_StillPasses_WithAWarningSayingWhatToGrant()
    {
        (IAmazonS3 client, FakeS3 fake) = FakeS3.Create();
        fake.On<PutObjectRequest, PutObjectResponse>((_, _) => Task.FromResult(new PutObjectResponse()))
            .On<DeleteObjectRequest, DeleteObjectResponse>((_, _) => throw new AmazonS3Exception("Access Denied", ErrorType.Sender, "AccessDenied", "request-2", HttpStatusCode.Forbidden));

        CheckOutcome outcome = await Check(client).RunAsync(CancellationToken.None);

        outcome.ShouldBe(CheckOutcome.Ok, "writing is what delivery needs");
        CapturedLog warning = _logs.Entries.ShouldHaveSingleItem();
        warning.Level.ShouldBe(LogLevel.Warning);
        warning.EventId.Name.ShouldBe("S3ProbeNotDeleted");
        warning.Message.ShouldContain("s3:DeleteObject");
        warning.Message.ShouldContain("s3://analytics/.delivery-write-check");
    }

    [Fact]
    public async Task Cancellation_IsNotAFailure()
    {
        (IAmazonS3 client, FakeS3 fake) = FakeS3.Create();
        fake.On<PutObjectRequest, PutObjectResponse>((_, ct) => Task.FromCanceled<PutObjectResponse>(ct));
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Should.ThrowAsync<OperationCanceledException>(() => Check(client).RunAsync(cancelled.Token));
    }

    private S3WriteCheck Check(IAmazonS3 client, string prefix = "") =>
        new(client, "analytics", prefix, Setting, LoggerFactory.Create(builder => builder.AddProvider(_logs)).CreateLogger<S3WriteCheck>());
}
