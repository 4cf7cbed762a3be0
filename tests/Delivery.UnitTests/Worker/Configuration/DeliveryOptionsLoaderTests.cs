using Delivery.Destinations.Backup;
using Delivery.Kinesis;
using Delivery.Pipeline.Buffering;
using Delivery.Worker.Configuration;
using Microsoft.Extensions.Configuration;

namespace Delivery.UnitTests.Worker.Configuration;

public sealed class DeliveryOptionsLoaderTests
{
    private const string P = "Delivery:Pipelines:clicks";

    private static readonly Dictionary<string, string?> Valid = new()
    {
        [$"{P}:Kinesis:StreamName"] = "clickstream",
        [$"{P}:S3:BucketName"] = "analytics-raw",
    };

    [Fact]
    public void AMinimalConfiguration_LoadsWithDocumentedDefaults()
    {
        DeliveryOptions options = Load(Valid);

        PipelineOptions pipeline = options.Pipelines["clicks"];
        pipeline.Kinesis.StreamName.ShouldBe("clickstream");
        pipeline.Kinesis.InitialPosition.ShouldBe(InitialPosition.TrimHorizon);
        pipeline.Kinesis.Leases.LeaseDurationSeconds.ShouldBe(10);
        pipeline.Buffering.SizeInMBs.ShouldBe(5);
        pipeline.Buffering.IntervalInSeconds.ShouldBe(300);
        pipeline.S3!.BucketName.ShouldBe("analytics-raw");
        options.ShutdownGracePeriodSeconds.ShouldBe(25);
        options.Aws.Region.ShouldBe("us-east-1");
        DeliveryOptionsRules.LeaseTableName("clicks", pipeline).ShouldBe("delivery-clicks-leases");
        pipeline.Buffering.Scope.ShouldBe(BufferingScope.Shard);
        pipeline.Buffering.PlanRetentionDays.ShouldBe(8);
        DeliveryOptionsRules.PlanTableName("clicks", pipeline).ShouldBe("delivery-clicks-plans");
    }

    [Theory]
    [InlineData("Buffering:SizeInMBs", "0", "between 1 and 128")]
    [InlineData("Buffering:SizeInMBs", "129", "between 1 and 128")]
    [InlineData("Buffering:IntervalInSeconds", "901", "between 0 and 900")]
    [InlineData("Buffering:IntervalInSeconds", "-1", "between 0 and 900")]
    [InlineData("Kinesis:Leases:LeaseDurationSeconds", "0", "between 1 and 600")]
    [InlineData("Buffering:PlanRetentionDays", "0", "between 1 and 400")]
    [InlineData("Buffering:PlanRetentionDays", "401", "between 1 and 400")]
    [InlineData("Kinesis:Leases:PlanTableName", "x!", "3-255 characters")]
    [InlineData("Kinesis:Reading:MinMillisBetweenReads", "100", "between 200 and 60000")]
    [InlineData("Kinesis:StreamName", "bad stream!", "1-128 characters")]
    [InlineData("MaxConcurrentDeliveries", "0", "between 1 and 64")]
    public void AnOutOfRangeValue_IsReportedWithItsKeyPathValueAndAllowedRange(string key, string value, string allowed)
    {
        InvalidDeliveryConfigurationException error = Should.Throw<InvalidDeliveryConfigurationException>(() => Load(With($"{P}:{key}", value)));

        ConfigurationValidationError problem = error.Errors.ShouldHaveSingleItem();
        problem.KeyPath.ShouldBe($"{P}:{key}");
        problem.Problem.ShouldContain($"'{value}'");
        problem.Problem.ShouldContain(allowed);
        error.Message.ShouldContain($"{P}:{key}");
    }

