using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Delivery.Destinations.Http;
using Delivery.Destinations.Splunk;
using Delivery.DirectPut.Protocol;
using Delivery.Testing;
using Delivery.Worker.CommandLine;
using Delivery.Worker.Configuration;
using Delivery.Worker.Hosting;
using Microsoft.Extensions.Configuration;

namespace Delivery.UnitTests.Worker.CommandLine;

/// <summary>
/// import-firehose on DescribeDeliveryStream answers as the AWS CLI prints them. Each Firehose setting must end up in
/// the configuration or be named in a note: nothing is dropped without a word. Settings this build of Delivery does not
/// have yet (those of other destinations and features) are notes until they exist, and then must be carried over.
/// </summary>
public sealed class ImportFirehoseTests
{
    private static readonly string Samples = Path.Combine(LocalAwsStack.RepositoryRoot, "tests", "Delivery.UnitTests", "Worker", "CommandLine", "FirehoseSamples");

    [Fact]
    public void S3WithLambdaAndDynamicPartitioning_ImportsToAConfigurationThatValidates()
    {
        (ImportResult result, JsonObject pipeline) = Import("s3-lambda-dynamic-partitioning.json", "clickstream-to-lake");

        result.Problems.ShouldBeEmpty();
        DeliveryOptions options = Load(result);
        PipelineOptions loaded = options.Pipelines["clickstream-to-lake"];
        options.Aws.Region.ShouldBe("eu-west-1");
        loaded.Kinesis.StreamName.ShouldBe("clickstream");
        loaded.Buffering.SizeInMBs.ShouldBe(64);
        loaded.Buffering.IntervalInSeconds.ShouldBe(120);
        loaded.S3!.BucketName.ShouldBe("acme-datalake-raw");
        loaded.S3.CompressionFormat.ShouldBe(Delivery.Formats.Compression.CompressionFormat.Gzip);
        loaded.Backup!.ErrorOutputPrefix.ShouldBe("errors/clickstream/!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/");
        loaded.Backup.BucketName.ShouldBe("acme-datalake-source-backup");

        loaded.S3.RecordDelimiter.ShouldBe("", "Firehose writes records back to back");
        loaded.S3.Prefix.ShouldBe("clickstream/customer=!{partitionKeyFromQuery:customer_id}/dt=!{timestamp:yyyy-MM-dd}/");
        loaded.DynamicPartitioning!.Enabled.ShouldBeTrue();
        loaded.Processing!.Processors.Select(p => p.Type.ToString()).ShouldBe(["RecordDeAggregation", "Lambda", "MetadataExtraction", "AppendDelimiterToRecord"]);
        loaded.Processing.Processors[1].LambdaArn.ShouldBe("arn:aws:lambda:eu-west-1:123456789012:function:enrich-clicks:$LATEST");
        loaded.Processing.Processors[1].NumberOfRetries.ShouldBe(3);
        loaded.Processing.Processors[2].MetadataExtractionQuery.ShouldBe("{customer_id:.customer.id}");
        CarriedOverOrNoted(result, pipeline["DynamicPartitioning"]!.AsObject(), "RetryDurationSeconds", "300");
        result.Notes.ShouldContain(note => note.Contains("firehose-clickstream-delivery", StringComparison.Ordinal), "Firehose's invocation role is explained");
        result.Notes.ShouldContain(note => note.Contains("InitialPosition", StringComparison.Ordinal), "the cut-over from Firehose is explained");
    }

