using Delivery.Destinations.Http;
using Delivery.Destinations.Redshift;
using Delivery.Destinations.S3;
using Delivery.Worker.Configuration;
using Microsoft.Extensions.Configuration;

namespace Delivery.UnitTests.Worker.Configuration;

public sealed class DestinationOptionsTests
{
    private const string P = "Delivery:Pipelines:clicks";

    private static readonly Dictionary<string, string?> Http = new()
    {
        [$"{P}:Kinesis:StreamName"] = "clickstream",
        [$"{P}:HttpEndpoint:Url"] = "https://receiver.example.com/v1/input?token=abc",
        [$"{P}:HttpEndpoint:AccessKey"] = "super-secret-key",
        [$"{P}:HttpEndpoint:CommonAttributes:env"] = "prod",
        [$"{P}:HttpEndpoint:CommonAttributes:team"] = "data",
        [$"{P}:Backup:BucketName"] = "failed-records",
    };

    private static readonly Dictionary<string, string?> Redshift = new()
    {
        [$"{P}:Kinesis:StreamName"] = "clickstream",
        [$"{P}:Redshift:ConnectionString"] = "Host=cluster.example.com;Port=5439;Database=dev;Username=loader;Password=hunter2",
        [$"{P}:Redshift:Table"] = "analytics.events",
        [$"{P}:Redshift:Columns:0"] = "id",
        [$"{P}:Redshift:Columns:1"] = "payload",
        [$"{P}:Redshift:KeyColumns:0"] = "id",
        [$"{P}:Redshift:IntermediateS3:BucketName"] = "staging-bucket",
        [$"{P}:Backup:BucketName"] = "failed-records",
    };

    [Fact]
    public void AnHttpEndpointPipeline_LoadsWithFirehoseDefaults()
    {
        HttpEndpointOptions http = Load(Http).Pipelines["clicks"].HttpEndpoint!;

        http.Url.ShouldBe(new Uri("https://receiver.example.com/v1/input?token=abc"));
        http.CommonAttributes.ShouldBe(new Dictionary<string, string> { ["env"] = "prod", ["team"] = "data" }, ignoreOrder: true);
        http.RetryDurationSeconds.ShouldBe(300);
        http.RequestTimeoutSeconds.ShouldBe(180);
        http.ContentEncoding.ShouldBeNull();
        http.EffectiveContentEncoding().ShouldBe(HttpContentEncoding.None);
        http.S3BackupMode.ShouldBe(HttpBackupMode.FailedDataOnly);
        http.RedactedUrl().ShouldBe("https://receiver.example.com/v1/input");
    }

    [Fact]
    public void ARedshiftPipeline_LoadsWithFirehoseDefaults()
    {
        RedshiftDestinationOptions redshift = Load(Redshift).Pipelines["clicks"].Redshift!;

        redshift.Columns.ShouldBe(["id", "payload"]);
        redshift.KeyColumns.ShouldBe(["id"]);
        redshift.RetryDurationSeconds.ShouldBe(3600);
        redshift.Loader.ShouldBe(RedshiftLoader.RedshiftCopy);
        redshift.ErrorManifestPrefix.ShouldBe("errors/manifests/");
        redshift.IntermediateS3!.BucketName.ShouldBe("staging-bucket");
    }

    [Theory]
    [InlineData("HttpEndpoint:Url", "http://receiver.example.com/in", "HttpEndpoint:Url", "AllowPlainHttp")]
    [InlineData("HttpEndpoint:Url", "ftp://receiver.example.com/in", "HttpEndpoint:Url", "https://")]
    [InlineData("HttpEndpoint:RetryDurationSeconds", "7201", "HttpEndpoint:RetryDurationSeconds", "between 0 and 7200")]
    [InlineData("Buffering:SizeInMBs", "65", "Buffering:SizeInMBs", "1 to 64 MiB")]
    [InlineData("HttpEndpoint:ContentEncoding", "Brotli", "HttpEndpoint:ContentEncoding", "Gzip")]
    [InlineData("HttpEndpoint:S3BackupMode", "Everything", "HttpEndpoint:S3BackupMode", "AllData")]
    public void ABadHttpEndpointSetting_IsReportedAtItsKeyPath(string key, string value, string reportedKey, string reason)
    {
        InvalidDeliveryConfigurationException error = Should.Throw<InvalidDeliveryConfigurationException>(() => Load(With(Http, $"{P}:{key}", value)));

        ConfigurationValidationError problem = error.Errors.ShouldHaveSingleItem();
        problem.KeyPath.ShouldBe($"{P}:{reportedKey}");
        problem.Problem.ShouldContain(reason);
    }