    [Theory]
    [InlineData($"{P}:S3:CompressionFormat", "Zstd", $"{P}:S3:CompressionFormat", "one of Uncompressed, Gzip")]
    [InlineData($"{P}:S3:BucketName", "Bad_Bucket", $"{P}:S3:BucketName", "not a valid bucket name")]
    [InlineData($"{P}:S3:Prefix", "logs/!{partitionKeyFromQuery:customer}/", $"{P}:S3:Prefix", "partitionKeyFromQuery")]
    [InlineData($"{P}:S3:Prefix", "logs/!{nonsense}/", $"{P}:S3:Prefix", "nonsense")]
    [InlineData($"{P}:Backup:ErrorOutputPrefix", "errors/!{firehose:error-output-typ}/", $"{P}:Backup:ErrorOutputPrefix", "firehose:error-output-typ")]
    [InlineData($"{P}:Backup:BucketName", "Bad_Bucket", $"{P}:Backup:BucketName", "not a valid bucket name")]
    [InlineData($"{P}:Backup:ErrorOutputPrefix", "delivery-redrive/!{firehose:error-output-type}/", $"{P}:Backup:ErrorOutputPrefix", "redrive keeps its markers")]
    [InlineData($"{P}:S3:Prefix", "!{firehose:error-output-type}/", $"{P}:S3:Prefix", "only allowed in the error output prefix")]
    [InlineData("Delivery:Aws:ServiceUrls:Kinesis", "not a url", "Delivery:Aws:ServiceUrls:Kinesis", "'not a url'")]
    [InlineData("Delivery:Aws:Region", "US EAST", "Delivery:Aws:Region", "us-east-1")]
    [InlineData("Delivery:ShutdownGracePeriodSeconds", "0", "Delivery:ShutdownGracePeriodSeconds", "between 1 and 3600")]
    [InlineData($"{P}:Kinesis:Leases:CreateTableIfMissing", "perhaps", $"{P}:Kinesis:Leases:CreateTableIfMissing", "true or false")]
    [InlineData($"{P}:Buffering:Scope", "Pipeline", $"{P}:Buffering:Scope", "one of Shard, Worker")]
    public void EveryOtherSetting_IsCheckedWithAMessageNamingIt(string key, string value, string reportedAt, string expected)
    {
        InvalidDeliveryConfigurationException error = Should.Throw<InvalidDeliveryConfigurationException>(() => Load(With(key, value)));

        ConfigurationValidationError problem = error.Errors.ShouldHaveSingleItem();
        problem.KeyPath.ShouldBe(reportedAt, problem.Problem);
        problem.Problem.ShouldContain(expected, Case.Insensitive);
    }