    [Fact]
    public void HttpEndpoint_ImportsToAConfigurationThatValidates_OnceThisBuildHasTheDestination()
    {
        (ImportResult result, JsonObject pipeline) = Import("http-endpoint.json", "app-logs-to-datadog");

        result.Notes.ShouldContain(note => note.Contains("AccessKey", StringComparison.Ordinal), "the write-only access key must be supplied from a secret");
        if (typeof(PipelineOptions).GetProperty("HttpEndpoint") is null)
        {
            // Not in this build: the import names the missing destination instead of pretending.
            result.Notes.ShouldContain(note => note.Contains("HttpEndpoint is not a setting of this build", StringComparison.Ordinal) && note.Contains("aws-kinesis-http-intake.logs.datadoghq.com", StringComparison.Ordinal));
            result.Problems.ShouldContain(problem => problem.KeyPath == "Delivery:Pipelines:app-logs-to-datadog");
            return;
        }

        result.Problems.ShouldBeEmpty();
        PipelineOptions loaded = Load(result).Pipelines["app-logs-to-datadog"];
        loaded.HttpEndpoint!.EndpointUrl()!.ToString().ShouldBe("https://aws-kinesis-http-intake.logs.datadoghq.com/v1/input");
        loaded.HttpEndpoint.EffectiveContentEncoding().ShouldBe(HttpContentEncoding.Gzip);
        loaded.Buffering.SizeInMBs.ShouldBe(4);
        loaded.Backup!.ErrorOutputPrefix.ShouldBe("datadog-errors/!{firehose:error-output-type}/");
        JsonObject http = pipeline["HttpEndpoint"]!.AsObject();

        // Datadog's published US1 logs URL: the preset, so only the key is left to supply.
        http["Preset"]!.GetValue<string>().ShouldBe("DatadogLogs");
        http["Site"]!.GetValue<string>().ShouldBe("US1");
        http.ContainsKey("Url").ShouldBeFalse();
        http.ContainsKey("ContentEncoding").ShouldBeFalse("GZIP is the preset's own encoding");
        result.Notes.ShouldContain(note => note.Contains("imported as HttpEndpoint:Preset DatadogLogs with Site US1", StringComparison.Ordinal));
        http["RetryDurationSeconds"]!.GetValue<long>().ShouldBe(60);
        http["CommonAttributes"]!["env"]!.GetValue<string>().ShouldBe("production");
        pipeline["Backup"]!["BucketName"]!.GetValue<string>().ShouldBe("acme-app-logs-failed");
    }

    [Fact]
    public void Redshift_ImportsToAConfigurationThatValidates_OnceThisBuildHasTheDestination()
    {
        (ImportResult result, JsonObject pipeline) = Import("redshift.json", "orders-to-redshift");

        result.Notes.ShouldContain(note => note.Contains("password", StringComparison.OrdinalIgnoreCase));
        if (typeof(PipelineOptions).GetProperty("Redshift") is null)
        {
            result.Notes.ShouldContain(note => note.Contains("Redshift is not a setting of this build", StringComparison.Ordinal) && note.Contains("public.orders", StringComparison.Ordinal));
            result.Problems.ShouldContain(problem => problem.KeyPath == "Delivery:Pipelines:orders-to-redshift");
            return;
        }

        result.Problems.ShouldBeEmpty();
        PipelineOptions loaded = Load(result).Pipelines["orders-to-redshift"];
        loaded.Redshift!.Table.ShouldBe("public.orders");
        loaded.Redshift.Columns.ShouldBe(["order_id", "customer_id", "amount", "currency", "created_at"]);
        loaded.Redshift.CopyOptions.ShouldBe("json 'auto' gzip timeformat 'auto'");
        loaded.Redshift.ConnectionString.ShouldBe("Host=analytics.c8xyzabc1234.us-west-2.redshift.amazonaws.com;Port=5439;Database=warehouse;Username=firehose_loader;SSL Mode=Require");
        loaded.Redshift.IamRoleArn.ShouldBe("arn:aws:iam::123456789012:role/firehose-orders-redshift");
        loaded.Redshift.RetryDurationSeconds.ShouldBe(3600);
        loaded.Redshift.IntermediateS3!.BucketName.ShouldBe("acme-orders-staging");
        loaded.Redshift.IntermediateS3.Prefix.ShouldBe("firehose/orders/");
        loaded.Buffering.SizeInMBs.ShouldBe(16);
        loaded.Backup!.BucketName.ShouldBe("acme-orders-staging");
    }

