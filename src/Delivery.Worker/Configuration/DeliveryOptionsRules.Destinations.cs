using Delivery.Destinations.Backup;
using Delivery.Destinations.Http;
using Delivery.Destinations.OpenSearch;
using Delivery.Destinations.Redshift;
using Delivery.Destinations.S3;
using Delivery.Destinations.Splunk;

namespace Delivery.Worker.Configuration;

/// <summary>The destination rules: exactly one destination per pipeline, each valid, and a source backup that cannot land on it.</summary>
public static partial class DeliveryOptionsRules
{
    /// <summary>How many destinations the pipeline configures; exactly one is valid.</summary>
    public static int DestinationCount(PipelineOptions pipeline)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        return (pipeline.S3 is null ? 0 : 1) + (pipeline.HttpEndpoint is null ? 0 : 1) + (pipeline.Redshift is null ? 0 : 1) + (pipeline.OpenSearch is null ? 0 : 1)
            + (pipeline.Splunk is null ? 0 : 1);
    }

    /// <summary>
    /// True when every source record is also written to the backup bucket (S3/Redshift Enabled, HTTP AllData, OpenSearch
    /// AllDocuments, Splunk AllEvents).
    /// </summary>
    public static bool BacksUpSourceRecords(PipelineOptions pipeline)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        return pipeline.S3?.S3BackupMode == SourceRecordBackup.Enabled
            || pipeline.Redshift?.S3BackupMode == SourceRecordBackup.Enabled
            || pipeline.HttpEndpoint?.S3BackupMode == HttpBackupMode.AllData
            || pipeline.OpenSearch?.S3BackupMode == OpenSearchBackupMode.AllDocuments
            || pipeline.Splunk?.S3BackupMode == SplunkBackupMode.AllEvents;
    }

    private static void ValidateDestination(string path, string name, PipelineOptions pipeline, List<ConfigurationValidationError> errors)
    {
        switch (DestinationCount(pipeline))
        {
            case 0:
                errors.Add(new(path, "has no destination: configure one of S3 (BucketName at least), HttpEndpoint (Url, or Preset and Site), Redshift, OpenSearch (Endpoint and IndexName at least) or Splunk (HecEndpoint and HecTokenVariable at least)."));
                return;
            case > 1:
                errors.Add(new(path, "has more than one destination: configure exactly one of S3, HttpEndpoint, Redshift, OpenSearch and Splunk."));
                return;
        }

        if (pipeline.S3 is { } s3)
        {
            AddDestinationRules($"{path}:S3", new S3DestinationOptionsValidator().Validate(name, s3), errors);
            BackupPrefix effective = new(pipeline.EffectiveBackup().BucketName, pipeline.Backup?.Prefix ?? "");
            if (s3.S3BackupMode == SourceRecordBackup.Enabled && effective == new BackupPrefix(s3.BucketName, s3.Prefix))
            {
                errors.Add(new($"{path}:Backup:Prefix",
                    $"source-record backup would write to the destination's own objects (s3://{s3.BucketName}/{s3.Prefix}): give Backup a different BucketName or Prefix."));
            }
        }

        if (pipeline.HttpEndpoint is { } http)
        {
            AddDestinationRules($"{path}:HttpEndpoint", new HttpEndpointOptionsValidator().Validate(name, http), errors);
            if (pipeline.Buffering.SizeInMBs > HttpEndpointOptions.MaxBufferSizeInMBs)
            {
                errors.Add(new($"{path}:Buffering:SizeInMBs",
                    $"value '{pipeline.Buffering.SizeInMBs}' is too large for an HTTP endpoint: its buffer is 1 to {HttpEndpointOptions.MaxBufferSizeInMBs} MiB, as in Firehose."));
            }
        }

        if (pipeline.Redshift is { } redshift)
        {
            AddDestinationRules($"{path}:Redshift", new RedshiftDestinationOptionsValidator().Validate(name, redshift), errors);
        }

        if (pipeline.OpenSearch is { } openSearch)
        {
            AddDestinationRules($"{path}:OpenSearch", new OpenSearchDestinationOptionsValidator().Validate(name, openSearch), errors);
            if (pipeline.Buffering.SizeInMBs > OpenSearchDestinationOptions.MaxBufferSizeInMBs)
            {
                errors.Add(new($"{path}:Buffering:SizeInMBs",
                    $"value '{pipeline.Buffering.SizeInMBs}' is too large for OpenSearch: its buffer is 1 to {OpenSearchDestinationOptions.MaxBufferSizeInMBs} MiB, as in Firehose."));
            }
        }

        if (pipeline.Splunk is { } splunk)
        {
            AddDestinationRules($"{path}:Splunk", new SplunkDestinationOptionsValidator().Validate(name, splunk), errors);
            if (pipeline.Buffering.SizeInMBs > SplunkDestinationOptions.MaxBufferSizeInMBs)
            {
                errors.Add(new($"{path}:Buffering:SizeInMBs",
                    $"value '{pipeline.Buffering.SizeInMBs}' is too large for Splunk: its buffer is 1 to {SplunkDestinationOptions.MaxBufferSizeInMBs} MiB, as in Firehose."));
            }
        }
    }

    private readonly record struct BackupPrefix(string? Bucket, string Prefix);
}
