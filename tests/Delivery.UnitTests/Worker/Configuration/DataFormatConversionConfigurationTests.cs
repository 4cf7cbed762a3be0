using Delivery.Destinations.S3;
using Delivery.Formats.Parquet;
using Delivery.Formats.Parquet.Schema;
using Delivery.Worker.Configuration;
using Microsoft.Extensions.Configuration;

namespace Delivery.UnitTests.Worker.Configuration;

public sealed class DataFormatConversionConfigurationTests
{
    private const string P = "Delivery:Pipelines:orders";
    private const string C = $"{P}:S3:DataFormatConversion";

    private static readonly Dictionary<string, string?> Valid = new()
    {
        [$"{P}:Kinesis:StreamName"] = "orders",
        [$"{P}:Buffering:SizeInMBs"] = "64",
        [$"{P}:S3:BucketName"] = "curated",
        [$"{P}:S3:CompressionFormat"] = "Uncompressed",
        [$"{C}:Columns:0:Name"] = "id",
        [$"{C}:Columns:0:Type"] = "bigint",
        [$"{C}:Columns:0:Nullable"] = "false",
        [$"{C}:Columns:1:Name"] = "placed_at",
        [$"{C}:Columns:1:Type"] = "timestamp",
        [$"{C}:Columns:1:TimestampUnit"] = "Microseconds",
        [$"{C}:OpenXJson:ColumnToJsonKeyMappings:id"] = "order_id",
        [$"{C}:TimestampFormats:0"] = "millis",
    };

    [Fact]
    public void AParquetPipeline_LoadsWithItsSchemaAndFirehosesDefaults()
    {
        DataFormatConversionOptions conversion = Load(Valid).Pipelines["orders"].S3!.DataFormatConversion!;

        conversion.Columns.Select(c => (c.Name, c.Type, c.Nullable, c.TimestampUnit)).ShouldBe(
            [("id", "bigint", false, TimestampUnit.Milliseconds), ("placed_at", "timestamp", true, TimestampUnit.Microseconds)]);
        conversion.OpenXJson.ColumnToJsonKeyMappings["id"].ShouldBe("order_id");
        conversion.OpenXJson.CaseInsensitive.ShouldBeTrue();
        conversion.TimestampFormats.ShouldBe(["millis"]);
        conversion.Compression.ShouldBe(ParquetCompression.Snappy);
        conversion.PageSizeBytes.ShouldBe(1024 * 1024);
        conversion.BlockSizeBytes.ShouldBe(256L * 1024 * 1024);
    }

    [Fact]
    public void SmallBuffers_AreRejected_AsFirehoseDoes()
    {
        InvalidDeliveryConfigurationException error = Should.Throw<InvalidDeliveryConfigurationException>(() => Load(With($"{P}:Buffering:SizeInMBs", "5")));

        ConfigurationValidationError problem = error.Errors.ShouldHaveSingleItem();
        problem.KeyPath.ShouldBe($"{P}:Buffering:SizeInMBs");
        problem.Problem.ShouldContain("at least 64 MiB");
    }

    [Fact]
    public void GzipOnTopOfParquet_IsRejected_AtTheCompressionKey()
    {
        InvalidDeliveryConfigurationException error = Should.Throw<InvalidDeliveryConfigurationException>(() => Load(With($"{P}:S3:CompressionFormat", "Gzip")));

        error.Errors.ShouldHaveSingleItem().KeyPath.ShouldBe($"{P}:S3:CompressionFormat");
    }

    [Fact]
    public void ABadColumnType_IsReportedAtTheColumnsKeyPath()
    {
        InvalidDeliveryConfigurationException error = Should.Throw<InvalidDeliveryConfigurationException>(() => Load(With($"{C}:Columns:1:Type", "array<timestamp")));

        ConfigurationValidationError problem = error.Errors.ShouldHaveSingleItem();
        problem.KeyPath.ShouldBe($"{C}:Columns:1:Type");
        problem.Problem.ShouldContain("expected '>'");
    }

    [Fact]
    public void AColumnWithoutAName_AndAPageSizeOutOfRange_AreReportedWithTheirKeyPaths()
    {
        Dictionary<string, string?> settings = With($"{C}:Columns:1:Name", "");
        settings[$"{C}:PageSizeBytes"] = "100";

        InvalidDeliveryConfigurationException error = Should.Throw<InvalidDeliveryConfigurationException>(() => Load(settings));

        error.Errors.Select(e => e.KeyPath).ShouldBe([$"{C}:Columns:1:Name", $"{C}:PageSizeBytes"], ignoreOrder: true);
    }

    [Fact]
    public void AMisspeltConversionKey_IsAnError()
    {
        InvalidDeliveryConfigurationException error = Should.Throw<InvalidDeliveryConfigurationException>(() => Load(With($"{C}:Columns:0:Nulable", "true")));

        error.Errors.ShouldHaveSingleItem().KeyPath.ShouldBe($"{C}:Columns:0:Nulable");
    }

    private static Dictionary<string, string?> With(string key, string value) => new(Valid) { [key] = value };

    private static DeliveryOptions Load(Dictionary<string, string?> settings) =>
        DeliveryOptionsLoader.Load(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
}
