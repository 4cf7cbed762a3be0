using Amazon.Runtime;
using Amazon.S3;
using Delivery.Destinations.Backup;
using Delivery.Destinations.Checks;
using Delivery.Destinations.Http;
using Delivery.Destinations.OpenSearch;
using Delivery.Destinations.Redshift;
using Delivery.Destinations.S3;
using Delivery.Destinations.Splunk;
using Delivery.Telemetry;
using Delivery.Transforms.Processing;
using Delivery.Worker.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Delivery.Worker.Hosting;

/// <summary>Creates each pipeline's destination writer from its validated options; the one place that knows every destination.</summary>
internal static class DestinationWiring
{
    /// <summary>Registers what the configured destinations need before the container is built (HTTP clients, connection pools).</summary>
    public static IServiceCollection AddDestinations(this IServiceCollection services, DeliveryOptions options)
    {
        services.AddS3Destination();
        services.TryAddSingleton<StartupCheckRunner>();
        foreach ((string name, PipelineOptions pipeline) in options.Pipelines)
        {
            if (pipeline.HttpEndpoint is { } http)
            {
                services.AddHttpEndpointDestination(name, http);
            }

            if (pipeline.Redshift is { } redshift)
            {
                services.AddRedshiftDestination(name, redshift);
            }

            if (pipeline.OpenSearch is { } openSearch)
            {
                services.AddOpenSearchDestination(name, openSearch, options.Aws.Region);
            }

            if (pipeline.Splunk is { } splunk)
            {
                services.AddSplunkDestination(name, splunk);
            }
        }

        return services;
    }

    /// <summary>The pipeline's destination writer; <paramref name="telemetry"/> receives what only the writer sees (Splunk's acknowledgement latency).</summary>
    public static IBatchWriter CreateDestinationWriter(IServiceProvider services, DeliveryOptions options, string name, PipelineOptions pipeline, PipelineTelemetry? telemetry = null)
    {
        IAmazonS3 s3 = services.GetRequiredService<IAmazonS3>();
        return pipeline switch
        {
            { S3: { } s3Options } => services.CreateS3BatchWriter(s3Options, s3),
            { HttpEndpoint: { } http } => services.CreateHttpEndpointBatchWriter(
                name, http, http.SourceArn ?? HttpEndpointServiceCollectionExtensions.DefaultSourceArn(options.Aws.Region, name)),
            { Redshift: { } redshift } => services.CreateRedshiftBatchWriter(name, redshift, s3, services.GetService<AWSCredentials>()),
            { OpenSearch: { } openSearch } => services.CreateOpenSearchBatchWriter(name, openSearch),
            { Splunk: { } splunk } => services.CreateSplunkBatchWriter(
                name, splunk, HecToken(splunk) ?? "", telemetry is null ? null : telemetry.DataAcknowledged),
            _ => throw new InvalidOperationException($"Pipeline {name} has no destination; configuration validation should have stopped the worker."),
        };
    }

    /// <summary>
    /// The pipeline's processors and dynamic partitioning in front of its destination writer: what every batch goes
    /// through, whether the worker cut it from a shard or <c>redrive</c> read it from the backup bucket. Plugins load
    /// here: one that cannot load throws with its reason, before anything is read.
    /// </summary>
    public static async Task<IBatchWriter> CreateProcessingWriterAsync(IServiceProvider services, DeliveryOptions options, string name, PipelineOptions pipeline, PipelineTelemetry? telemetry)
    {
        IBatchWriter destination = CreateDestinationWriter(services, options, name, pipeline, telemetry);
        (IReadOnlyList<string> queryKeys, IReadOnlyList<string> lambdaKeys) = S3ObjectKeyBuilder.PartitionKeysIn(pipeline.S3?.Prefix ?? "");
        return await services.CreateProcessingWriterAsync(
            new TransformEnvironment(options.Aws.Region, ProcessingRules.AccountId(pipeline.Processing), name) { Telemetry = telemetry },
            pipeline.Processing,
            pipeline.DynamicPartitioning,
            queryKeys,
            lambdaKeys,
            destination,
            $"Delivery:Pipelines:{name}").ConfigureAwait(false);
    }

