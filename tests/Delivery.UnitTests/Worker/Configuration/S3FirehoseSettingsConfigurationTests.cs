using Delivery.Destinations.Backup;
using Delivery.Destinations.S3;
using Delivery.Worker.Configuration;
using Microsoft.Extensions.Configuration;

namespace Delivery.UnitTests.Worker.Configuration;

/// <summary>The S3 settings that came from Firehose (EncryptionConfiguration, CustomTimeZone, FileExtension) as a user writes them.</summary>
public sealed class S3FirehoseSettingsConfigurationTests
{
    private const string P = "Delivery:Pipelines:events";
    private const string KeyArn = "arn:aws:kms:eu-central-1:123456789012:key/1a2b3c4d-5e6f-7a8b-9c0d-112233445566";

    private static readonly Dictionary<string, string?> S3 = new()
    {
        [$"{P}:Kinesis:StreamName"] = "events",
        [$"{P}:S3:BucketName"] = "events-raw",
        [$"{P}:S3:EncryptionConfiguration:KMSEncryptionConfig:AWSKMSKeyARN"] = KeyArn,
        [$"{P}:S3:CustomTimeZone"] = "Europe/Berlin",
        [$"{P}:S3:FileExtension"] = ".json.gz",
    };

    [Fact]
    public void TheSettings_LoadAsFirehoseSpellsThem_AndFailedRecordsInTheSameBucketAreEncryptedAlike()
    {
        PipelineOptions pipeline = Load(S3).Pipelines["events"];

        pipeline.S3!.EncryptionConfiguration!.KmsKeyArn.ShouldBe(KeyArn);
        pipeline.S3.CustomTimeZone.ShouldBe("Europe/Berlin");
        pipeline.S3.FileExtension.ShouldBe(".json.gz");
        BackupOptions backup = pipeline.EffectiveBackup();
        backup.BucketName.ShouldBe("events-raw");
        backup.EncryptionConfiguration!.KmsKeyArn.ShouldBe(KeyArn);
    }

    [Fact]
    public void ABackupBucketOfItsOwn_KeepsItsOwnEncryption()
    {
        var settings = new Dictionary<string, string?>(S3) { [$"{P}:Backup:BucketName"] = "events-failed" };

        Load(settings).Pipelines["events"].EffectiveBackup().EncryptionConfiguration.ShouldBeNull("another bucket: its default encryption applies unless Backup sets one");

        settings[$"{P}:Backup:EncryptionConfiguration:KMSEncryptionConfig:AWSKMSKeyARN"] = "arn:aws:kms:eu-central-1:123456789012:alias/failed";
        Load(settings).Pipelines["events"].EffectiveBackup().EncryptionConfiguration!.KmsKeyArn.ShouldBe("arn:aws:kms:eu-central-1:123456789012:alias/failed");
    }

    [Theory]
    [InlineData("S3:CustomTimeZone", "Mars/Olympus_Mons", "S3:CustomTimeZone", "not an IANA time zone name")]
    [InlineData("S3:FileExtension", "json", "S3:FileExtension", "must start with '.'")]
    [InlineData("S3:FileExtension", ".JSON", "S3:FileExtension", "lowercase letters")]
    [InlineData("S3:FileExtension", ".json gz", "S3:FileExtension", "lowercase letters")]
    [InlineData("S3:FileExtension", ".a/b", "S3:FileExtension", "lowercase letters")]
    [InlineData("S3:EncryptionConfiguration:KMSEncryptionConfig:AWSKMSKeyARN", "1a2b3c4d-5e6f", "S3:EncryptionConfiguration:KMSEncryptionConfig:AWSKMSKeyARN", "is not a KMS key ARN")]
    [InlineData("S3:EncryptionConfiguration:KMSEncryptionConfig:AWSKMSKeyARN", "arn:aws:s3:::bucket", "S3:EncryptionConfiguration:KMSEncryptionConfig:AWSKMSKeyARN", "is not a KMS key ARN")]
    [InlineData("S3:EncryptionConfiguration:NoEncryptionConfig", "NoEncryption", "S3:EncryptionConfiguration:KMSEncryptionConfig", "set one of them")]
    [InlineData("Backup:EncryptionConfiguration:NoEncryptionConfig", "None", "Backup:EncryptionConfiguration:NoEncryptionConfig", "the only one is 'NoEncryption'")]
    [InlineData("S3:EncryptionConfiguration:ServerSideEncryption", "AES256", "S3:EncryptionConfiguration:ServerSideEncryption", "takes no KMS key")]
    [InlineData("S3:EncryptionConfiguration:ServerSideEncryption", "aws:kms:dsse", "S3:EncryptionConfiguration:ServerSideEncryption", "use 'AES256' (SSE-S3) or 'aws:kms' (SSE-KMS)")]
    public void AMistake_IsReportedAtItsKeyPath(string key, string value, string reportedKey, string reason)
    {
        InvalidDeliveryConfigurationException error = Should.Throw<InvalidDeliveryConfigurationException>(() => Load(new Dictionary<string, string?>(S3) { [$"{P}:{key}"] = value }));

        ConfigurationValidationError problem = error.Errors.ShouldHaveSingleItem();
        problem.KeyPath.ShouldBe($"{P}:{reportedKey}");
        problem.Problem.ShouldContain(reason);
    }

