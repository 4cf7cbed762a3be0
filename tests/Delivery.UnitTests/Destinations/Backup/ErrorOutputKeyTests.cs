using Delivery.Destinations.Backup;
using Delivery.Destinations.S3;
using Delivery.UnitTests.Destinations.S3;

namespace Delivery.UnitTests.Destinations.Backup;

public sealed class ErrorOutputKeyTests
{
    [Fact]
    public void DefaultErrorPrefix_PutsEachTypeInItsOwnFolder_UnderTheUtcHour()
    {
        DeliveryBatch batch = TestBatches.Create();
        S3ObjectKeyBuilder keys = S3ObjectKeyBuilder.ForErrorOutput(BackupOptions.DefaultErrorOutputPrefix, ".gz");

        keys.Build(batch, ErrorOutputTypes.ProcessingFailed).ShouldBe($"processing-failed/2026/03/04/03/clicks-1-2026-03-04-03-06-07-{batch.Id}.gz");
        keys.Build(batch, ErrorOutputTypes.HttpEndpointFailed).ShouldBe($"http-endpoint-failed/2026/03/04/03/clicks-1-2026-03-04-03-06-07-{batch.Id}.gz");
    }

    [Fact]
    public void AnErrorPrefixWithoutTheType_NamesTheTypeInTheObjectName_SoTwoTypesNeverShareAKey()
    {
        DeliveryBatch batch = TestBatches.Create();
        S3ObjectKeyBuilder keys = S3ObjectKeyBuilder.ForErrorOutput("errors/", "");

        string processing = keys.Build(batch, ErrorOutputTypes.ProcessingFailed);
        string conversion = keys.Build(batch, ErrorOutputTypes.FormatConversionFailed);

        processing.ShouldBe($"errors/2026/03/04/03/clicks-1-2026-03-04-03-06-07-{batch.Id}-processing-failed");
        conversion.ShouldNotBe(processing);
    }

    [Fact]
    public void TheErrorOutputTypeExpression_IsRefusedInADestinationPrefix()
    {
        S3ObjectKeyBuilder.IsValidPrefix("!{firehose:error-output-type}/", out string? error).ShouldBeFalse();
        error.ShouldNotBeNull().ShouldContain("only allowed in the error output prefix");
    }

    [Fact]
    public void AnErrorKeyBuilder_CannotBuildADeliveredObjectKey_AndViceVersa()
    {
        DeliveryBatch batch = TestBatches.Create();

        Should.Throw<InvalidOperationException>(() => S3ObjectKeyBuilder.ForErrorOutput("e/", "").Build(batch));
        Should.Throw<InvalidOperationException>(() => new S3ObjectKeyBuilder("d/", "").Build(batch, ErrorOutputTypes.ProcessingFailed));
    }

    [Theory]
    [InlineData("!{firehose:error-output-type", "no closing")]
    [InlineData("!{firehose:nope}/", "not a known expression")]
    [InlineData("!{timestamp:qq}/", "qq")]
    public void BackupValidator_NamesTheErrorOutputPrefixAndTheProblem(string prefix, string problem)
    {
        var options = new BackupOptions { BucketName = "backups", ErrorOutputPrefix = prefix };

        var result = new BackupOptionsValidator().Validate(null, options);

        result.Failed.ShouldBeTrue();
        string message = result.Failures.ShouldHaveSingleItem();
        message.ShouldContain("ErrorOutputPrefix");
        message.ShouldContain(problem);
    }

    [Fact]
    public void BackupValidator_RejectsAnInvalidBucketName()
    {
        var result = new BackupOptionsValidator().Validate(null, new BackupOptions { BucketName = "Bad_Bucket" });

        result.Failures.ShouldHaveSingleItem().ShouldContain("'Bad_Bucket' is not a valid bucket name");
    }
}
