using System.ComponentModel.DataAnnotations;
using Delivery.Destinations.Backup;
using Delivery.Destinations.Http;
using Delivery.Destinations.OpenSearch;
using Delivery.Destinations.Redshift;
using Delivery.Destinations.S3;
using Delivery.Destinations.Splunk;
using Delivery.DirectPut;
using Delivery.Kinesis;
using Delivery.Pipeline.Buffering;
using Delivery.Transforms.Processing;

namespace Delivery.Worker.Configuration;

/// <summary>One delivery pipeline: a Kinesis stream read into one destination.</summary>
public sealed class PipelineOptions
{
    [Required]
    public KinesisSourceOptions Kinesis { get; set; } = new();

    /// <summary>Size and interval that cut a shard's buffer into a batch (Firehose's buffering hints).</summary>
    [Required]
    public BufferingHints Buffering { get; set; } = new();

    /// <summary>Batches of this pipeline written at once. Default 4; 1 to 64.</summary>
    [Range(1, 64)]
    public int MaxConcurrentDeliveries { get; set; } = 4;

    /// <summary>The S3 destination. Exactly one destination is configured per pipeline.</summary>
    public S3DestinationOptions? S3 { get; set; }

    /// <summary>The HTTP endpoint destination (Firehose HTTP endpoint protocol).</summary>
    public HttpEndpointOptions? HttpEndpoint { get; set; }

    /// <summary>The Redshift destination, or PostgreSQL through the same COPY staging.</summary>
    public RedshiftDestinationOptions? Redshift { get; set; }

    /// <summary>The OpenSearch destination: Amazon OpenSearch Service, OpenSearch or Elasticsearch through the _bulk API.</summary>
    public OpenSearchDestinationOptions? OpenSearch { get; set; }

    /// <summary>The Splunk destination: HTTP Event Collector with indexer acknowledgement.</summary>
    public SplunkDestinationOptions? Splunk { get; set; }

    /// <summary>Processors (built-in, Lambda, HTTP, plugins) applied to every batch before it is written. Default none.</summary>
    public ProcessingOptions? Processing { get; set; }

    /// <summary>One object per set of partition key values (S3 only). Default off.</summary>
    public DynamicPartitioningOptions? DynamicPartitioning { get; set; }

    /// <summary>
    /// Accept PutRecord and PutRecordBatch under the pipeline's name through the Direct PUT listener, storing the
    /// records in <see cref="Kinesis"/>'s stream. Default off.
    /// </summary>
    public PipelineDirectPutOptions? DirectPut { get; set; }

    /// <summary>
    /// The backup bucket for failed records. Optional with an S3 destination (failed records then go to its bucket under
    /// <see cref="BackupOptions.ErrorOutputPrefix"/>); required with any other destination.
    /// </summary>
    public BackupOptions? Backup { get; set; }

    /// <summary>
    /// The backup settings in effect: <see cref="Backup"/>, with the S3 destination's bucket (and, unless it sets its
    /// own, its encryption) when it names no bucket.
    /// </summary>
    public BackupOptions EffectiveBackup()
    {
        BackupOptions backup = Backup ?? new BackupOptions();
        if (string.IsNullOrEmpty(backup.BucketName) && S3 is not null)
        {
            return backup.WithBucketName(S3.BucketName, S3.EncryptionConfiguration);
        }

        return backup;
    }
}