    [Fact]
    public void EnvironmentVariables_ConfigureAPipelineTheWayEcsPassesThem()
    {
        IConfiguration configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                // What the environment-variable provider makes of Delivery__Pipelines__clicks__S3__BucketName=...
                ["Delivery:Pipelines:clicks:Kinesis:StreamName"] = "clickstream",
                ["Delivery:Pipelines:clicks:S3:BucketName"] = "analytics-raw",
                ["Delivery:Pipelines:clicks:S3:CompressionFormat"] = "uncompressed",
                ["Delivery:Pipelines:clicks:Kinesis:InitialPosition"] = "latest",
            })
            .Build();

        DeliveryOptions options = DeliveryOptionsLoader.Load(configuration);

        options.Pipelines["clicks"].S3!.CompressionFormat.ShouldBe(Delivery.Formats.Compression.CompressionFormat.Uncompressed);
        options.Pipelines["clicks"].Kinesis.InitialPosition.ShouldBe(InitialPosition.Latest);
    }

    [Fact]
    public void AMisspeltKey_IsAnError_NotSilentlyIgnored()
    {
        InvalidDeliveryConfigurationException error = Should.Throw<InvalidDeliveryConfigurationException>(() => Load(With($"{P}:Buffering:SizeInMB", "64")));

        ConfigurationValidationError problem = error.Errors.ShouldHaveSingleItem();
        problem.KeyPath.ShouldBe($"{P}:Buffering:SizeInMB");
        problem.Problem.ShouldContain("not a known setting");
        problem.Problem.ShouldContain("SizeInMBs");
    }

    [Fact]
    public void AValueOfTheWrongType_IsReportedWithItsKeyPath()
    {
        InvalidDeliveryConfigurationException error = Should.Throw<InvalidDeliveryConfigurationException>(() => Load(With($"{P}:Kinesis:InitialPosition", "Earliest")));

        ConfigurationValidationError problem = error.Errors.ShouldHaveSingleItem();
        problem.KeyPath.ShouldBe($"{P}:Kinesis:InitialPosition", problem.Problem);
        problem.Problem.ShouldContain("'Earliest'");
        problem.Problem.ShouldContain("one of TrimHorizon, Latest, AtTimestamp");
    }

    [Fact]
    public void AMissingStreamName_IsReported()
    {
        InvalidDeliveryConfigurationException error = Should.Throw<InvalidDeliveryConfigurationException>(() => Load(With($"{P}:Kinesis:StreamName", "")));

        error.Errors.ShouldContain(e => e.KeyPath == $"{P}:Kinesis:StreamName");
    }

    [Fact]
    public void APipelineWithoutDestination_IsReported()
    {
        var settings = new Dictionary<string, string?> { [$"{P}:Kinesis:StreamName"] = "clickstream" };

        InvalidDeliveryConfigurationException error = Should.Throw<InvalidDeliveryConfigurationException>(() => Load(settings));

        error.Errors.ShouldHaveSingleItem().ShouldBe(new ConfigurationValidationError(P, "has no destination: configure one of S3 (BucketName at least), HttpEndpoint (Url, or Preset and Site), Redshift, OpenSearch (Endpoint and IndexName at least) or Splunk (HecEndpoint and HecTokenVariable at least)."));
    }

    [Fact]
    public void FailedRecords_GoToTheS3DestinationsBucket_UnlessABackupBucketIsNamed()
    {
        DeliveryOptions defaults = Load(Valid);
        DeliveryOptions named = Load(With($"{P}:Backup:BucketName", "failed-records"));

        BackupOptions effective = defaults.Pipelines["clicks"].EffectiveBackup();
        effective.BucketName.ShouldBe(defaults.Pipelines["clicks"].S3!.BucketName);
        effective.ErrorOutputPrefix.ShouldBe("!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd/HH}/");
        named.Pipelines["clicks"].EffectiveBackup().BucketName.ShouldBe("failed-records");
    }

    [Fact]
    public void TheDefaultBackupBucket_KeepsEveryOtherBackupSetting()
    {
        var settings = new Dictionary<string, string?>(Valid)
        {
            [$"{P}:Backup:Prefix"] = "source/",
            [$"{P}:Backup:ErrorOutputPrefix"] = "failed/!{firehose:error-output-type}/",
            [$"{P}:Backup:CompressionFormat"] = "Uncompressed",
        };

        PipelineOptions pipeline = Load(settings).Pipelines["clicks"];
        BackupOptions effective = pipeline.EffectiveBackup();

        effective.BucketName.ShouldBe(pipeline.S3!.BucketName);
        effective.Prefix.ShouldBe("source/");
        effective.ErrorOutputPrefix.ShouldBe("failed/!{firehose:error-output-type}/");
        effective.CompressionFormat.ShouldBe(Delivery.Formats.Compression.CompressionFormat.Uncompressed);
        pipeline.Backup!.BucketName.ShouldBeNull("the configured options are not changed");
    }

    [Fact]
    public void NoPipelines_IsReported()
    {
        InvalidDeliveryConfigurationException error = Should.Throw<InvalidDeliveryConfigurationException>(
            () => Load(new Dictionary<string, string?> { ["Delivery:ShutdownGracePeriodSeconds"] = "20" }));

        error.Errors.ShouldHaveSingleItem().KeyPath.ShouldBe("Delivery:Pipelines");
    }

    [Fact]
    public void AtTimestamp_RequiresATimestamp()
    {
        InvalidDeliveryConfigurationException error = Should.Throw<InvalidDeliveryConfigurationException>(() => Load(With($"{P}:Kinesis:InitialPosition", "AtTimestamp")));

        error.Errors.ShouldHaveSingleItem().KeyPath.ShouldBe($"{P}:Kinesis:InitialTimestamp");
    }

    [Fact]
    public void TwoPipelinesSharingALeaseTable_AreRejected()
    {
        Dictionary<string, string?> settings = With($"{P}:Kinesis:Leases:TableName", "shared-leases");
        settings["Delivery:Pipelines:other:Kinesis:StreamName"] = "orders";
        settings["Delivery:Pipelines:other:Kinesis:Leases:TableName"] = "shared-leases";
        settings["Delivery:Pipelines:other:S3:BucketName"] = "orders-raw";

        InvalidDeliveryConfigurationException error = Should.Throw<InvalidDeliveryConfigurationException>(() => Load(settings));

        error.Errors.ShouldHaveSingleItem().Problem.ShouldContain("also used by pipeline");
    }

    [Fact]
    public void WorkerScope_IsReadCaseInsensitively_WithItsPlanTableAndRetention()
    {
        Dictionary<string, string?> settings = With($"{P}:Buffering:Scope", "worker");
        settings[$"{P}:Buffering:PlanRetentionDays"] = "10";
        settings[$"{P}:Kinesis:Leases:PlanTableName"] = "clicks-plans";

        PipelineOptions pipeline = Load(settings).Pipelines["clicks"];

        pipeline.Buffering.Scope.ShouldBe(BufferingScope.Worker);
        pipeline.Buffering.PlanRetentionDays.ShouldBe(10);
        DeliveryOptionsRules.PlanTableName("clicks", pipeline).ShouldBe("clicks-plans");
    }

    [Theory]
    [InlineData("delivery-clicks-leases", "this pipeline's lease table")]
    [InlineData("delivery-other-plans", "a table of pipeline 'clicks'")]
    public void APlanTableSharedWithAnyOtherTable_IsRejected(string planTable, string sharedWith)
    {
        Dictionary<string, string?> settings = With($"{P}:Kinesis:Leases:PlanTableName", planTable);
        settings["Delivery:Pipelines:other:Kinesis:StreamName"] = "orders";
        settings["Delivery:Pipelines:other:S3:BucketName"] = "orders-raw";

        InvalidDeliveryConfigurationException error = Should.Throw<InvalidDeliveryConfigurationException>(() => Load(settings));

        ConfigurationValidationError problem = error.Errors.ShouldHaveSingleItem();
        problem.Problem.ShouldContain(sharedWith);
        problem.Problem.ShouldContain(planTable);
    }

    [Fact]
    public void AMemoryBudgetThatCannotHoldABufferAndAPage_IsRejected()
    {
        Dictionary<string, string?> settings = With($"{P}:Buffering:SizeInMBs", "64");
        settings["Delivery:MemoryBudgetMiB"] = "64";

        InvalidDeliveryConfigurationException error = Should.Throw<InvalidDeliveryConfigurationException>(() => Load(settings));

        error.Errors.ShouldHaveSingleItem().KeyPath.ShouldBe("Delivery:MemoryBudgetMiB");
    }

    [Fact]
    public void EveryProblem_IsReportedAtOnce()
    {
        Dictionary<string, string?> settings = With($"{P}:Buffering:SizeInMBs", "0");
        settings[$"{P}:Buffering:IntervalInSeconds"] = "1000";
        settings["Delivery:Unknown"] = "x";

        InvalidDeliveryConfigurationException error = Should.Throw<InvalidDeliveryConfigurationException>(() => Load(settings));

        error.Errors.Select(e => e.KeyPath).ShouldBe(["Delivery:Unknown", $"{P}:Buffering:SizeInMBs", $"{P}:Buffering:IntervalInSeconds"], ignoreOrder: true);
    }

    [Fact]
    public void TheShippedConfigurationFiles_AreValid()
    {
        string root = Delivery.Testing.LocalAwsStack.RepositoryRoot;
        foreach (string file in Directory.GetFiles(Path.Combine(root, "config"), "*.json"))
        {
            IConfiguration configuration = new ConfigurationBuilder()
                .AddJsonFile(Path.Combine(root, "appsettings.json"))
                .AddJsonFile(file)
                .Build();

            Should.NotThrow(() => DeliveryOptionsLoader.Load(configuration), file);
        }
    }

    private static Dictionary<string, string?> With(string key, string value) => new(Valid) { [key] = value };

    private static DeliveryOptions Load(Dictionary<string, string?> settings) =>
        DeliveryOptionsLoader.Load(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
}
