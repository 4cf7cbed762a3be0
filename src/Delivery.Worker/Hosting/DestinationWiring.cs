using Amazon.Runtime;
using Amazon.S3;
using Delivery.Destinations.Backup;
using Delivery.Destinations.Http;
using Delivery.Destinations.Redshift;
using Delivery.Destinations.S3;
using Delivery.Worker.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Delivery.Worker.Hosting;

/// <summary>Creates each pipeline's destination writer from its validated options; the one place that knows every destination.</summary>
internal static class DestinationWiring
{
    /// <summary>Registers what the configured destinations need before the container is built (HTTP clients, connection pools).</summary>
    public static IServiceCollection AddDestinations(this IServiceCollection services, DeliveryOptions options)
    {
        services.AddS3Destination();
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
        }

        return services;
    }

    /// <summary>The pipeline's destination writer.</summary>
    public static IBatchWriter CreateDestinationWriter(IServiceProvider services, DeliveryOptions options, string name, PipelineOptions pipeline)
    {
        IAmazonS3 s3 = services.GetRequiredService<IAmazonS3>();
        return pipeline switch
        {
            { S3: { } s3Options } => services.CreateS3BatchWriter(s3Options, s3),
            { HttpEndpoint: { } http } => services.CreateHttpEndpointBatchWriter(
                name, http, http.SourceArn ?? HttpEndpointServiceCollectionExtensions.DefaultSourceArn(options.Aws.Region, name)),
            { Redshift: { } redshift } => services.CreateRedshiftBatchWriter(name, redshift, s3, services.GetService<AWSCredentials>()),
            _ => throw new InvalidOperationException($"Pipeline {name} has no destination; configuration validation should have stopped the worker."),
        };
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
        var sourceBackup = new S3DestinationOptions { BucketName = backup.BucketName!, Prefix = backup.Prefix, CompressionFormat = backup.CompressionFormat };
        return new SourceRecordBackupWriter(writer, services.CreateS3BatchWriter(sourceBackup, services.GetRequiredService<IAmazonS3>()));
    }

    /// <summary>Where the pipeline delivers, for the start-up log line; never a secret.</summary>
    public static string Describe(PipelineOptions pipeline) => pipeline switch
    {
        { S3: { } s3 } => $"s3://{s3.BucketName}/{s3.Prefix}",
        { HttpEndpoint: { } http } => http.RedactedUrl(),
        { Redshift: { } redshift } => $"{redshift.Loader} {redshift.Table} via s3://{redshift.IntermediateS3?.BucketName}/{redshift.IntermediateS3?.Prefix}",
        _ => "(no destination)",
    };
}
