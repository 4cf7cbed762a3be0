using System.Globalization;
using Amazon.S3;
using Amazon.S3.Model;
using Delivery.Formats;
using Delivery.Formats.Compression;
using Delivery.Formats.Ndjson;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IO;

namespace Delivery.Destinations.S3;

/// <summary>
/// Writes each batch as one S3 object: records formatted and compressed into pooled memory, then one PUT, or a
/// multipart upload from <see cref="S3DestinationOptions.MultipartThresholdBytes"/> on. The key is derived from the
/// batch alone (<see cref="S3ObjectKeyBuilder"/>), so writing a batch again replaces its object. Safe to share between
/// concurrent batches.
/// </summary>
public sealed class S3BatchWriter : IEncodingBatchWriter
{
    private const string StreamTag = "S3BatchWriter";

    // S3's limit on the UTF-8 length of an object key.
    private const int MaxKeyBytes = 1024;

    // Abort runs after the caller's token may already be cancelled (shutdown), so it gets its own short deadline.
    private static readonly TimeSpan AbortTimeout = TimeSpan.FromSeconds(10);

    private static readonly RecyclableMemoryStreamManager SharedStreams = new(new RecyclableMemoryStreamManager.Options
    {
        // Keeps up to this many idle bytes of blocks for the next batch; a burst beyond it goes back to the GC.
        MaximumSmallPoolFreeBytes = 256L * 1024 * 1024,
    });

    private readonly S3DestinationOptions _options;
    private readonly IAmazonS3 _s3;
    private readonly ILogger _logger;
    private readonly RecyclableMemoryStreamManager _streams;
    private readonly TimeProvider _time;
    private readonly IBatchFormatter _formatter;
    private readonly ICompressionCodec _codec;
    private readonly S3ObjectKeyBuilder _keys;
    private readonly string _contentType;