    /// <summary>
    /// What to check before the pipeline reads anything, in order: its destination (the bucket; the endpoint; the
    /// staging bucket and the database; the cluster; the collector and its token), then the backup bucket under each prefix the pipeline writes there. Each
    /// check names the setting an operator changes to fix it.
    /// </summary>
    public static IReadOnlyList<IDestinationCheck> CreateChecks(IServiceProvider services, string name, PipelineOptions pipeline)
    {
        string key = $"Delivery:Pipelines:{name}";
        IAmazonS3 s3 = services.GetRequiredService<IAmazonS3>();
        var checks = new List<IDestinationCheck>();
        void AddBucket(string bucket, string prefix, string setting, S3EncryptionConfiguration? encryption) =>
            checks.Add(new S3WriteCheck(s3, bucket, prefix, setting, services.GetRequiredService<ILogger<S3WriteCheck>>(), encryption));

        switch (pipeline)
        {
            case { S3: { } destination }:
                AddBucket(destination.BucketName, destination.Prefix, $"{key}:S3:BucketName", destination.EncryptionConfiguration);
                break;
            case { HttpEndpoint: { } http } when http.EndpointUrl() is { } url:
                string urlSetting = http.Url is null ? $"{key}:HttpEndpoint:Site" : $"{key}:HttpEndpoint:Url";
                checks.Add(new HttpEndpointCheck(url, TimeSpan.FromSeconds(http.ConnectTimeoutSeconds), urlSetting, timeProvider: services.GetService<TimeProvider>()));
                break;
            case { Redshift: { IntermediateS3: { } staging } }:
                AddBucket(staging.BucketName, staging.Prefix, $"{key}:Redshift:IntermediateS3:BucketName", staging.EncryptionConfiguration);
                checks.Add(new RedshiftConnectionCheck(services.GetRequiredKeyedService<NpgsqlDataSource>(name), $"{key}:Redshift:ConnectionString"));
                break;
            case { OpenSearch: { } openSearch }:
                checks.Add(services.CreateOpenSearchCheck(name, openSearch, $"{key}:OpenSearch:Endpoint"));
                break;
            case { Splunk: { } splunk }:
                checks.Add(services.CreateSplunkCheck(name, splunk, HecToken(splunk), $"{key}:Splunk"));
                break;
        }

        // Without a bucket of its own the backup goes to the S3 destination's bucket, so that is the setting to change.
        BackupOptions backup = pipeline.EffectiveBackup();
        string backupSetting = pipeline.Backup?.BucketName is null ? $"{key}:S3:BucketName" : $"{key}:Backup:BucketName";
        AddBucket(backup.BucketName!, backup.ErrorOutputPrefix, backupSetting, backup.EncryptionConfiguration);
        if (DeliveryOptionsRules.BacksUpSourceRecords(pipeline))
        {
            AddBucket(backup.BucketName!, backup.Prefix, backupSetting, backup.EncryptionConfiguration);
        }

        // Prefixes that agree up to their first expression probe the same key: once is enough.
        return [.. checks.DistinctBy(check => check.Target, StringComparer.Ordinal)];
    }

    /// <summary>
    /// <paramref name="writer"/>, wrapped in a source-record backup when the destination's backup mode asks for one. The
    /// wrapper sees the batch as read, so it must be the outermost writer.
    /// </summary>
    public static IBatchWriter WithSourceRecordBackup(IServiceProvider services, PipelineOptions pipeline, IBatchWriter writer)
    {
        if (!DeliveryOptionsRules.BacksUpSourceRecords(pipeline))
        {
            return writer;
        }

        BackupOptions backup = pipeline.EffectiveBackup();
        var sourceBackup = new S3DestinationOptions
        {
            BucketName = backup.BucketName!,
            Prefix = backup.Prefix,
            CompressionFormat = backup.CompressionFormat,
            EncryptionConfiguration = backup.EncryptionConfiguration,
        };
        return new SourceRecordBackupWriter(writer, services.CreateS3BatchWriter(sourceBackup, services.GetRequiredService<IAmazonS3>()));
    }

    /// <summary>Where the pipeline delivers, for the start-up log line; never a secret.</summary>
    public static string Describe(PipelineOptions pipeline) => pipeline switch
    {
        { S3: { } s3 } => $"s3://{s3.BucketName}/{s3.Prefix}",
        { HttpEndpoint: { } http } => http.RedactedUrl(),
        { Redshift: { } redshift } => $"{redshift.Loader} {redshift.Table} via s3://{redshift.IntermediateS3?.BucketName}/{redshift.IntermediateS3?.Prefix}",
        { OpenSearch: { } openSearch } => $"{openSearch.RedactedEndpoint()} index {openSearch.IndexName} ({openSearch.IndexRotationPeriod})",
        { Splunk: { } splunk } => $"Splunk HEC {splunk.HecEndpointType} at {splunk.RedactedEndpoint()}",
        _ => "(no destination)",
    };

    // Validation has checked the variable is set; the start-up check reports it again should it vanish before start.
    private static string? HecToken(SplunkDestinationOptions splunk) => Environment.GetEnvironmentVariable(splunk.HecTokenVariable);
}
