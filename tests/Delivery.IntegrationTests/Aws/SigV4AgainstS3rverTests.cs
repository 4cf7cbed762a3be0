using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Delivery.Aws.Signing;
using Delivery.Testing;

namespace Delivery.IntegrationTests.Aws;

/// <summary>
/// Our signer against a real S3 implementation and against the AWS SDK's own signer. s3rver 3.7.1 checks the access
/// key, the Authorization header's shape, x-amz-content-sha256 and the clock, but does not recompute SigV4
/// signatures; so the signature itself is proven by comparing it with the SDK's for the same captured request.
/// </summary>
[Collection(LocalAwsCollection.Name)]
public sealed class SigV4AgainstS3rverTests(LocalAwsStack stack)
{
    [Fact]
    public async Task PutObject_SignedByOurSigner_IsStored_AndReadBackByTheSdk()
    {
        using AmazonS3Client s3 = stack.CreateS3Client();
        string bucket = LocalAwsStack.UniqueName("sigv4");
        await s3.PutBucketAsync(bucket);
        byte[] payload = new byte[64 * 1024];
        new Random(7).NextBytes(payload);
        const string key = "signed by/delivery (1).bin";
        using HttpClient http = CreateSignedClient(stack.Credentials);

        using HttpResponseMessage response = await http.PutAsync(ObjectUri(bucket, key), new ByteArrayContent(payload));

        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        using GetObjectResponse stored = await s3.GetObjectAsync(bucket, key);
        using var copy = new MemoryStream();
        await stored.ResponseStream.CopyToAsync(copy);
        copy.ToArray().ShouldBe(payload);
    }

    [Fact]
    public async Task Request_SignedWithUnknownCredentials_IsRefused()
    {
        using AmazonS3Client s3 = stack.CreateS3Client();
        string bucket = LocalAwsStack.UniqueName("sigv4");
        await s3.PutBucketAsync(bucket);
        using HttpClient http = CreateSignedClient(new BasicAWSCredentials("NOT-A-KNOWN-KEY", "wrong-secret"));

        using HttpResponseMessage response = await http.PutAsync(ObjectUri(bucket, "refused.bin"), new ByteArrayContent([1, 2, 3]));

        if (stack.IsEmulated)
        {
            // s3rver rejects the unknown access key; it cannot notice a wrong secret (see the class remarks).
            response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
            (await response.Content.ReadAsStringAsync()).ShouldContain("InvalidAccessKeyId");
        }
    }

    [Fact]
    public async Task OurSignature_EqualsTheAwsSdkSignature_ForTheSameRequests()
    {
        var capture = new CapturingHandler();
        using var s3 = new AmazonS3Client(stack.Credentials, new AmazonS3Config
        {
            ServiceURL = stack.S3Endpoint.ToString(),
            ForcePathStyle = true,
            AuthenticationRegion = stack.Region,
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            HttpClientFactory = new CapturingHttpClientFactory(capture),
        });
        string bucket = LocalAwsStack.UniqueName("sigv4");
        await s3.PutBucketAsync(bucket);
        await s3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = bucket,
            Key = "compare/a b+c.json",
            ContentBody = """{"hello":"world"}""",
            ContentType = "application/json",
            UseChunkEncoding = false,
        });
        await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = "compare/", MaxKeys = 10 });

        capture.Requests.Count.ShouldBe(3);
        ImmutableCredentials credentials = await stack.Credentials.GetCredentialsAsync();
        foreach (CapturedRequest sdkRequest in capture.Requests)
        {
            using HttpRequestMessage ours = sdkRequest.CopySignedHeadersOnly();
            var signingTime = DateTimeOffset.ParseExact(sdkRequest.Header("x-amz-date"), "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

            new SigV4Signer(stack.Region, "s3", addContentSha256Header: true)
                .Sign(ours, credentials, signingTime, sdkRequest.Header("x-amz-content-sha256"));

            ours.Headers.GetValues("Authorization").Single().ShouldBe(sdkRequest.Header("Authorization"), $"{sdkRequest.Method} {sdkRequest.Uri}");
        }
    }

    private HttpClient CreateSignedClient(AWSCredentials credentials) =>
        new(new SigV4SigningHandler(credentials, new SigV4Signer(stack.Region, "s3", addContentSha256Header: true), TimeProvider.System, new SocketsHttpHandler()));

    private Uri ObjectUri(string bucket, string key) =>
        new(stack.S3Endpoint, $"{bucket}/{string.Join('/', key.Split('/').Select(Uri.EscapeDataString))}");

    private sealed record CapturedRequest(HttpMethod Method, Uri Uri, IReadOnlyList<KeyValuePair<string, string>> Headers)
    {
        public string Header(string name) => Headers.Single(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value;

        /// <summary>The same request with only the headers the SDK signed, minus those our signer adds itself.</summary>
        public HttpRequestMessage CopySignedHeadersOnly()
        {
            string authorization = Header("Authorization");
            int start = authorization.IndexOf("SignedHeaders=", StringComparison.Ordinal) + "SignedHeaders=".Length;
            HashSet<string> signed = [.. authorization[start..authorization.IndexOf(',', start)].Split(';')];
            string[] addedBySigner = ["host", "x-amz-date", "x-amz-content-sha256", "x-amz-security-token"];

            var copy = new HttpRequestMessage(Method, Uri) { Content = new ByteArrayContent([]) };
            copy.Content.Headers.Clear();
            foreach ((string name, string value) in Headers)
            {
                string lower = name.ToLowerInvariant();
                if (signed.Contains(lower) && !addedBySigner.Contains(lower) && !copy.Headers.TryAddWithoutValidation(name, value))
                {
                    copy.Content.Headers.TryAddWithoutValidation(name, value);
                }
            }

            return copy;
        }
    }

    private sealed class CapturingHandler : DelegatingHandler
    {
        public CapturingHandler()
            : base(new SocketsHttpHandler())
        {
        }

        public List<CapturedRequest> Requests { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            IEnumerable<KeyValuePair<string, HeaderStringValues>> headers = request.Headers.NonValidated;
            if (request.Content is not null)
            {
                headers = headers.Concat(request.Content.Headers.NonValidated);
            }

            Requests.Add(new CapturedRequest(request.Method, request.RequestUri!, [.. headers.Select(h => KeyValuePair.Create(h.Key, h.Value.ToString()))]));
            return base.SendAsync(request, cancellationToken);
        }
    }

    private sealed class CapturingHttpClientFactory(CapturingHandler handler) : HttpClientFactory
    {
        public override HttpClient CreateHttpClient(IClientConfig clientConfig) => new(handler, disposeHandler: false);

        public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => false;

        public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => true;
    }
}
