using Delivery.Destinations.S3;
using Delivery.Formats.Compression;
using Microsoft.Extensions.Options;

namespace Delivery.UnitTests.Destinations.S3;

public sealed class DataFormatConversionValidationTests
{
    [Fact]
    public void ValidConversion_Passes()
    {
        Validate(Options()).Succeeded.ShouldBeTrue();
    }

    [Fact]
    public void S3Compression_MustBeUncompressed_BecauseParquetCompressesItsPages()
    {
        S3DestinationOptions options = Options();
        options.CompressionFormat = CompressionFormat.Gzip;

        Validate(options).Failures!.ShouldContain(f => f.StartsWith("Property CompressionFormat: must be Uncompressed", StringComparison.Ordinal));
    }

    [Fact]
    public void InvalidType_IsReportedWithTheColumnsKeyPath_AndWhereTheTypeBreaks()
    {
        S3DestinationOptions options = Options();
        options.DataFormatConversion!.Columns.Add(new ColumnOptions { Name = "bad", Type = "struct<a:int" });

        string failure = Validate(options).Failures!.ShouldHaveSingleItem();

        failure.ShouldStartWith("Property DataFormatConversion:Columns:2:Type: value 'struct<a:int' is invalid: expected '>'");
    }

    [Fact]
    public void DuplicateColumn_CatchAllClash_UnknownMapping_AndBadTimestampFormat_AreEachReported()
    {
        S3DestinationOptions options = Options();
        DataFormatConversionOptions conversion = options.DataFormatConversion!;
        conversion.Columns.Add(new ColumnOptions { Name = "ID", Type = "int" });
        conversion.CatchAllColumn = "payload";
        conversion.OpenXJson.ColumnToJsonKeyMappings["nope"] = "x";
        conversion.TimestampFormats = ["yyyy-MM-dd QQ"];

        IEnumerable<string> failures = Validate(options).Failures!;

        failures.ShouldContain(f => f.StartsWith("Property DataFormatConversion:Columns:2:Name: 'ID' is also the name of column 0", StringComparison.Ordinal));
        failures.ShouldContain(f => f.StartsWith("Property DataFormatConversion:CatchAllColumn:", StringComparison.Ordinal));
        failures.ShouldContain(f => f.StartsWith("Property DataFormatConversion:OpenXJson:ColumnToJsonKeyMappings:nope:", StringComparison.Ordinal));
        failures.ShouldContain(f => f.StartsWith("Property DataFormatConversion:TimestampFormats:", StringComparison.Ordinal) && f.Contains("'Q'", StringComparison.Ordinal));
    }

    private static ValidateOptionsResult Validate(S3DestinationOptions options) => new S3DestinationOptionsValidator().Validate(null, options);

    private static S3DestinationOptions Options() => new()
    {
        BucketName = "bucket",
        CompressionFormat = CompressionFormat.Uncompressed,
        DataFormatConversion = new DataFormatConversionOptions
        {
            Columns = [new ColumnOptions { Name = "id", Type = "bigint" }, new ColumnOptions { Name = "payload", Type = "map<string,array<int>>" }],
        },
    };
}