    [Fact]
    public void PlainHttp_IsAccepted_WhenExplicitlyAllowed()
    {
        var settings = With(Http, $"{P}:HttpEndpoint:Url", "http://127.0.0.1:8080/in");
        settings[$"{P}:HttpEndpoint:AllowPlainHttp"] = "true";

        Load(settings).Pipelines["clicks"].HttpEndpoint!.AllowPlainHttp.ShouldBeTrue();
    }

    [Fact]
    public void AnOversizedAccessKey_IsReported_WithoutItsValue()
    {
        string key = new('k', HttpEndpointOptions.MaxAccessKeyBytes + 1);

        InvalidDeliveryConfigurationException error = Should.Throw<InvalidDeliveryConfigurationException>(() => Load(With(Http, $"{P}:HttpEndpoint:AccessKey", key)));

        error.Errors.ShouldHaveSingleItem().KeyPath.ShouldBe($"{P}:HttpEndpoint:AccessKey");
        error.Message.ShouldNotContain(key);
    }

    [Theory]
    [InlineData("clé-secrète", "not visible ASCII")]
    [InlineData("s3cr3t\r\nX-Injected: 1", "a line break")]
    [InlineData("s3cr3t\n", "a line break")]
    [InlineData("s3cr3t\u007f", "not visible ASCII")]
    [InlineData(" s3cr3t", "whitespace at its start or end")]
    [InlineData("s3cr3t\t", "whitespace at its start or end")]
    public void AnAccessKeyAnHttpHeaderCannotCarry_IsReportedWithWhy_WithoutItsValue(string key, string why)
    {
        // Such a key passed validation, then failed every request in the HTTP handler, which was retried as a network
        // error until the records went to the backup bucket.
        InvalidDeliveryConfigurationException error = Should.Throw<InvalidDeliveryConfigurationException>(() => Load(With(Http, $"{P}:HttpEndpoint:AccessKey", key)));

        ConfigurationValidationError problem = error.Errors.ShouldHaveSingleItem();
        problem.KeyPath.ShouldBe($"{P}:HttpEndpoint:AccessKey");
        problem.Problem.ShouldContain(why);
        problem.Problem.ShouldContain("HTTP header");
        error.Message.ShouldNotContain(key.Trim());
    }

    [Theory]
    [InlineData("key with inner spaces")]
    [InlineData("key-with/special+chars=~!#$%&'*")]
    public void AnAccessKeyOfVisibleAsciiAndInnerSpaces_IsAccepted(string key) =>
        Load(With(Http, $"{P}:HttpEndpoint:AccessKey", key)).Pipelines["clicks"].HttpEndpoint!.AccessKey.ShouldBe(key);

    [Fact]
    public void CommonAttributesOutsideAscii_AreAccepted_SinceTheHeaderCarriesThemAsEscapedJson()
    {
        Dictionary<string, string?> settings = With(Http, $"{P}:HttpEndpoint:CommonAttributes:équipe", "données café 東京");

        Load(settings).Pipelines["clicks"].HttpEndpoint!.CommonAttributes["équipe"].ShouldBe("données café 東京");
    }

    [Fact]
    public void MoreThanFiftyCommonAttributes_AreReported()
    {
        var settings = new Dictionary<string, string?>(Http);
        for (int i = 0; i < 51; i++)
        {
            settings[$"{P}:HttpEndpoint:CommonAttributes:a{i}"] = "v";
        }

        InvalidDeliveryConfigurationException error = Should.Throw<InvalidDeliveryConfigurationException>(() => Load(settings));

        error.Errors.ShouldHaveSingleItem().KeyPath.ShouldBe($"{P}:HttpEndpoint:CommonAttributes");
    }

    [Fact]
    public void AnHttpEndpointWithoutBackupBucket_IsReported()
    {
        var settings = new Dictionary<string, string?>(Http);
        settings.Remove($"{P}:Backup:BucketName");

        InvalidDeliveryConfigurationException error = Should.Throw<InvalidDeliveryConfigurationException>(() => Load(settings));

        error.Errors.ShouldHaveSingleItem().KeyPath.ShouldBe($"{P}:Backup:BucketName");
    }