    /// <summary>Creates the writer of one pipeline.</summary>
    /// <param name="options">The pipeline's S3 settings; validated here too, so a bad one throws <see cref="OptionsValidationException"/>.</param>
    /// <param name="s3">A client from <see cref="S3ClientFactory"/>; the writer does not dispose it.</param>
    /// <param name="logger">Receives one debug line per object and a warning per failure.</param>
    /// <param name="streamManager">The pool batch bytes are assembled in; default a pool shared by all S3 writers.</param>
    /// <param name="timeProvider">Measures write durations and bounds aborts; default <see cref="TimeProvider.System"/>.</param>
    /// <param name="codecs">Where the codec for <see cref="S3DestinationOptions.CompressionFormat"/> comes from; default <see cref="CompressionCodecs.BuiltIn"/>.</param>
    public S3BatchWriter(
        S3DestinationOptions options,
        IAmazonS3 s3,
        ILogger<S3BatchWriter> logger,
        RecyclableMemoryStreamManager? streamManager = null,
        TimeProvider? timeProvider = null,
        CompressionCodecs? codecs = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(s3);
        ArgumentNullException.ThrowIfNull(logger);
        codecs ??= CompressionCodecs.BuiltIn;
        ValidateOptionsResult validation = new S3DestinationOptionsValidator(codecs).Validate(Options.DefaultName, options);
        if (validation.Failed)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(S3DestinationOptions), validation.Failures);
        }

        _options = options;
        _s3 = s3;
        _logger = logger;
        _streams = streamManager ?? SharedStreams;
        _time = timeProvider ?? TimeProvider.System;
        _formatter = options.ConvertsFormat
            ? options.DataFormatConversion!.CreateFormatter()
            : new NewlineDelimitedFormatter(options.RecordDelimiter);
        _codec = codecs.Create(options.CompressionFormat, options.CompressionLevel);
        S3KeySettings.TryResolveTimeZone(options.CustomTimeZone, out TimeZoneInfo zone, out _);
        string extension = options.FileExtension is { Length: > 0 } configured ? configured : _formatter.FileExtension + _codec.FileExtension;
        _keys = new S3ObjectKeyBuilder(options.Prefix, extension, zone);
        _contentType = _codec.ContentType ?? _formatter.ContentType;
    }

    public string DestinationType => "s3";

    /// <summary>The key <paramref name="batch"/> is written to.</summary>
    public string KeyFor(DeliveryBatch batch) => _keys.Build(batch);

    /// <summary>
    /// Writes <paramref name="batch"/> as one object. Either the whole object is written or nothing is: a failure throws
    /// <see cref="DeliveryException"/> with <see cref="FailureKind.Retryable"/> (throttling, 5xx, network) or
    /// <see cref="FailureKind.Permanent"/> (such as S3.NoSuchBucket, S3.AccessDenied). Cancellation throws
    /// <see cref="OperationCanceledException"/>. No retries happen here: the SDK retries each call, the pipeline the batch.
    /// With <see cref="S3DestinationOptions.DataFormatConversion"/>, records that do not fit the schema are left out of the
    /// object and returned as <see cref="ErrorOutputTypes.FormatConversionFailed"/>; when none fits, no object is written.
    /// </summary>
    public async Task<BatchWriteResult> WriteAsync(DeliveryBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        cancellationToken.ThrowIfCancellationRequested();
        using EncodedBatch encoded = Encode(batch);
        await encoded.WriteAsync(cancellationToken).ConfigureAwait(false);
        return encoded.FailedRecords.Count == 0 ? BatchWriteResult.Delivered : new BatchWriteResult(encoded.FailedRecords);
    }

    /// <summary>
    /// Formats, converts and compresses <paramref name="batch"/> into pooled memory and names its object, without
    /// writing it: the records left out (conversion failures, or every record when the key is too long) are known first.
    /// </summary>
    public EncodedBatch Encode(DeliveryBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        long started = _time.GetTimestamp();
        string key = _keys.Build(batch);
        if (System.Text.Encoding.UTF8.GetByteCount(key) > MaxKeyBytes)
        {
            // S3 would refuse the key on every attempt; retrying the batch could never end, so its records are backed up.
            string message = $"The object key would be longer than S3's {MaxKeyBytes} bytes (partition key values too long?): {key[..Math.Min(key.Length, 200)]}...";
            return new S3EncodedBatch(this, batch, [.. Enumerable.Range(0, batch.Records.Count).Select(i => new FailedRecord(i, "S3.KeyTooLong", message, ErrorOutputTypes.ProcessingFailed))]);
        }

        RecyclableMemoryStream body = Encode(batch, out FormatResult formatted);
        IReadOnlyList<FailedRecord> failed = ConversionFailures(batch, key, formatted);
        if (formatted.RecordsWritten == 0)
        {
            // Nothing converted: an object without rows would only add an empty file for engines to open.
            body.Dispose();
            return new S3EncodedBatch(this, batch, failed);
        }

        return new S3EncodedBatch(this, batch, failed, new Upload(_options.BucketName, key, batch, body, formatted.RecordsWritten, started));
    }

    private IReadOnlyList<FailedRecord> ConversionFailures(DeliveryBatch batch, string key, FormatResult formatted)
    {
        if (formatted.Failures.Count == 0)
        {
            return [];
        }

        var failed = new List<FailedRecord>(formatted.Failures.Count);
        foreach (RecordFormatFailure failure in formatted.Failures)
        {
            failed.Add(new FailedRecord(failure.Index, failure.ErrorCode, failure.ErrorMessage, ErrorOutputTypes.FormatConversionFailed));
        }

        RecordFormatFailure first = formatted.Failures[0];
        Log.RecordsNotConverted(_logger, formatted.Failures.Count, batch.Records.Count, key, batch.Records[first.Index].Position.ToString(), first.ErrorMessage);
        return failed;
    }

    private RecyclableMemoryStream Encode(DeliveryBatch batch, out FormatResult formatted)
    {
        RecyclableMemoryStream body = _streams.GetStream(StreamTag);
        try
        {
            using (Stream compressor = _codec.CreateCompressor(body))
            {
                formatted = _formatter.Write(batch.Records, compressor);
            }

            body.Position = 0;
            return body;
        }
        catch
        {
            body.Dispose();
            throw;
        }
    }

    private async Task<int> PutAsync(Upload upload, CancellationToken cancellationToken)
    {
        var request = new PutObjectRequest
        {
            BucketName = upload.Bucket,
            Key = upload.Key,
            InputStream = upload.Body,
            AutoCloseStream = false,
            ContentType = _contentType,

            // Over plain HTTP the SDK would send aws-chunked framing, which some S3-compatible servers store as the bytes.
            UseChunkEncoding = false,
        };
        AddMetadata(request.Metadata, upload.Batch);
        _options.EncryptionConfiguration?.ApplyTo(request);
        await CallAsync(upload, "PutObject", () => _s3.PutObjectAsync(request, cancellationToken), cancellationToken).ConfigureAwait(false);
        return 1;
    }

    private async Task<int> PutMultipartAsync(Upload upload, CancellationToken cancellationToken)
    {
        var initiate = new InitiateMultipartUploadRequest { BucketName = upload.Bucket, Key = upload.Key, ContentType = _contentType };
        AddMetadata(initiate.Metadata, upload.Batch);
        _options.EncryptionConfiguration?.ApplyTo(initiate);
        InitiateMultipartUploadResponse started = await CallAsync(
            upload, "CreateMultipartUpload", () => _s3.InitiateMultipartUploadAsync(initiate, cancellationToken), cancellationToken).ConfigureAwait(false);
        try
        {
            List<PartETag> parts = await UploadPartsAsync(upload, started.UploadId, cancellationToken).ConfigureAwait(false);
            var complete = new CompleteMultipartUploadRequest { BucketName = upload.Bucket, Key = upload.Key, UploadId = started.UploadId, PartETags = parts };
            await CallAsync(upload, "CompleteMultipartUpload", () => _s3.CompleteMultipartUploadAsync(complete, cancellationToken), cancellationToken).ConfigureAwait(false);
            return parts.Count;
        }
        catch
        {
            await AbortAsync(upload, started.UploadId).ConfigureAwait(false);
            throw;
        }
    }

    private async Task<List<PartETag>> UploadPartsAsync(Upload upload, string uploadId, CancellationToken cancellationToken)
    {
        long length = upload.Body.Length;
        var parts = new List<PartETag>((int)((length + _options.PartSizeBytes - 1) / _options.PartSizeBytes));
        for (long offset = 0; offset < length; offset += _options.PartSizeBytes)
        {
            int partNumber = parts.Count + 1;

            // The SDK sends PartSize bytes from the stream's current position (and rewinds to it on its own retries).
            upload.Body.Position = offset;
            var request = new UploadPartRequest
            {
                BucketName = upload.Bucket,
                Key = upload.Key,
                UploadId = uploadId,
                PartNumber = partNumber,
                InputStream = upload.Body,
                PartSize = Math.Min(_options.PartSizeBytes, length - offset),
                UseChunkEncoding = false,
            };
            UploadPartResponse response = await CallAsync(
                upload, "UploadPart", () => _s3.UploadPartAsync(request, cancellationToken), cancellationToken).ConfigureAwait(false);
            parts.Add(new PartETag(partNumber, response.ETag));
        }

        return parts;
    }

    private async Task AbortAsync(Upload upload, string uploadId)
    {
        using var timeout = new CancellationTokenSource(AbortTimeout, _time);
        try
        {
            var request = new AbortMultipartUploadRequest { BucketName = upload.Bucket, Key = upload.Key, UploadId = uploadId };
            await _s3.AbortMultipartUploadAsync(request, timeout.Token).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Best effort: the upload's own failure is what the caller must see, not the cleanup's.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            Log.MultipartAbortFailed(_logger, upload.Bucket, upload.Key, uploadId, exception);
        }
    }

    private async Task<T> CallAsync<T>(Upload upload, string operation, Func<Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested &&
            S3Failures.Classify(exception, operation, upload.Bucket, upload.Key) is { } failure)
        {
            Log.WriteFailed(_logger, upload.Bucket, upload.Key, upload.Batch.Records.Count, operation, failure.ErrorCode, failure.Kind, exception);
            throw failure;
        }
    }

    private static void AddMetadata(MetadataCollection metadata, DeliveryBatch batch)
    {
        // The SDK prefixes each name with x-amz-meta-. Values identify the batch's source, for tracing an object back.
        metadata.Add("delivery-stream", batch.DeliveryStreamName);
        metadata.Add("source-stream", batch.Source.StreamName);
        S3SourceMetadata.Add(metadata, batch, withRange: true);
        metadata.Add("record-count", batch.Records.Count.ToString(CultureInfo.InvariantCulture));
        metadata.Add("batch-id", batch.Id);
    }

    private async Task UploadAsync(Upload upload, CancellationToken cancellationToken)
    {
        upload.Body.Position = 0;
        int parts = upload.Body.Length < _options.MultipartThresholdBytes
            ? await PutAsync(upload, cancellationToken).ConfigureAwait(false)
            : await PutMultipartAsync(upload, cancellationToken).ConfigureAwait(false);
        Log.ObjectWritten(_logger, upload.Bucket, upload.Key, upload.Body.Length, upload.Records, parts, _time.GetElapsedTime(upload.Started).TotalMilliseconds);
    }

    // Records and Started are for the log line; its duration covers encoding and writing.
    private sealed record Upload(string Bucket, string Key, DeliveryBatch Batch, RecyclableMemoryStream Body, int Records, long Started);

    /// <summary>A batch encoded for S3: its object's bytes and key, or nothing to write when every record was left out.</summary>
    private sealed class S3EncodedBatch(S3BatchWriter writer, DeliveryBatch batch, IReadOnlyList<FailedRecord> failed, Upload? upload = null)
        : EncodedBatch(batch, failed)
    {
        public override Task WriteAsync(CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return upload is null ? Task.CompletedTask : writer.UploadAsync(upload, cancellationToken);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                upload?.Body.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
