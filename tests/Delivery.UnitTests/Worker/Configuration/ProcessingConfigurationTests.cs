using Delivery.Transforms.BuiltIn;
using Delivery.Transforms.Processing;
using Delivery.Worker.Configuration;
using Microsoft.Extensions.Configuration;

namespace Delivery.UnitTests.Worker.Configuration;

public sealed class ProcessingConfigurationTests
{
    private const string P = "Delivery:Pipelines:clicks";
    private const string Q = $"{P}:Processing:Processors";

    private static readonly Dictionary<string, string?> Valid = new()
    {
        [$"{P}:Kinesis:StreamName"] = "clickstream",
        [$"{P}:S3:BucketName"] = "analytics-raw",
    };

    [Fact]
    public void AChainOfEveryKind_LoadsInOrder_WithDefaultsAndDynamicPartitioning()
    {
        string plugins = Directory.CreateTempSubdirectory("plugin-").FullName;
        DeliveryOptions options = Load(new(Valid)
        {
            [$"{P}:S3:Prefix"] = "c=!{partitionKeyFromQuery:customer}/t=!{partitionKeyFromLambda:tier}/",
            [$"{P}:DynamicPartitioning:Enabled"] = "true",
            [$"{P}:DynamicPartitioning:MaxActivePartitions"] = "50",
            [$"{Q}:0:Type"] = "Decompression",
            [$"{Q}:1:Type"] = "CloudWatchLogProcessing",
            [$"{Q}:2:Type"] = "RecordDeAggregation",
            [$"{Q}:2:SubRecordType"] = "Delimited",
            [$"{Q}:2:Delimiter"] = "|",
            [$"{Q}:3:Type"] = "Lambda",
            [$"{Q}:3:LambdaArn"] = "arn:aws:lambda:us-east-1:210987654321:function:enrich:live",
            [$"{Q}:3:NumberOfRetries"] = "5",
            [$"{Q}:3:BufferSizeInMBs"] = "0.5",
            [$"{Q}:4:Type"] = "Http",
            [$"{Q}:4:Url"] = "http://localhost:8080/transform",
            [$"{Q}:4:Headers:Authorization"] = "Bearer token",
            [$"{Q}:5:Type"] = "Plugin",
            [$"{Q}:5:Directory"] = plugins,
            [$"{Q}:5:Settings:marker"] = "x",
            [$"{Q}:6:Type"] = "MetadataExtraction",
            [$"{Q}:6:MetadataExtractionQuery"] = "{customer: .customer.id}",
            [$"{Q}:7:Type"] = "AppendDelimiterToRecord",
        });

        PipelineOptions pipeline = options.Pipelines["clicks"];
        pipeline.Processing!.Processors.Select(p => p.Type).ShouldBe(
        [
            ProcessorType.Decompression, ProcessorType.CloudWatchLogProcessing, ProcessorType.RecordDeAggregation, ProcessorType.Lambda,
            ProcessorType.Http, ProcessorType.Plugin, ProcessorType.MetadataExtraction, ProcessorType.AppendDelimiterToRecord,
        ]);
        ProcessorOptions lambda = pipeline.Processing.Processors[3];
        (lambda.NumberOfRetries, lambda.BufferSizeBytes, lambda.Timeout, lambda.MaxConcurrentInvocations).ShouldBe((5, 512L * 1024, TimeSpan.FromMinutes(5), 4));
        pipeline.Processing.Processors[4].Timeout.ShouldBe(TimeSpan.FromSeconds(60));
        pipeline.Processing.Processors[4].Headers.ShouldBe(new Dictionary<string, string> { ["Authorization"] = "Bearer token" });
        pipeline.Processing.Processors[2].SubRecordType.ShouldBe(SubRecordType.Delimited);
        pipeline.Processing.Processors[7].DelimiterBytes.ShouldBe("\n"u8.ToArray());
        pipeline.DynamicPartitioning!.MaxActivePartitions.ShouldBe(50);
        ProcessingRules.AccountId(pipeline.Processing).ShouldBe("210987654321");
    }

