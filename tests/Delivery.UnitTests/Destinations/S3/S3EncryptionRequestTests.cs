using System.Net;
using System.Text;
using Amazon.Runtime;
using Amazon.S3;
using Delivery.Destinations.Backup;
using Delivery.Destinations.Redshift;
using Delivery.Destinations.S3;
using Delivery.Formats.Compression;
using Delivery.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Delivery.UnitTests.Destinations.S3;

/// <summary>
/// SSE-KMS as the AWS SDK puts it on the wire. s3rver, the S3 the integration tests write to, keeps only a fixed list
/// of headers and drops <c>x-amz-server-side-encryption*</c> without a word, so there is nothing to read back there: the
/// requests are checked here, against a recording HTTP handler that answers as S3 does.
/// </summary>
public sealed class S3EncryptionRequestTests : IDisposable
{
    private const string KeyArn = "arn:aws:kms:eu-central-1:123456789012:key/1a2b3c4d-5e6f-7a8b-9c0d-112233445566";
    private const string SseHeader = "x-amz-server-side-encryption";
    private const string KeyHeader = "x-amz-server-side-encryption-aws-kms-key-id";

    private readonly S3Wire _wire = new();
    private readonly AmazonS3Client _s3;

    public S3EncryptionRequestTests()
    {
        AmazonS3Config config = S3ClientFactory.CreateConfig("eu-central-1", new Uri("http://s3.test"));
        config.HttpClientFactory = _wire;
        _s3 = new AmazonS3Client(new BasicAWSCredentials("AKIDEXAMPLE", "secret"), config);
    }

    private static S3EncryptionConfiguration Kms => new() { KMSEncryptionConfig = new KmsEncryptionConfig { AWSKMSKeyARN = KeyArn } };

    [Fact]
    public async Task APut_AsksForSseKms_WithTheKey()
    {
        var writer = new S3BatchWriter(new S3DestinationOptions { BucketName = "events", EncryptionConfiguration = Kms }, _s3, NullLogger<S3BatchWriter>.Instance);

        (await writer.WriteAsync(TestBatches.Create(), CancellationToken.None)).AllDelivered.ShouldBeTrue();

        WireRequest put = _wire.Requests.ShouldHaveSingleItem();
        put.Method.ShouldBe("PUT");
        put.Header(SseHeader).ShouldBe("aws:kms");
        put.Header(KeyHeader).ShouldBe(KeyArn);
        put.SignedHeaders.ShouldContain(SseHeader, "S3 refuses an encryption header the signature does not cover");
        put.SignedHeaders.ShouldContain(KeyHeader);
    }

    [Fact]
    public async Task AMultipartUpload_AsksForTheKeyWhenItStarts_AndNotInItsParts()
    {
        var options = new S3DestinationOptions
        {
            BucketName = "events",
            CompressionFormat = CompressionFormat.Uncompressed,
            MultipartThresholdBytes = S3DestinationOptions.MinPartSizeBytes,
            PartSizeBytes = S3DestinationOptions.MinPartSizeBytes,
            EncryptionConfiguration = Kms,
        };
        var writer = new S3BatchWriter(options, _s3, NullLogger<S3BatchWriter>.Instance);

        (await writer.WriteAsync(LargeBatch(megabytes: 6), CancellationToken.None)).AllDelivered.ShouldBeTrue();

        _wire.Requests.Select(r => r.Operation).ShouldBe(["CreateMultipartUpload", "UploadPart", "UploadPart", "CompleteMultipartUpload"]);
        WireRequest initiate = _wire.Requests[0];
        initiate.Header(SseHeader).ShouldBe("aws:kms");
        initiate.Header(KeyHeader).ShouldBe(KeyArn);
        _wire.Requests.Skip(1).ShouldAllBe(r => r.Header(SseHeader) == null && r.Header(KeyHeader) == null);
    }