    [Fact]
    public void TheTimeZoneAndTheKmsKey_AreCarriedOver_ToTheObjectsAndTheFailedRecordsBesideThem()
    {
        (ImportResult result, _) = Import("s3-parquet-kms.json", "events-parquet");

        result.Problems.ShouldBeEmpty();
        PipelineOptions loaded = Load(result).Pipelines["events-parquet"];
        const string Key = "arn:aws:kms:eu-central-1:123456789012:key/1a2b3c4d-5e6f-7a8b-9c0d-112233445566";
        loaded.S3!.CustomTimeZone.ShouldBe("Europe/Berlin");
        loaded.S3.EncryptionConfiguration!.KmsKeyArn.ShouldBe(Key);
        loaded.EffectiveBackup().EncryptionConfiguration!.KmsKeyArn.ShouldBe(Key, "Firehose writes failed records into the destination bucket, encrypted alike");
        result.Notes.ShouldNotContain(note => note.Contains("Europe/Berlin", StringComparison.Ordinal) || note.Contains(Key, StringComparison.Ordinal));
    }

    [Fact]
    public void AFileExtension_IsCarriedOver()
    {
        (ImportResult result, JsonObject pipeline) = Import("s3-lambda-dynamic-partitioning.json", "clickstream-to-lake");

        Load(result).Pipelines["clickstream-to-lake"].S3!.FileExtension.ShouldBe(".json.gz");
        pipeline["S3"]!["FileExtension"]!.GetValue<string>().ShouldBe(".json.gz");
    }

    [Fact]
    public void FeaturesDeliveryHandlesDifferently_AreExplainedInNotes()
    {
        (ImportResult result, JsonObject pipeline) = Import("s3-parquet-kms.json", "events-parquet");

        result.Problems.ShouldBeEmpty();
        Load(result).Pipelines["events-parquet"].S3!.Prefix.ShouldBe("events/year=!{timestamp:yyyy}/month=!{timestamp:MM}/");
        result.Notes.ShouldContain(note => note.Contains("Direct PUT", StringComparison.Ordinal) && note.Contains("DirectPut:Enabled", StringComparison.Ordinal),
            "a Direct PUT stream becomes a pipeline whose producers put through Delivery's own Direct PUT listener");
        result.Notes.ShouldContain(note => note.Contains("analytics.events", StringComparison.Ordinal), "the Glue schema must be copied by hand");
        result.Notes.ShouldContain(note => note.Contains("S3:DataFormatConversion is not carried over", StringComparison.Ordinal), "without the Glue schema the conversion cannot be set up, and says so");
    }

    [Fact]
    public void Splunk_ImportsToAConfigurationThatValidates_WithTheTokenLeftToTheEnvironment()
    {
        (ImportResult result, JsonObject pipeline) = Import("splunk.json", "vpc-flow-to-splunk");

        result.Problems.ShouldBeEmpty();
        PipelineOptions loaded = Load(result, name => name == "SPLUNK_HEC_TOKEN_VPC_FLOW_TO_SPLUNK" ? "from-a-secret" : null).Pipelines["vpc-flow-to-splunk"];
        SplunkDestinationOptions splunk = loaded.Splunk!;
        splunk.HecEndpoint.ShouldBe(new Uri("https://http-inputs-firehose-acme.splunkcloud.com:443"));
        splunk.HecEndpointType.ShouldBe(HecEndpointType.Event);
        splunk.HecTokenVariable.ShouldBe("SPLUNK_HEC_TOKEN_VPC_FLOW_TO_SPLUNK");
        splunk.HecAcknowledgmentTimeoutInSeconds.ShouldBe(300);
        splunk.RetryDurationSeconds.ShouldBe(600);
        splunk.S3BackupMode.ShouldBe(SplunkBackupMode.AllEvents);
        (loaded.Buffering.SizeInMBs, loaded.Buffering.IntervalInSeconds).ShouldBe((5, 60));
        loaded.Backup!.BucketName.ShouldBe("acme-vpc-flow-backup");
        loaded.Backup.Prefix.ShouldBe("splunk/all/");
        loaded.Backup.ErrorOutputPrefix.ShouldBe("splunk/failed/!{firehose:error-output-type}/");
        result.Configuration.ToJsonString().ShouldNotContain("3a1f9c2e-7b4d-4e8a-9f60-2c5d8e1b7a44", customMessage: "the HEC token DescribeDeliveryStream shows stays out of the file");
        result.Notes.ShouldContain(note => note.Contains("SPLUNK_HEC_TOKEN_VPC_FLOW_TO_SPLUNK", StringComparison.Ordinal));
        pipeline["Splunk"]!.AsObject().ContainsKey("EventFormat").ShouldBeFalse("Firehose sends event records as they are, the default");
    }

