using System.Net.Http.Headers;
using System.Text;
using Amazon.Runtime;
using Delivery.Aws.Signing;

namespace Delivery.UnitTests.Aws.Signing;

/// <summary>
/// The receiver's side of SigV4: a request signed as the AWS SDKs sign it is accepted, and every way a request can be
/// wrong (secret, time, scope, a missing part, a changed body or header, a replay outside the 5-minute window) is
/// refused with the class of error AWS answers with.
/// </summary>
public sealed class SigV4VerifierTests
{
    private const string AccessKeyId = "AKIDDIRECTPUT0001";
    private const string Secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYDIRECTPUT";
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("""{"DeliveryStreamName":"clicks","Records":[{"Data":"aGVsbG8="}]}""");
    private static readonly SigV4Verifier Verifier = new("eu-west-1", "firehose", new Dictionary<string, string> { [AccessKeyId] = Secret });

    [Fact]
    public void ARequestSignedWithAConfiguredKeyPair_IsAccepted()
    {
        using HttpRequestMessage request = Signed(Secret, Now);

        SigV4Verification result = Verify(request, Body, Now);

        result.IsValid.ShouldBeTrue(result.Message);
        result.AccessKeyId.ShouldBe(AccessKeyId);
    }

    [Fact]
    public void TheAwsTestSuitesPostVanillaRequest_IsAccepted()
    {
        // aws-sig-v4-test-suite post-vanilla: signed by AWS's reference implementation, not by our signer.
        var verifier = new SigV4Verifier("us-east-1", "service", new Dictionary<string, string> { ["AKIDEXAMPLE"] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" });
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["Host"] = "example.amazonaws.com",
            ["X-Amz-Date"] = "20150830T123600Z",
            ["Authorization"] = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
        };

        SigV4Verification result = verifier.Verify("POST", new Uri("http://example.amazonaws.com/"), headers.GetValueOrDefault, SigV4Signer.EmptyPayloadHash, new DateTimeOffset(2015, 8, 30, 12, 38, 0, TimeSpan.Zero));

        result.IsValid.ShouldBeTrue(result.Message);
    }

    [Fact]
    public void AWrongSecret_IsASignatureMismatch()
    {
        using HttpRequestMessage request = Signed("not-the-secret", Now);

        SigV4Verification result = Verify(request, Body, Now);

        result.Failure.ShouldBe(SigV4Failure.SignatureMismatch);
        result.Message.ShouldStartWith("The request signature we calculated does not match the signature you provided.");
    }

    [Fact]
    public void AnUnknownAccessKeyId_IsAnUnrecognizedClient()
    {
        using HttpRequestMessage request = Signed(Secret, Now, accessKeyId: "AKIDSOMEONEELSE01");

        Verify(request, Body, Now).Failure.ShouldBe(SigV4Failure.UnknownAccessKey);
    }

    [Fact]
    public void AChangedBody_OrAChangedSignedHeader_IsASignatureMismatch()
    {
        using HttpRequestMessage request = Signed(Secret, Now);
        Verify(request, Encoding.UTF8.GetBytes("""{"DeliveryStreamName":"other","Records":[{"Data":"aGVsbG8="}]}"""), Now).Failure.ShouldBe(SigV4Failure.SignatureMismatch);

        request.Headers.Remove("X-Amz-Target");
        request.Headers.TryAddWithoutValidation("X-Amz-Target", "Firehose_20150804.PutRecord");
        Verify(request, Body, Now).Failure.ShouldBe(SigV4Failure.SignatureMismatch);
    }

    [Theory]
    [InlineData(-301)]
    [InlineData(301)]
    public void ARequestMoreThanFiveMinutesFromTheClock_IsExpired_EvenWithAValidSignature(int secondsOff)
    {
        // A captured request replayed later (or a client whose clock is far ahead) is refused, whatever it signs.
        using HttpRequestMessage request = Signed(Secret, Now);

        SigV4Verification result = Verify(request, Body, Now.AddSeconds(-secondsOff));

        result.Failure.ShouldBe(SigV4Failure.Expired);
        result.Message.ShouldStartWith(secondsOff < 0 ? "Signature expired: 20261206T120000Z is now earlier than" : "Signature not yet current: 20261206T120000Z");
    }

    [Theory]
    [InlineData(-300)]
    [InlineData(300)]
    public void ARequestWithinFiveMinutesOfTheClock_IsAccepted(int secondsOff)
    {
        using HttpRequestMessage request = Signed(Secret, Now);

        Verify(request, Body, Now.AddSeconds(secondsOff)).IsValid.ShouldBeTrue();
    }

    [Fact]
    public void ACredentialScopeOfAnotherDate_IsRefused_EvenWhenTheSignatureMatchesThatDate()
    {
        using HttpRequestMessage request = Signed(Secret, Now);
        string authorization = request.Headers.GetValues("Authorization").Single().Replace("/20261206/", "/20261205/", StringComparison.Ordinal);
        request.Headers.Remove("Authorization");
        request.Headers.TryAddWithoutValidation("Authorization", authorization);

        SigV4Verification result = Verify(request, Body, Now);

        result.Failure.ShouldBe(SigV4Failure.InvalidScope);
        result.Message.ShouldContain("'20261205' != '20261206'");
    }

    [Theory]
    [InlineData("us-east-1", "firehose", "a valid region")]
    [InlineData("eu-west-1", "kinesis", "correct service: 'firehose'")]
    public void ASignatureForAnotherRegionOrService_IsRefused(string region, string service, string said)
    {
        using HttpRequestMessage request = Signed(Secret, Now, region: region, service: service);

        SigV4Verification result = Verify(request, Body, Now);

        result.Failure.ShouldBe(SigV4Failure.InvalidScope);
        result.Message.ShouldContain(said);
    }

    [Fact]
    public void NoAuthorizationHeader_IsMissingAuthentication()
    {
        using HttpRequestMessage request = Signed(Secret, Now);
        request.Headers.Remove("Authorization");

        SigV4Verification result = Verify(request, Body, Now);

        result.Failure.ShouldBe(SigV4Failure.MissingAuthentication);
        result.Message.ShouldBe("Missing Authentication Token");
    }

    [Fact]
    public void AMissingXAmzDate_IsAnIncompleteSignature()
    {
        using HttpRequestMessage request = Signed(Secret, Now);
        request.Headers.Remove("X-Amz-Date");

        Verify(request, Body, Now).Failure.ShouldBe(SigV4Failure.IncompleteSignature);
    }

    [Theory]
    [InlineData("AWS4-HMAC-SHA256 SignedHeaders=host;x-amz-date, Signature=0000000000000000000000000000000000000000000000000000000000000000", "'Credential'")]
    [InlineData("AWS4-HMAC-SHA256 Credential=AKIDDIRECTPUT0001/20261206/eu-west-1/firehose/aws4_request, Signature=0000000000000000000000000000000000000000000000000000000000000000", "'SignedHeaders'")]
    [InlineData("AWS4-HMAC-SHA256 Credential=AKIDDIRECTPUT0001/20261206/eu-west-1/firehose/aws4_request, SignedHeaders=host;x-amz-date", "'Signature'")]
    [InlineData("AWS4-HMAC-SHA256 Credential=AKIDDIRECTPUT0001/20261206/eu-west-1/firehose, SignedHeaders=host;x-amz-date, Signature=0000000000000000000000000000000000000000000000000000000000000000", "aws4_request")]
    [InlineData("AWS4-HMAC-SHA256 Credential=AKIDDIRECTPUT0001/20261206/eu-west-1/firehose/aws4_request, SignedHeaders=host;x-amz-date, Signature=xyz", "64 hexadecimal")]
    [InlineData("AWS4-HMAC-SHA256 Credential=AKIDDIRECTPUT0001/20261206/eu-west-1/firehose/aws4_request, SignedHeaders=x-amz-date, Signature=0000000000000000000000000000000000000000000000000000000000000000", "'Host' must be a signed header")]
    [InlineData("AWS AKIDDIRECTPUT0001:c2lnbmF0dXJl", "Signature Version 4")]
    public void AnAuthorizationHeaderLackingAPart_IsAnIncompleteSignature(string authorization, string said)
    {
        using HttpRequestMessage request = Signed(Secret, Now);
        request.Headers.Remove("Authorization");
        request.Headers.TryAddWithoutValidation("Authorization", authorization);

        SigV4Verification result = Verify(request, Body, Now);

        result.Failure.ShouldBe(SigV4Failure.IncompleteSignature);
        result.Message.ShouldContain(said);
    }

    private static HttpRequestMessage Signed(string secret, DateTimeOffset time, string accessKeyId = AccessKeyId, string region = "eu-west-1", string service = "firehose")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "http://127.0.0.1:8081/") { Content = new ByteArrayContent(Body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-amz-json-1.1");
        request.Headers.TryAddWithoutValidation("X-Amz-Target", "Firehose_20150804.PutRecordBatch");
        _ = request.Content.Headers.ContentLength;
        new SigV4Signer(region, service).Sign(request, new ImmutableCredentials(accessKeyId, secret, null), time, SigV4Signer.HashPayload(Body));
        return request;
    }

    /// <summary>Verifies as a receiver would: from the headers as they arrive on the wire.</summary>
    private static SigV4Verification Verify(HttpRequestMessage request, byte[] body, DateTimeOffset now)
    {
        string? Header(string name)
        {
            if (name.Equals("host", StringComparison.OrdinalIgnoreCase))
            {
                return request.RequestUri!.Authority;
            }

            IEnumerable<string>? values = request.Headers.TryGetValues(name, out IEnumerable<string>? found) ? found
                : request.Content!.Headers.TryGetValues(name, out found) ? found : null;
            return values is null ? null : string.Join(',', values.Select(v => v.Trim()));
        }

        return Verifier.Verify("POST", request.RequestUri!, Header, SigV4Signer.HashPayload(body), now);
    }
}
