using Amazon.S3;
using Amazon.S3.Model;
using Delivery.Destinations.S3;
using Delivery.Formats.Compression;
using Microsoft.Extensions.Logging;

namespace Delivery.Destinations.Backup;

/// <summary>
/// Writes failed records to the backup bucket: one object per batch and error output type, keyed from the batch id and
/// the type (<see cref="S3ObjectKeyBuilder.ForErrorOutput"/>), so a retried or replayed batch replaces its own backup
/// object. No retries happen here: the SDK retries each call, the pipeline the whole write.
/// </summary>
public sealed class S3BackupWriter : IBackupWriter
{
    private readonly string _bucket;
    private readonly IAmazonS3 _s3;
    private readonly ICompressionCodec _codec;
    private readonly S3ObjectKeyBuilder _keys;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly S3EncryptionConfiguration? _encryption;

    /// <summary>Creates the backup writer of one pipeline.</summary>
    /// <param name="options">Validated options; <see cref="BackupOptions.BucketName"/> must be set (the host fills in the S3 destination's bucket).</param>
    /// <param name="s3">The client; not disposed here.</param>
    /// <param name="timeProvider">Stamps attemptEndingTimestamp.</param>
    /// <param name="logger">Receives a line per backup object and per failure.</param>
    /// <param name="codecs">Where the codec comes from; default <see cref="CompressionCodecs.BuiltIn"/>.</param>
    public S3BackupWriter(BackupOptions options, IAmazonS3 s3, TimeProvider timeProvider, ILogger<S3BackupWriter> logger, CompressionCodecs? codecs = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(s3);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentException.ThrowIfNullOrEmpty(options.BucketName, nameof(options) + "." + nameof(BackupOptions.BucketName));
        _bucket = options.BucketName;
        _s3 = s3;
        _time = timeProvider;
        _logger = logger;
        _codec = (codecs ?? CompressionCodecs.BuiltIn).Create(options.CompressionFormat);
        _keys = S3ObjectKeyBuilder.ForErrorOutput(options.ErrorOutputPrefix, _codec.FileExtension);
        _encryption = options.EncryptionConfiguration;
    }

    public string BucketName => _bucket;

    /// <summary>The key the failed records of <paramref name="batch"/> with <paramref name="errorOutputType"/> go to.</summary>
    public string KeyFor(DeliveryBatch batch, string errorOutputType) => _keys.Build(batch, errorOutputType);

    public async Task WriteFailedAsync(DeliveryBatch batch, string errorOutputType, IReadOnlyList<FailedRecord> records, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(records);
        string key = _keys.Build(batch, errorOutputType);
        using var body = new MemoryStream();
        using (Stream compressor = _codec.CreateCompressor(body))
        {
            FailedRecordFormatter.Write(batch, records, _time.GetUtcNow(), compressor);
        }

        body.Position = 0;
        var request = new PutObjectRequest
        {
            BucketName = _bucket,
            Key = key,
            InputStream = body,
            AutoCloseStream = false,
            ContentType = _codec.ContentType ?? "application/x-ndjson",
            UseChunkEncoding = false,
        };
        request.Metadata.Add("delivery-stream", batch.DeliveryStreamName);
        S3SourceMetadata.Add(request.Metadata, batch, withRange: false);
        request.Metadata.Add("batch-id", batch.Id);
        request.Metadata.Add("error-output-type", errorOutputType);
        _encryption?.ApplyTo(request);
        try
        {
            await _s3.PutObjectAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested &&
            S3Failures.Classify(exception, "PutObject", _bucket, key) is { } failure)
        {
            Log.BackupWriteFailed(_logger, _bucket, key, records.Count, failure.ErrorCode, exception);
            throw failure;
        }

        Log.BackupWritten(_logger, _bucket, key, records.Count, errorOutputType);
    }
}