    [Fact]
    public void TwoDestinations_AreReported()
    {
        InvalidDeliveryConfigurationException error = Should.Throw<InvalidDeliveryConfigurationException>(() => Load(With(Http, $"{P}:S3:BucketName", "analytics-raw")));

        error.Errors.ShouldHaveSingleItem().ShouldBe(new ConfigurationValidationError(P, "has more than one destination: configure exactly one of S3, HttpEndpoint, Redshift, OpenSearch and Splunk."));
    }

    [Theory]
    [InlineData("Redshift:Table", "events; DROP TABLE users", "Redshift:Table", "plain table name")]
    [InlineData("Redshift:KeyColumns:0", "missing", "Redshift:KeyColumns", "not among Columns")]
    [InlineData("Redshift:Columns:1", "pay load", "Redshift:Columns", "plain column name")]
    [InlineData("Redshift:CopyOptions", "CSV; DELETE FROM events", "Redshift:CopyOptions", "';'")]
    [InlineData("Redshift:IamRoleArn", "redshift-copy", "Redshift:IamRoleArn", "IAM role ARN")]
    [InlineData("Redshift:IntermediateS3:BucketName", "Bad_Bucket", "Redshift:IntermediateS3:BucketName", "not a valid bucket name")]
    [InlineData("Redshift:RetryDurationSeconds", "-1", "Redshift:RetryDurationSeconds", "between 0 and 7200")]
    [InlineData("Redshift:Loader", "Spark", "Redshift:Loader", "PostgreSqlCopyFromStdin")]
    [InlineData("Redshift:IntermediateS3:CompressionFormat", "Snappy", "Redshift:IntermediateS3:CompressionFormat", "Gzip or Uncompressed")]
    [InlineData("Redshift:IntermediateS3:S3BackupMode", "Enabled", "Redshift:IntermediateS3:S3BackupMode", "on Redshift itself")]
    public void ABadRedshiftSetting_IsReportedAtItsKeyPath(string key, string value, string reportedKey, string reason)
    {
        InvalidDeliveryConfigurationException error = Should.Throw<InvalidDeliveryConfigurationException>(() => Load(With(Redshift, $"{P}:{key}", value)));

        ConfigurationValidationError problem = error.Errors.ShouldHaveSingleItem();
        problem.KeyPath.ShouldBe($"{P}:{reportedKey}");
        problem.Problem.ShouldContain(reason);
    }

    [Fact]
    public void ABrokenConnectionString_IsReported_WithoutThePassword()
    {
        InvalidDeliveryConfigurationException error = Should.Throw<InvalidDeliveryConfigurationException>(
            () => Load(With(Redshift, $"{P}:Redshift:ConnectionString", "Host=x;Password=hunter2;Colour=blue")));

        error.Errors.ShouldHaveSingleItem().KeyPath.ShouldBe($"{P}:Redshift:ConnectionString");
        error.Message.ShouldNotContain("hunter2");
    }

    [Fact]
    public void SourceRecordBackup_IntoTheDestinationsOwnBucketAndPrefix_IsReported()
    {
        var settings = new Dictionary<string, string?>
        {
            [$"{P}:Kinesis:StreamName"] = "clickstream",
            [$"{P}:S3:BucketName"] = "analytics-raw",
            [$"{P}:S3:S3BackupMode"] = "Enabled",
        };

        InvalidDeliveryConfigurationException error = Should.Throw<InvalidDeliveryConfigurationException>(() => Load(settings));
        error.Errors.ShouldHaveSingleItem().KeyPath.ShouldBe($"{P}:Backup:Prefix");

        settings[$"{P}:Backup:Prefix"] = "source-records/";
        PipelineOptions pipeline = Load(settings).Pipelines["clicks"];
        pipeline.S3!.S3BackupMode.ShouldBe(SourceRecordBackup.Enabled);
        DeliveryOptionsRules.BacksUpSourceRecords(pipeline).ShouldBeTrue();
    }

    private static Dictionary<string, string?> With(Dictionary<string, string?> valid, string key, string value) => new(valid) { [key] = value };

    private static DeliveryOptions Load(Dictionary<string, string?> settings) =>
        DeliveryOptionsLoader.Load(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
}