    [Fact]
    public void ASplunkPipeline_AsDirectPutDescribesIt_ImportsBackToItsOwnSettings()
    {
        IConfiguration configuration = ConfigurationVerbTests.Configuration(Path.Combine(LocalAwsStack.RepositoryRoot, "config", "splunk.json"));
        DeliveryOptions options = DeliveryOptionsLoader.Load(configuration, _ => "hec-secret-7f3a");
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            FirehoseResponseWriter.WriteDescribeDeliveryStream(json, DirectPutWiring.Streams(options).Single(), encrypted: false, DateTimeOffset.UnixEpoch);
        }

        using JsonDocument described = JsonDocument.Parse(buffer.WrittenMemory);
        described.RootElement.GetRawText().ShouldNotContain("hec-secret-7f3a");
        SplunkDestinationOptions original = options.Pipelines["vpc-flow"].Splunk!;
        ImportResult result = ImportFirehoseVerb.Import(described.RootElement);

        // Delivery's DescribeDeliveryStream does not describe the backup bucket, which a Splunk pipeline needs.
        result.Configuration["Delivery"]!["Pipelines"]!["vpc-flow"]!["Backup"] = new JsonObject { ["BucketName"] = "acme-vpc-flow-backup" };
        SplunkDestinationOptions imported = Load(result, _ => "hec-secret-7f3a").Pipelines["vpc-flow"].Splunk!;
        (imported.HecEndpoint, imported.HecEndpointType, imported.HecAcknowledgmentTimeoutInSeconds, imported.RetryDurationSeconds, imported.S3BackupMode)
            .ShouldBe((original.HecEndpoint, original.HecEndpointType, original.HecAcknowledgmentTimeoutInSeconds, original.RetryDurationSeconds, original.S3BackupMode));
    }

    public static TheoryData<string> EverySample() => [.. Directory.GetFiles(Samples, "*.json").Select(file => Path.GetFileName(file)!).Order()];

    [Theory]
    [MemberData(nameof(EverySample))]
    public void EveryKeyTheImporterWrites_IsASettingOfThisBuild(string sample)
    {
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(Path.Combine(Samples, sample)));
        ImportedPipeline imported = FirehoseImporter.Map(document.RootElement, null);
        var root = new JsonObject { ["Delivery"] = new JsonObject { ["Pipelines"] = new JsonObject { [imported.Name] = imported.Settings } } };

        // What the mapping writes, before anything is fitted to this build: the real loader, unknown keys and values
        // that do not convert being errors. (Other problems, such as a Glue schema that is not in the input, are the
        // import's to report.)
        InvalidDeliveryConfigurationException? error = Record.Exception(
            () => DeliveryOptionsLoader.Load(new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(root.ToJsonString()))).Build()))
            as InvalidDeliveryConfigurationException;

        string[] unknown = [.. (error?.Errors ?? []).Where(e => e.Problem.Contains("is not a known setting", StringComparison.Ordinal) || e.Problem.Contains("cannot be read as", StringComparison.Ordinal)).Select(e => e.ToString())];
        unknown.ShouldBeEmpty($"{sample}: the importer wrote settings this build does not have");
        ImportFirehoseVerb.Import(document.RootElement).Notes.ShouldNotContain(note => note.Contains("not a setting of this build", StringComparison.Ordinal) || note.Contains("not available in this build", StringComparison.Ordinal));
    }

    [Fact]
    public void AnAllDataHttpEndpointBackup_SurvivesTheImport()
    {
        (ImportResult result, JsonObject pipeline) = Import("http-endpoint-all-data.json", "audit-events-to-splunk");

        result.Problems.ShouldBeEmpty();
        PipelineOptions loaded = Load(result).Pipelines["audit-events-to-splunk"];
        loaded.HttpEndpoint!.S3BackupMode.ShouldBe(HttpBackupMode.AllData, pipeline.ToJsonString());
        DeliveryOptionsRules.BacksUpSourceRecords(loaded).ShouldBeTrue();
        loaded.Backup!.BucketName.ShouldBe("acme-audit-archive");
        loaded.Backup.Prefix.ShouldBe("audit/all/");
        loaded.Backup.ErrorOutputPrefix.ShouldBe("audit/failed/!{firehose:error-output-type}/");
    }

    [Fact]
    public async Task WhatDeliveryDoesNotHave_IsNotedOnStderr_AndLeftOutOfTheConfiguration()
    {
        var output = new StringWriter();
        var error = new StringWriter();

        int exitCode = await ImportFirehoseVerb.RunAsync(["import-firehose", Path.Combine(Samples, "s3-lambda-dynamic-partitioning.json")], output, error);

        exitCode.ShouldBe(0, error.ToString());
        JsonObject pipeline = JsonNode.Parse(output.ToString())!["Delivery"]!["Pipelines"]!["clickstream-to-lake"]!.AsObject();
        pipeline["DynamicPartitioning"]!.AsObject().ContainsKey("RetryDurationSeconds").ShouldBeFalse();
        string notes = error.ToString();
        notes.ShouldContain("note: DynamicPartitioning:RetryDurationSeconds (300)");
        notes.ShouldNotContain("FileExtension", customMessage: "Delivery has FileExtension now: it is carried over, not noted");
    }

    [Fact]
    public async Task InputThatIsNotADescribeDeliveryStreamAnswer_IsRejectedWithTheReason()
    {
        string file = Path.Combine(Path.GetTempPath(), $"not-firehose-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, """{ "StreamDescription": { "StreamName": "x" } }""");
        var output = new StringWriter();
        var error = new StringWriter();

        int exitCode = await ImportFirehoseVerb.RunAsync(["import-firehose", file], output, error);

        exitCode.ShouldBe(2);
        error.ToString().ShouldContain("DeliveryStreamName");
        output.ToString().ShouldBeEmpty();
        File.Delete(file);
    }

    private static (ImportResult Result, JsonObject Pipeline) Import(string sample, string pipeline)
    {
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(Path.Combine(Samples, sample)));
        ImportResult result = ImportFirehoseVerb.Import(document.RootElement);
        return (result, result.Configuration["Delivery"]!["Pipelines"]![pipeline]!.AsObject());
    }

    private static DeliveryOptions Load(ImportResult result, Func<string, string?>? environment = null) =>
        DeliveryOptionsLoader.Load(new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(result.Configuration.ToJsonString()))).Build(), environment);

    /// <summary>The Firehose value is in the imported setting, or a note says it was not carried over.</summary>
    private static void CarriedOverOrNoted(ImportResult result, JsonObject parent, string key, string firehoseValue)
    {
        string? carried = parent[key]?.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        bool noted = result.Notes.Any(note => note.Contains(":" + key + " ", StringComparison.Ordinal) && note.Contains(firehoseValue, StringComparison.Ordinal));
        (carried?.Contains(firehoseValue, StringComparison.Ordinal) == true || noted).ShouldBeTrue($"{key} ({firehoseValue}) is neither carried over nor noted. Notes:\n{string.Join("\n", result.Notes)}");
    }
}