    [Theory]
    [InlineData("Lambda", "Url", "http://x", $"{Q}:0:Url", "does not apply to a Lambda processor")]
    [InlineData("Lambda", "NumberOfRetries", "301", $"{Q}:0:NumberOfRetries", "between 0 and 300")]
    [InlineData("Lambda", "BufferSizeInMBs", "4", $"{Q}:0:BufferSizeInMBs", "0.2 to 3 MB")]
    [InlineData("Lambda", "TimeoutSeconds", "0", $"{Q}:0:TimeoutSeconds", "between 1 and 900")]
    [InlineData("Lambda", "LambdaArn", "not an arn!", $"{Q}:0:LambdaArn", "is not a Lambda function name or ARN")]
    [InlineData("Lambda", "LambdaArn", "arn:aws:lambda:eu-west-1:123456789012:function:f", $"{Q}:0:LambdaArn", "Delivery invokes functions in its own region, us-east-1")]
    [InlineData("Http", "Url", "ftp://host/x", $"{Q}:0:Url", "must be an absolute http:// or https:// URL")]
    [InlineData("Http", "MaxResponseBytes", "10", $"{Q}:0:MaxResponseBytes", "between 1024 and")]
    [InlineData("Plugin", "Directory", "/no/such/plugin/dir", $"{Q}:0:Directory", "does not exist")]
    [InlineData("RecordDeAggregation", "SubRecordType", "Xml", $"{Q}:0:SubRecordType", "one of Json, Delimited")]
    [InlineData("MetadataExtraction", "MetadataExtractionQuery", "{c: .c | nope}", $"{Q}:0:MetadataExtractionQuery", "'nope' is not a supported function")]
    [InlineData("MetadataExtraction", "JsonParsingEngine", "JQ-1.7", $"{Q}:0:JsonParsingEngine", "the engine is JQ-1.6")]
    [InlineData("AppendDelimiterToRecord", "Delimiter", "", $"{Q}:0:Delimiter", "1 to 64 UTF-8 bytes")]
    [InlineData("Decompression", "CompressionFormat", "Zstd", $"{Q}:0:CompressionFormat", "one of Gzip")]
    public void AProcessorSettingThatCannotWork_IsReportedAtItsKey(string type, string key, string value, string reportedAt, string expected)
    {
        Dictionary<string, string?> settings = new(Valid) { [$"{Q}:0:Type"] = type, [$"{Q}:0:{key}"] = value };
        (string, string)[] required = type switch
        {
            "Lambda" when key != "LambdaArn" => [("LambdaArn", "enrich")],
            "Http" when key != "Url" => [("Url", "http://localhost:1/t")],
            "RecordDeAggregation" when key != "SubRecordType" => [("SubRecordType", "Json")],
            "MetadataExtraction" => [("MetadataExtractionQuery", "{c: .c}")],
            _ => [],
        };
        foreach ((string name, string requiredValue) in required)
        {
            settings.TryAdd($"{Q}:0:{name}", requiredValue);
        }

        if (type == "MetadataExtraction")
        {
            settings[$"{P}:DynamicPartitioning:Enabled"] = "true";
            settings[$"{P}:S3:Prefix"] = "!{partitionKeyFromQuery:c}/";
        }

        InvalidDeliveryConfigurationException error = Should.Throw<InvalidDeliveryConfigurationException>(() => Load(settings));

        ConfigurationValidationError problem = error.Errors.ShouldHaveSingleItem();
        problem.KeyPath.ShouldBe(reportedAt, problem.Problem);
        problem.Problem.ShouldContain(expected);
    }

    [Theory]
    [InlineData("Authorization", "Bearer clé", "Authorization", "not visible ASCII")]
    [InlineData("Authorization", "Bearer a\r\nX-Injected: 1", "Authorization", "a line break")]
    [InlineData("X-Api-Key", "s3cr3t ", "X-Api-Key", "whitespace at its start or end")]
    [InlineData("X Api Key", "k", "X Api Key", "not a header name")]
    [InlineData("X-Clé", "k", "X-Clé", "not a header name")]
    [InlineData("X-Api-Key(1)", "k", "X-Api-Key(1)", "not a header name")]
    [InlineData("Content-Type", "text/plain", "Content-Type", "set by Delivery")]
    [InlineData("Content-Length", "10", "Content-Length", "set by Delivery")]
    public void AnHttpTransformHeaderARequestCannotCarry_IsReportedAtItsKey_WithoutItsValue(string name, string value, string reportedHeader, string why)
    {
        // Such a header passed validation, then either failed every invocation as a network error (the value) or was
        // left out of every request without a word (the name).
        InvalidDeliveryConfigurationException error = Should.Throw<InvalidDeliveryConfigurationException>(() => Load(new(Valid)
        {
            [$"{Q}:0:Type"] = "Http",
            [$"{Q}:0:Url"] = "http://localhost:1/t",
            [$"{Q}:0:Headers:{name}"] = value,
        }));

        ConfigurationValidationError problem = error.Errors.ShouldHaveSingleItem();
        problem.KeyPath.ShouldBe($"{Q}:0:Headers:{reportedHeader}", problem.Problem);
        problem.Problem.ShouldContain(why);
        if (value.Length > 2)
        {
            error.Message.ShouldNotContain(value.Trim());
        }
    }