    [Theory]
    [InlineData("AES256", null, "AES256")]
    [InlineData("aws:kms", null, "aws:kms")]
    [InlineData(null, KeyArn, "aws:kms")]
    [InlineData("aws:kms", KeyArn, "aws:kms")]
    public void ServerSideEncryption_PicksSseS3OrSseKms_AndAKmsKeyImpliesSseKms(string? method, string? keyArn, string sent)
    {
        var settings = new Dictionary<string, string?>(S3);
        settings.Remove($"{P}:S3:EncryptionConfiguration:KMSEncryptionConfig:AWSKMSKeyARN");
        if (keyArn is not null)
        {
            settings[$"{P}:S3:EncryptionConfiguration:KMSEncryptionConfig:AWSKMSKeyARN"] = keyArn;
        }

        if (method is not null)
        {
            settings[$"{P}:S3:EncryptionConfiguration:ServerSideEncryption"] = method;
        }

        S3EncryptionConfiguration encryption = Load(settings).Pipelines["events"].S3!.EncryptionConfiguration.ShouldNotBeNull();
        encryption.Method.ShouldBe(sent);
        encryption.KmsKeyArn.ShouldBe(keyArn);
    }

    [Fact]
    public void AnExtensionLongerThanFirehoseAllows_IsReported()
    {
        string extension = "." + new string('a', 128);

        InvalidDeliveryConfigurationException error = Should.Throw<InvalidDeliveryConfigurationException>(() => Load(new Dictionary<string, string?>(S3) { [$"{P}:S3:FileExtension"] = extension }));

        error.Errors.ShouldHaveSingleItem().KeyPath.ShouldBe($"{P}:S3:FileExtension");
    }

    [Theory]
    [InlineData(".gz")]
    [InlineData(".json.gz")]
    [InlineData(".log-2_v*('x')!")]
    public void ExtensionsFirehoseAccepts_AreAccepted(string extension) =>
        S3KeySettings.FileExtensionProblem(extension).ShouldBeNull();

    [Fact]
    public void TheStagingBucketOfRedshift_TakesEncryptionToo_ReportedUnderItsPath()
    {
        var settings = new Dictionary<string, string?>
        {
            [$"{P}:Kinesis:StreamName"] = "events",
            [$"{P}:Redshift:ConnectionString"] = "Host=cluster.example.com;Database=dev;Username=loader",
            [$"{P}:Redshift:Table"] = "events",
            [$"{P}:Redshift:IntermediateS3:BucketName"] = "staging",
            [$"{P}:Redshift:IntermediateS3:EncryptionConfiguration:KMSEncryptionConfig:AWSKMSKeyARN"] = "not-an-arn",
            [$"{P}:Backup:BucketName"] = "staging",
        };

        InvalidDeliveryConfigurationException error = Should.Throw<InvalidDeliveryConfigurationException>(() => Load(settings));

        error.Errors.ShouldHaveSingleItem().KeyPath.ShouldBe($"{P}:Redshift:IntermediateS3:EncryptionConfiguration:KMSEncryptionConfig:AWSKMSKeyARN");
        settings[$"{P}:Redshift:IntermediateS3:EncryptionConfiguration:KMSEncryptionConfig:AWSKMSKeyARN"] = KeyArn;
        Load(settings).Pipelines["events"].Redshift!.IntermediateS3!.EncryptionConfiguration!.KmsKeyArn.ShouldBe(KeyArn);
    }

    private static DeliveryOptions Load(Dictionary<string, string?> settings) =>
        DeliveryOptionsLoader.Load(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
}
