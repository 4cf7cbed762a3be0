using Delivery.Destinations.S3;
using Delivery.Formats.Compression;
using Microsoft.Extensions.Options;

namespace Delivery.UnitTests.Destinations.S3;

public sealed class S3DestinationOptionsValidatorTests
{
    [Fact]
    public void Defaults_WithABucket_AreValid_AndMatchTheDocumentation()
    {
        var options = new S3DestinationOptions { BucketName = "my-bucket" };

        Validate(options).Succeeded.ShouldBeTrue();
        options.Prefix.ShouldBe("");
        options.CompressionFormat.ShouldBe(CompressionFormat.Gzip);
        options.CompressionLevel.ShouldBe(System.IO.Compression.CompressionLevel.Fastest);
        options.RecordDelimiter.ShouldBe("\n");
        options.MultipartThresholdBytes.ShouldBe(16 * 1024 * 1024);
        options.PartSizeBytes.ShouldBe(8 * 1024 * 1024);
    }

    [Fact]
    public void MissingBucket_IsRejected_NamingTheOption()
    {
        ValidateOptionsResult result = Validate(new S3DestinationOptions());

        result.Failed.ShouldBeTrue();
        result.FailureMessage.ShouldContain("BucketName");
    }

    [Theory]
    [InlineData("ab")]
    [InlineData("My-Bucket")]
    [InlineData("my_bucket")]
    [InlineData("-bucket")]
    [InlineData("bucket-")]
    [InlineData("my..bucket")]
    [InlineData("192.168.5.4")]
    [InlineData("xn--bucket")]
    [InlineData("bucket-s3alias")]
    public void InvalidBucketNames_AreRejected_WithTheReason(string bucket)
    {
        ValidateOptionsResult result = Validate(new S3DestinationOptions { BucketName = bucket });

        result.Failed.ShouldBeTrue();
        result.FailureMessage.ShouldContain("BucketName");
        result.FailureMessage.ShouldContain($"'{bucket}' is not a valid bucket name");
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("my.bucket-2026")]
    [InlineData("a234567890123456789012345678901234567890123456789012345678901bc")]
    public void ValidBucketNames_AreAccepted(string bucket) =>
        Validate(new S3DestinationOptions { BucketName = bucket }).Succeeded.ShouldBeTrue();

    [Fact]
    public void PrefixLongerThan512Characters_IsRejected()
    {
        ValidateOptionsResult result = Validate(new S3DestinationOptions { BucketName = "bucket", Prefix = new string('p', 513) });

        result.Failed.ShouldBeTrue();
        result.FailureMessage.ShouldContain("Prefix");
        Validate(new S3DestinationOptions { BucketName = "bucket", Prefix = new string('p', 512) }).Succeeded.ShouldBeTrue();
    }

    [Fact]
    public void PrefixWithAnUnknownExpression_IsRejected_NamingTheOptionAndTheExpression()
    {
        ValidateOptionsResult result = Validate(new S3DestinationOptions { BucketName = "bucket", Prefix = "x/!{nope:1}/" });

        result.Failed.ShouldBeTrue();
        result.FailureMessage.ShouldContain("S3DestinationOptions.Prefix");
        result.FailureMessage.ShouldContain("!{nope:1}");
    }

    [Theory]
    [InlineData(nameof(S3DestinationOptions.PartSizeBytes), 5L * 1024 * 1024 - 1)]
    [InlineData(nameof(S3DestinationOptions.PartSizeBytes), 5L * 1024 * 1024 * 1024 + 1)]
    [InlineData(nameof(S3DestinationOptions.MultipartThresholdBytes), 5L * 1024 * 1024 - 1)]
    [InlineData(nameof(S3DestinationOptions.MultipartThresholdBytes), 5L * 1024 * 1024 * 1024 + 1)]
    public void SizesOutsideS3Limits_AreRejected(string option, long value)
    {
        var options = new S3DestinationOptions { BucketName = "bucket" };
        typeof(S3DestinationOptions).GetProperty(option)!.SetValue(options, value);

        ValidateOptionsResult result = Validate(options);

        result.Failed.ShouldBeTrue();
        result.FailureMessage.ShouldContain(option);
    }

    [Fact]
    public void SizesAtS3Limits_AreAccepted()
    {
        var smallest = new S3DestinationOptions { BucketName = "bucket", PartSizeBytes = S3DestinationOptions.MinPartSizeBytes, MultipartThresholdBytes = S3DestinationOptions.MinPartSizeBytes };
        var largest = new S3DestinationOptions { BucketName = "bucket", PartSizeBytes = S3DestinationOptions.MaxPartSizeBytes, MultipartThresholdBytes = S3DestinationOptions.MaxPartSizeBytes };

        Validate(smallest).Succeeded.ShouldBeTrue();
        Validate(largest).Succeeded.ShouldBeTrue();
    }

    [Fact]
    public void UndefinedCompressionFormat_IsRejected()
    {
        ValidateOptionsResult result = Validate(new S3DestinationOptions { BucketName = "bucket", CompressionFormat = (CompressionFormat)42 });

        result.Failed.ShouldBeTrue();
        result.FailureMessage.ShouldContain("CompressionFormat");
    }

    [Fact]
    public void CompressionFormatWithoutACodec_IsRejected()
    {
        var onlyUncompressed = new CompressionCodecs(new Dictionary<CompressionFormat, Func<System.IO.Compression.CompressionLevel, ICompressionCodec>>
        {
            [CompressionFormat.Uncompressed] = _ => UncompressedCodec.Instance,
        });

        ValidateOptionsResult result = new S3DestinationOptionsValidator(onlyUncompressed).Validate(null, new S3DestinationOptions { BucketName = "bucket" });

        result.Failed.ShouldBeTrue();
        result.FailureMessage.ShouldContain("CompressionFormat");
        result.FailureMessage.ShouldContain("Gzip");
    }

    [Fact]
    public void DelimiterOfMoreThan64Utf8Bytes_IsRejected_AndEmptyIsAccepted()
    {
        ValidateOptionsResult tooLong = Validate(new S3DestinationOptions { BucketName = "bucket", RecordDelimiter = new string('é', 33) });

        tooLong.Failed.ShouldBeTrue();
        tooLong.FailureMessage.ShouldContain("RecordDelimiter");
        Validate(new S3DestinationOptions { BucketName = "bucket", RecordDelimiter = "" }).Succeeded.ShouldBeTrue();
    }

    private static ValidateOptionsResult Validate(S3DestinationOptions options) => new S3DestinationOptionsValidator().Validate("clicks", options);
}
