using System.IO.Compression;
using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Delivery.Destinations.S3;
using Delivery.Formats.Compression;
using Delivery.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Delivery.UnitTests.Destinations.S3;

public sealed class S3BatchWriterTests : IDisposable
{
    private const long MiB = 1024 * 1024;
    private readonly CapturingLoggerProvider _logs = new();
    private readonly ILoggerFactory _loggerFactory;

    public S3BatchWriterTests()
    {
        _loggerFactory = LoggerFactory.Create(builder => builder.AddProvider(_logs).SetMinimumLevel(LogLevel.Trace));
    }

    public void Dispose() => _loggerFactory.Dispose();

    [Fact]
    public async Task SmallBatch_IsOnePut_WithoutChunkEncoding_WithMetadata_AndTheGzipBytesAsContent()
    {
        (IAmazonS3 client, FakeS3 fake) = FakeS3.Create();
        byte[]? sent = null;
        fake.On<PutObjectRequest, PutObjectResponse>((request, _) =>
        {
            sent = ReadAll(request.InputStream);
            return Task.FromResult(new PutObjectResponse());
        });
        DeliveryBatch batch = TestBatches.Create();
        S3BatchWriter writer = CreateWriter(client, new S3DestinationOptions { BucketName = "bucket", Prefix = "p/" });

        BatchWriteResult result = await writer.WriteAsync(batch, CancellationToken.None);

        result.AllDelivered.ShouldBeTrue();
        var put = fake.Requests.ShouldHaveSingleItem().ShouldBeOfType<PutObjectRequest>();
        put.BucketName.ShouldBe("bucket");
        put.Key.ShouldBe(writer.KeyFor(batch));
        put.Key.ShouldBe($"p/2026/03/04/03/clicks-1-2026-03-04-03-06-07-{batch.Id}.gz");
        put.UseChunkEncoding.ShouldBeFalse();
        put.AutoCloseStream.ShouldBeFalse();
        put.ContentType.ShouldBe("application/gzip");
        put.Headers.ContentEncoding.ShouldBeNull();
        put.Metadata["x-amz-meta-source-stream"].ShouldBe("orders");
        put.Metadata["x-amz-meta-source-shard"].ShouldBe("shardId-000000000007");
        put.Metadata["x-amz-meta-first-sequence-number"].ShouldBe("4959001");
        put.Metadata["x-amz-meta-last-sequence-number"].ShouldBe("4959009/2");
        put.Metadata["x-amz-meta-record-count"].ShouldBe("3");
        put.Metadata["x-amz-meta-batch-id"].ShouldBe(batch.Id);
        Gunzip(sent!).ShouldBe("{\"n\":1}\n{\"n\":2}\n{\"n\":3}\n"u8.ToArray());
        _logs.Entries.ShouldContain(e => e.EventId.Name == "S3ObjectWritten" && e.Message.Contains(put.Key, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AKeyLongerThanS3Allows_SendsTheRecordsToTheBackupBucket_InsteadOfFailingForever()
    {
        (IAmazonS3 client, FakeS3 fake) = FakeS3.Create();
        S3BatchWriter writer = CreateWriter(client, new S3DestinationOptions { BucketName = "bucket", Prefix = "!{partitionKeyFromQuery:k}/" });
        DeliveryBatch original = TestBatches.Create();
        var partition = new PartitionKeys(new Dictionary<string, string> { ["k"] = new string('k', 1000) }, null);

        BatchWriteResult result = await writer.WriteAsync(new DeliveryBatch(original.DeliveryStreamName, original.Source, original.Records, partition), CancellationToken.None);

        fake.Requests.ShouldBeEmpty();
        result.FailedRecords.Select(f => (f.Index, f.ErrorCode, f.ErrorOutputType)).ShouldBe(
            [(0, "S3.KeyTooLong", ErrorOutputTypes.ProcessingFailed), (1, "S3.KeyTooLong", ErrorOutputTypes.ProcessingFailed), (2, "S3.KeyTooLong", ErrorOutputTypes.ProcessingFailed)]);
    }

    [Fact]
    public async Task Uncompressed_HasNoExtension_AndTheFormattersContentType()
    {
        (IAmazonS3 client, FakeS3 fake) = FakeS3.Create();
        fake.On<PutObjectRequest, PutObjectResponse>((_, _) => Task.FromResult(new PutObjectResponse()));
        S3BatchWriter writer = CreateWriter(client, new S3DestinationOptions { BucketName = "bucket", CompressionFormat = CompressionFormat.Uncompressed });

        await writer.WriteAsync(TestBatches.Create(), CancellationToken.None);

        var put = fake.Requests.ShouldHaveSingleItem().ShouldBeOfType<PutObjectRequest>();
        put.Key.ShouldNotEndWith(".gz");
        put.Key.ShouldEndWith(TestBatches.Source.DeterministicId());
        put.ContentType.ShouldBe("application/x-ndjson");
    }

    [Fact]
    public async Task LargeObject_IsUploadedInPartsOfTheConfiguredSize_CoveringEveryByteInOrder()
    {
        (IAmazonS3 client, FakeS3 fake) = FakeS3.Create();
        var parts = new List<(int Number, long Position, long Size, bool ChunkEncoding)>();
        fake.On<InitiateMultipartUploadRequest, InitiateMultipartUploadResponse>((_, _) => Task.FromResult(new InitiateMultipartUploadResponse { UploadId = "u-1" }))
            .On<UploadPartRequest, UploadPartResponse>((request, _) =>
            {
                parts.Add((request.PartNumber!.Value, request.InputStream.Position, request.PartSize!.Value, request.UseChunkEncoding));
                return Task.FromResult(new UploadPartResponse { ETag = "e" + request.PartNumber });
            })
            .On<CompleteMultipartUploadRequest, CompleteMultipartUploadResponse>((_, _) => Task.FromResult(new CompleteMultipartUploadResponse()));
        DeliveryBatch batch = LargeBatch(12 * MiB);
        var options = new S3DestinationOptions
        {
            BucketName = "bucket", CompressionFormat = CompressionFormat.Uncompressed, MultipartThresholdBytes = 5 * MiB, PartSizeBytes = 5 * MiB,
        };

        await CreateWriter(client, options).WriteAsync(batch, CancellationToken.None);

        long total = 12 * MiB + batch.Records.Count;
        parts.ShouldBe([(1, 0, 5 * MiB, false), (2, 5 * MiB, 5 * MiB, false), (3, 10 * MiB, total - (10 * MiB), false)]);
        var complete = fake.Requests.OfType<CompleteMultipartUploadRequest>().ShouldHaveSingleItem();
        complete.UploadId.ShouldBe("u-1");
        complete.PartETags.Select(p => (p.PartNumber, p.ETag)).ShouldBe([(1, "e1"), (2, "e2"), (3, "e3")]);
        var initiate = fake.Requests.OfType<InitiateMultipartUploadRequest>().ShouldHaveSingleItem();
        initiate.Metadata["x-amz-meta-record-count"].ShouldBe(batch.Records.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        fake.Calls.ShouldNotContain(nameof(IAmazonS3.AbortMultipartUploadAsync));
    }

    [Fact]
    public async Task FailedPart_AbortsTheUpload_AndDoesNotComplete()
    {
        (IAmazonS3 client, FakeS3 fake) = FakeS3.Create();
        fake.On<InitiateMultipartUploadRequest, InitiateMultipartUploadResponse>((_, _) => Task.FromResult(new InitiateMultipartUploadResponse { UploadId = "u-2" }))
            .On<UploadPartRequest, UploadPartResponse>((request, _) => request.PartNumber == 2
                ? throw ServiceError(HttpStatusCode.ServiceUnavailable, "SlowDown")
                : Task.FromResult(new UploadPartResponse { ETag = "e" }))
            .On<AbortMultipartUploadRequest, AbortMultipartUploadResponse>((_, _) => Task.FromResult(new AbortMultipartUploadResponse()));
        var options = new S3DestinationOptions { BucketName = "bucket", MultipartThresholdBytes = 5 * MiB, PartSizeBytes = 5 * MiB, CompressionFormat = CompressionFormat.Uncompressed };

        DeliveryException error = await Should.ThrowAsync<DeliveryException>(() => CreateWriter(client, options).WriteAsync(LargeBatch(11 * MiB), CancellationToken.None));

        error.ErrorCode.ShouldBe("S3.SlowDown");
        error.Kind.ShouldBe(FailureKind.Retryable);
        fake.Requests.OfType<AbortMultipartUploadRequest>().ShouldHaveSingleItem().UploadId.ShouldBe("u-2");
        fake.Calls.ShouldNotContain(nameof(IAmazonS3.CompleteMultipartUploadAsync));
        _logs.Entries.ShouldContain(e => e.EventId.Name == "S3WriteFailed" && e.Message.Contains("S3.SlowDown", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(HttpStatusCode.NotFound, "NoSuchBucket", FailureKind.Permanent)]
    [InlineData(HttpStatusCode.Forbidden, "AccessDenied", FailureKind.Permanent)]
    [InlineData(HttpStatusCode.BadRequest, "InvalidArgument", FailureKind.Permanent)]
    [InlineData(HttpStatusCode.ServiceUnavailable, "SlowDown", FailureKind.Retryable)]
    [InlineData(HttpStatusCode.InternalServerError, "InternalError", FailureKind.Retryable)]
    [InlineData(HttpStatusCode.BadRequest, "RequestTimeout", FailureKind.Retryable)]
    [InlineData(HttpStatusCode.Forbidden, "RequestTimeTooSkewed", FailureKind.Retryable)]
    [InlineData(HttpStatusCode.TooManyRequests, "TooManyRequests", FailureKind.Retryable)]
    public async Task ServiceErrors_BecomeDeliveryExceptions_WithAFirehoseStyleCodeAndKind(HttpStatusCode status, string code, FailureKind kind)
    {
        (IAmazonS3 client, FakeS3 fake) = FakeS3.Create();
        fake.On<PutObjectRequest, PutObjectResponse>((_, _) => throw ServiceError(status, code));

        DeliveryException error = await Should.ThrowAsync<DeliveryException>(() =>
            CreateWriter(client, new S3DestinationOptions { BucketName = "bucket" }).WriteAsync(TestBatches.Create(), CancellationToken.None));

        error.ErrorCode.ShouldBe("S3." + code);
        error.Kind.ShouldBe(kind);
        error.InnerException.ShouldBeOfType<AmazonS3Exception>();
        error.Message.ShouldContain("s3://bucket/");
    }

    [Fact]
    public async Task NetworkErrors_AreRetryable()
    {
        (IAmazonS3 client, FakeS3 fake) = FakeS3.Create();
        fake.On<PutObjectRequest, PutObjectResponse>((_, _) => throw new HttpRequestException("connection refused"));

        DeliveryException error = await Should.ThrowAsync<DeliveryException>(() =>
            CreateWriter(client, new S3DestinationOptions { BucketName = "bucket" }).WriteAsync(TestBatches.Create(), CancellationToken.None));

        error.ErrorCode.ShouldBe("S3.NetworkError");
        error.Kind.ShouldBe(FailureKind.Retryable);
    }

    [Fact]
    public async Task Cancellation_IsNotAFailure()
    {
        (IAmazonS3 client, FakeS3 fake) = FakeS3.Create();
        using var cancellation = new CancellationTokenSource();
        fake.On<PutObjectRequest, PutObjectResponse>(async (_, token) =>
        {
            await cancellation.CancelAsync();
            token.ThrowIfCancellationRequested();
            return new PutObjectResponse();
        });
        S3BatchWriter writer = CreateWriter(client, new S3DestinationOptions { BucketName = "bucket" });

        Exception error = await Should.ThrowAsync<OperationCanceledException>(() => writer.WriteAsync(TestBatches.Create(), cancellation.Token));

        error.ShouldNotBeAssignableTo<DeliveryException>();
        _logs.Entries.ShouldNotContain(e => e.EventId.Name == "S3WriteFailed");
        await Should.ThrowAsync<OperationCanceledException>(() => writer.WriteAsync(TestBatches.Create(), cancellation.Token));
        fake.Calls.Count.ShouldBe(1, "an already cancelled write makes no call");
    }

    [Fact]
    public async Task CancelledMultipartUpload_IsAborted()
    {
        (IAmazonS3 client, FakeS3 fake) = FakeS3.Create();
        using var cancellation = new CancellationTokenSource();
        fake.On<InitiateMultipartUploadRequest, InitiateMultipartUploadResponse>((_, _) => Task.FromResult(new InitiateMultipartUploadResponse { UploadId = "u-3" }))
            .On<UploadPartRequest, UploadPartResponse>(async (_, token) =>
            {
                await cancellation.CancelAsync();
                token.ThrowIfCancellationRequested();
                return new UploadPartResponse();
            })
            .On<AbortMultipartUploadRequest, AbortMultipartUploadResponse>((_, token) =>
            {
                token.IsCancellationRequested.ShouldBeFalse("the abort must not inherit the cancelled token");
                return Task.FromResult(new AbortMultipartUploadResponse());
            });
        var options = new S3DestinationOptions { BucketName = "bucket", MultipartThresholdBytes = 5 * MiB, PartSizeBytes = 5 * MiB, CompressionFormat = CompressionFormat.Uncompressed };

        await Should.ThrowAsync<OperationCanceledException>(() => CreateWriter(client, options).WriteAsync(LargeBatch(6 * MiB), cancellation.Token));

        fake.Requests.OfType<AbortMultipartUploadRequest>().ShouldHaveSingleItem().UploadId.ShouldBe("u-3");
    }

    [Fact]
    public void Constructor_RejectsInvalidOptions_NamingThem()
    {
        (IAmazonS3 client, _) = FakeS3.Create();

        OptionsValidationException error = Should.Throw<OptionsValidationException>(() =>
            CreateWriter(client, new S3DestinationOptions { BucketName = "Bad_Bucket", Prefix = "!{x}" }));

        error.Message.ShouldContain("BucketName");
        error.Message.ShouldContain("Prefix");
    }

    [Fact]
    public void DestinationType_IsS3()
    {
        (IAmazonS3 client, _) = FakeS3.Create();

        CreateWriter(client, new S3DestinationOptions { BucketName = "bucket" }).DestinationType.ShouldBe("s3");
    }

    private S3BatchWriter CreateWriter(IAmazonS3 client, S3DestinationOptions options) =>
        new(options, client, _loggerFactory.CreateLogger<S3BatchWriter>(), timeProvider: new FakeTimeProvider());

    private static DeliveryBatch LargeBatch(long bytes)
    {
        IReadOnlyList<SourceRecord> records = SampleRecords.Random(bytes, (int)MiB);
        return new DeliveryBatch("big", new BatchSource("s", "shard", records[0].Position, records[^1].Position), records);
    }

    private static AmazonS3Exception ServiceError(HttpStatusCode status, string code) =>
        new($"{code} from the fake", ErrorType.Sender, code, "request-1", status);

    private static byte[] ReadAll(Stream stream)
    {
        var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private static byte[] Gunzip(byte[] compressed)
    {
        using var gzip = new GZipStream(new MemoryStream(compressed), CompressionMode.Decompress);
        return ReadAll(gzip);
    }
}
