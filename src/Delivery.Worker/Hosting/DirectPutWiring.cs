using Delivery.DirectPut;
using Delivery.DirectPut.Authentication;
using Delivery.Formats.Compression;
using Delivery.Transforms.Processing;
using Delivery.Worker.Configuration;

namespace Delivery.Worker.Hosting;

/// <summary>What the Direct PUT listener needs from the configuration: the pipelines as delivery streams, and the key pairs.</summary>
internal static class DirectPutWiring
{
    /// <summary>Every pipeline as DescribeDeliveryStream and ListDeliveryStreams show it.</summary>
    public static IReadOnlyList<DeliveryStreamEntry> Streams(DeliveryOptions options) =>
        [.. options.Pipelines.Select(pair => new DeliveryStreamEntry(
            pair.Key,
            options.Aws.Region,
            ProcessingRules.AccountId(pair.Value.Processing),
            pair.Value.Kinesis.StreamName,
            pair.Value.DirectPut?.Enabled == true,
            Destination(pair.Value)))];

    /// <summary>SigV4 with each key pair's secret read from its environment variable, or none when configured so.</summary>
    public static RequestAuthenticator Authenticator(DeliveryOptions options, Func<string, string?> environment)
    {
        DirectPutAuthenticationOptions authentication = options.DirectPut.Authentication;
        if (authentication.Mode == DirectPutAuthenticationMode.None)
        {
            return RequestAuthenticator.Unauthenticated;
        }

        // Validation has checked every variable is set (only an enabled listener needs them).
        Dictionary<string, string> secrets = authentication.Keys.ToDictionary(
            key => key.AccessKeyId, key => environment(key.SecretAccessKeyVariable) ?? "", StringComparer.Ordinal);
        return RequestAuthenticator.SigV4(options.Aws.Region, secrets);
    }

    private static DestinationSummary Destination(PipelineOptions pipeline)
    {
        string errorPrefix = pipeline.EffectiveBackup().ErrorOutputPrefix;
        return pipeline switch
        {
            { S3: { } s3 } => new DestinationSummary(DestinationKind.S3, pipeline.Buffering.SizeInMBs, pipeline.Buffering.IntervalInSeconds)
            {
                BucketName = s3.BucketName,
                Prefix = s3.Prefix,
                ErrorOutputPrefix = errorPrefix,
                CompressionFormat = FirehoseName(s3.CompressionFormat),
            },
            { HttpEndpoint: { } http } => new DestinationSummary(DestinationKind.HttpEndpoint, pipeline.Buffering.SizeInMBs, pipeline.Buffering.IntervalInSeconds)
            {
                Url = http.Url is null ? null : SecretSettings.RedactUrl(http.Url.OriginalString),
            },
            { Redshift: { } redshift } => new DestinationSummary(DestinationKind.Redshift, pipeline.Buffering.SizeInMBs, pipeline.Buffering.IntervalInSeconds)
            {
                Table = redshift.Table,
                BucketName = redshift.IntermediateS3?.BucketName,
                Prefix = redshift.IntermediateS3?.Prefix,
                CompressionFormat = redshift.IntermediateS3 is { } staging ? FirehoseName(staging.CompressionFormat) : null,
            },
            { OpenSearch: { } openSearch } => new DestinationSummary(DestinationKind.AmazonOpenSearchService, pipeline.Buffering.SizeInMBs, pipeline.Buffering.IntervalInSeconds)
            {
                Url = openSearch.RedactedEndpoint(),
                IndexName = openSearch.IndexName,
                TypeName = openSearch.TypeName,
                IndexRotationPeriod = openSearch.IndexRotationPeriod.ToString(),
            },
            { Splunk: { } splunk } => new DestinationSummary(DestinationKind.Splunk, pipeline.Buffering.SizeInMBs, pipeline.Buffering.IntervalInSeconds)
            {
                Url = splunk.RedactedEndpoint(),
                HecEndpointType = splunk.HecEndpointType.ToString(),
                AcknowledgmentTimeoutInSeconds = splunk.HecAcknowledgmentTimeoutInSeconds,
                RetryDurationInSeconds = splunk.RetryDurationSeconds,
                S3BackupMode = splunk.S3BackupMode.ToString(),
            },
            _ => new DestinationSummary(DestinationKind.S3, pipeline.Buffering.SizeInMBs, pipeline.Buffering.IntervalInSeconds),
        };
    }

    private static string FirehoseName(CompressionFormat format) => format switch
    {
        CompressionFormat.Gzip => "GZIP",
        CompressionFormat.Zip => "ZIP",
        CompressionFormat.Snappy => "Snappy",
        CompressionFormat.HadoopSnappy => "HADOOP_SNAPPY",
        _ => "UNCOMPRESSED",
    };
}