    [Fact]
    public void HttpTransformHeadersOfTokenNamesAndVisibleAsciiValues_AreAccepted()
    {
        DeliveryOptions options = Load(new(Valid)
        {
            [$"{Q}:0:Type"] = "Http",
            [$"{Q}:0:Url"] = "http://localhost:1/t",
            [$"{Q}:0:Headers:Authorization"] = "Bearer abc.def-ghi_jkl~=",
            [$"{Q}:0:Headers:X-Tenant_Id!#$%&'*+.^`|~"] = "acme \"eu\" (1)",
        });

        options.Pipelines["clicks"].Processing!.Processors[0].Headers!.Count.ShouldBe(2);
    }

    [Theory]
    [InlineData("Lambda", "LambdaArn", "is required for a Lambda processor")]
    [InlineData("Http", "Url", "is required for an Http processor")]
    [InlineData("Plugin", "Directory", "is required for a Plugin processor")]
    [InlineData("RecordDeAggregation", "SubRecordType", "is required for RecordDeAggregation")]
    public void AProcessorWithoutItsRequiredSetting_IsReported(string type, string key, string expected)
    {
        InvalidDeliveryConfigurationException error = Should.Throw<InvalidDeliveryConfigurationException>(() => Load(new(Valid) { [$"{Q}:0:Type"] = type }));

        ConfigurationValidationError problem = error.Errors.ShouldHaveSingleItem();
        problem.KeyPath.ShouldBe($"{Q}:0:{key}");
        problem.Problem.ShouldContain(expected);
    }

    [Theory]
    [InlineData("logs/!{partitionKeyFromQuery:c}/", false, null, $"{P}:S3:Prefix", "partition keys need DynamicPartitioning:Enabled = true")]
    [InlineData("logs/", true, null, $"{P}:S3:Prefix", "must use at least one !{partitionKeyFromQuery:name}")]
    [InlineData("!{partitionKeyFromQuery:d}/", true, "{c: .c}", $"{P}:S3:Prefix", "no MetadataExtraction processor's query defines 'd'")]
    [InlineData("!{partitionKeyFromLambda:tier}/", true, null, $"{P}:S3:Prefix", "no Lambda, Http or Plugin processor is configured to set it")]
    [InlineData("logs/", false, "{c: .c}", $"{Q}:0:Type", "MetadataExtraction finds partition keys, which need DynamicPartitioning:Enabled = true")]
    public void ThePrefixPartitioningAndQuery_MustAgree(string prefix, bool partitioned, string? query, string reportedAt, string expected)
    {
        Dictionary<string, string?> settings = new(Valid) { [$"{P}:S3:Prefix"] = prefix, [$"{P}:DynamicPartitioning:Enabled"] = partitioned ? "true" : "false" };
        if (query is not null)
        {
            settings[$"{Q}:0:Type"] = "MetadataExtraction";
            settings[$"{Q}:0:MetadataExtractionQuery"] = query;
        }

        InvalidDeliveryConfigurationException error = Should.Throw<InvalidDeliveryConfigurationException>(() => Load(settings));

        ConfigurationValidationError problem = error.Errors.ShouldHaveSingleItem();
        problem.KeyPath.ShouldBe(reportedAt, problem.Problem);
        problem.Problem.ShouldContain(expected);
    }

    [Fact]
    public void TheLambdaEndpointOverride_IsChecked_LikeTheOthers()
    {
        InvalidDeliveryConfigurationException error = Should.Throw<InvalidDeliveryConfigurationException>(() => Load(new(Valid) { ["Delivery:Aws:ServiceUrls:Lambda"] = "not a url" }));

        error.Errors.ShouldHaveSingleItem().KeyPath.ShouldBe("Delivery:Aws:ServiceUrls:Lambda");
    }

    private static DeliveryOptions Load(Dictionary<string, string?> settings) =>
        DeliveryOptionsLoader.Load(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
}