    [Theory]
    [InlineData("AES256")]
    [InlineData("aws:kms")]
    public async Task ServerSideEncryptionWithoutAKey_SendsTheMethodAlone(string method)
    {
        var encryption = new S3EncryptionConfiguration { ServerSideEncryption = method };
        var writer = new S3BatchWriter(new S3DestinationOptions { BucketName = "events", EncryptionConfiguration = encryption }, _s3, NullLogger<S3BatchWriter>.Instance);

        (await writer.WriteAsync(TestBatches.Create(), CancellationToken.None)).AllDelivered.ShouldBeTrue();

        WireRequest put = _wire.Requests.ShouldHaveSingleItem();
        put.Header(SseHeader).ShouldBe(method);
        put.Header(KeyHeader).ShouldBeNull("without a key S3 uses its own (AES256) or the account's aws/s3 key (aws:kms)");
        put.SignedHeaders.ShouldContain(SseHeader);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task WithoutAKmsKey_NoEncryptionHeaderIsSent_SoTheBucketsDefaultApplies(bool sayNoEncryption)
    {
        S3EncryptionConfiguration? none = sayNoEncryption ? new S3EncryptionConfiguration { NoEncryptionConfig = S3EncryptionConfiguration.NoEncryption } : null;
        var writer = new S3BatchWriter(new S3DestinationOptions { BucketName = "events", EncryptionConfiguration = none }, _s3, NullLogger<S3BatchWriter>.Instance);

        await writer.WriteAsync(TestBatches.Create(), CancellationToken.None);

        _wire.Requests.ShouldHaveSingleItem().Headers.Keys.ShouldNotContain(name => name.StartsWith(SseHeader, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task FailedRecords_AreEncryptedWithTheBackupsKey()
    {
        var backup = new S3BackupWriter(
            new BackupOptions { BucketName = "failed", EncryptionConfiguration = Kms }, _s3, new FakeTimeProvider(), NullLogger<S3BackupWriter>.Instance);

        await backup.WriteFailedAsync(TestBatches.Create(), ErrorOutputTypes.ProcessingFailed, [new FailedRecord(0, "Lambda.Failed", "boom", ErrorOutputTypes.ProcessingFailed)], CancellationToken.None);

        WireRequest put = _wire.Requests.ShouldHaveSingleItem();
        put.Path.ShouldStartWith("/failed/processing-failed/");
        put.Header(KeyHeader).ShouldBe(KeyArn);
    }

    [Fact]
    public async Task TheStartUpProbe_IsWrittenWithTheSameEncryption_SoAKeyTheWorkerMayNotUseFailsAtStart()
    {
        var check = new S3WriteCheck(_s3, "events", "logs/", "Delivery:Pipelines:events:S3:BucketName", NullLogger<S3WriteCheck>.Instance, Kms);

        (await check.RunAsync(CancellationToken.None)).ShouldBe(Delivery.Destinations.Checks.CheckOutcome.Ok);

        WireRequest probe = _wire.Requests.First(r => r.Method == "PUT");
        probe.Path.ShouldBe("/events/logs/.delivery-write-check");
        probe.Header(SseHeader).ShouldBe("aws:kms");
        probe.Header(KeyHeader).ShouldBe(KeyArn);
    }

    [Fact]
    public async Task RedshiftStaging_EncryptsTheStagedObjectAndItsManifests()
    {
        var staging = new S3DestinationOptions { BucketName = "staging", Prefix = "orders/", EncryptionConfiguration = Kms };
        var redshift = new RedshiftDestinationOptions { ConnectionString = "Host=x", Table = "orders", IntermediateS3 = staging };
        var stager = new RedshiftStager(redshift, new S3BatchWriter(staging, _s3, NullLogger<S3BatchWriter>.Instance), _s3);
        DeliveryBatch batch = TestBatches.Create();

        StagedBatch staged = await stager.StageAsync(batch, CancellationToken.None);
        await stager.WriteErrorManifestAsync(batch, staged, CancellationToken.None);

        _wire.Requests.Select(r => r.Path).ShouldBe([$"/staging/{staged.DataKey}", $"/staging/{staged.ManifestKey}", _wire.Requests[2].Path]);
        _wire.Requests[2].Path.ShouldStartWith("/staging/errors/manifests/");
        _wire.Requests.ShouldAllBe(r => r.Header(KeyHeader) == KeyArn && r.Header(SseHeader) == "aws:kms");
    }

    public void Dispose() => _s3.Dispose();

    private static DeliveryBatch LargeBatch(int megabytes)
    {
        var random = new Random(5);
        SourceRecord[] records = [.. Enumerable.Range(0, megabytes).Select(i =>
        {
            byte[] data = new byte[1024 * 1024];
            random.NextBytes(data);
            return new SourceRecord(new ShardPosition("100", i), "k", new DateTimeOffset(2026, 3, 4, 3, 6, 7, TimeSpan.Zero), data);
        })];
        return new DeliveryBatch("events", new BatchSource("orders", "shardId-000000000001", new ShardPosition("100"), new ShardPosition("100", megabytes - 1)), records);
    }

    /// <summary>One request as it left the SDK: method, path, operation, headers and the headers its signature covers.</summary>
    private sealed record WireRequest(string Method, string Path, string Operation, IReadOnlyDictionary<string, string> Headers, IReadOnlyList<string> SignedHeaders)
    {
        public string? Header(string name) => Headers.TryGetValue(name, out string? value) ? value : null;
    }

    /// <summary>Records every request the S3 client sends and answers each as S3 would, with the least S3's answers need.</summary>
    private sealed class S3Wire : HttpClientFactory
    {
        private readonly HttpClient _client;

        public S3Wire() => _client = new HttpClient(new Handler(this));

        public List<WireRequest> Requests { get; } = [];

        public override HttpClient CreateHttpClient(IClientConfig clientConfig) => _client;

        public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => false;

        public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => false;

        private sealed class Handler(S3Wire wire) : HttpMessageHandler
        {
            protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                if (request.Content is not null)
                {
                    await request.Content.ReadAsByteArrayAsync(cancellationToken);
                }

                var headers = request.Headers.Concat(request.Content?.Headers ?? Enumerable.Empty<KeyValuePair<string, IEnumerable<string>>>())
                    .ToDictionary(h => h.Key.ToLowerInvariant(), h => string.Join(",", h.Value), StringComparer.OrdinalIgnoreCase);
                string authorization = headers.GetValueOrDefault("authorization") ?? "";
                int signed = authorization.IndexOf("SignedHeaders=", StringComparison.Ordinal);
                string[] signedHeaders = signed < 0 ? [] : authorization[(signed + "SignedHeaders=".Length)..].Split(',')[0].Split(';');
                string query = request.RequestUri!.Query;
                string operation = (request.Method.Method, query) switch
                {
                    ("POST", var q) when q.Contains("uploads", StringComparison.Ordinal) => "CreateMultipartUpload",
                    ("POST", _) => "CompleteMultipartUpload",
                    ("PUT", var q) when q.Contains("partNumber", StringComparison.Ordinal) => "UploadPart",
                    ("PUT", _) => "PutObject",
                    ("DELETE", _) => "DeleteObject",
                    _ => request.Method.Method,
                };
                lock (wire.Requests)
                {
                    wire.Requests.Add(new WireRequest(request.Method.Method, Uri.UnescapeDataString(request.RequestUri.AbsolutePath), operation, headers, signedHeaders));
                }

                var response = new HttpResponseMessage(operation == "DeleteObject" ? HttpStatusCode.NoContent : HttpStatusCode.OK) { Content = new StringContent(Body(operation), Encoding.UTF8, "application/xml") };
                response.Headers.ETag = new System.Net.Http.Headers.EntityTagHeaderValue("\"0123456789abcdef\"");
                return response;
            }

            private static string Body(string operation) => operation switch
            {
                "CreateMultipartUpload" => "<InitiateMultipartUploadResult><Bucket>events</Bucket><Key>k</Key><UploadId>upload-1</UploadId></InitiateMultipartUploadResult>",
                "CompleteMultipartUpload" => "<CompleteMultipartUploadResult><Bucket>events</Bucket><Key>k</Key><ETag>\"0123456789abcdef-2\"</ETag></CompleteMultipartUploadResult>",
                _ => "",
            };
        }
    }
}
