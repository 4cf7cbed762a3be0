using System.Net;
using Amazon.Runtime;
using Delivery.Aws.Signing;
using Delivery.Testing;

namespace Delivery.UnitTests.Aws.Signing;

public sealed class SigV4SigningHandlerTests
{
    [Fact]
    public async Task Request_IsSignedWithTheClockAndTheBodyHash()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2015, 8, 30, 12, 36, 0, TimeSpan.Zero));
        var inner = new CapturingHandler();
        var signer = new SigV4Signer("us-east-1", "s3", addContentSha256Header: true);
        using var client = new HttpClient(new SigV4SigningHandler(new BasicAWSCredentials("AKIDEXAMPLE", "secret"), signer, clock, inner));

        using var response = await client.PutAsync(new Uri("http://127.0.0.1:9000/bucket/key"), new ByteArrayContent("hello"u8.ToArray()));

        HttpRequestMessage sent = inner.Requests.Single();
        sent.Headers.GetValues("X-Amz-Date").ShouldBe(["20150830T123600Z"]);
        sent.Headers.GetValues("x-amz-content-sha256").ShouldBe([SigV4Signer.HashPayload("hello"u8)]);
        sent.Headers.GetValues("Authorization").Single().ShouldStartWith(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/s3/aws4_request, SignedHeaders=content-length;host;x-amz-content-sha256;x-amz-date, Signature=");
        (await sent.Content!.ReadAsStringAsync()).ShouldBe("hello");
    }

    [Fact]
    public async Task PayloadHashOption_IsUsedInsteadOfHashingTheBody()
    {
        var inner = new CapturingHandler();
        var signer = new SigV4Signer("us-east-1", "s3", addContentSha256Header: true);
        using var client = new HttpClient(new SigV4SigningHandler(new BasicAWSCredentials("a", "b"), signer, new FakeTimeProvider(), inner));
        using var request = new HttpRequestMessage(HttpMethod.Put, "http://127.0.0.1:9000/bucket/key") { Content = new ByteArrayContent([1, 2, 3]) };
        request.Options.Set(SigV4SigningHandler.PayloadHashOption, SigV4Signer.UnsignedPayload);

        using var response = await client.SendAsync(request);

        inner.Requests.Single().Headers.GetValues("x-amz-content-sha256").ShouldBe([SigV4Signer.UnsignedPayload]);
    }

    private sealed class CapturingHandler : HttpMessageHandler
    {
        public List<HttpRequestMessage> Requests { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Add(request);
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK));
        }
    }
}
