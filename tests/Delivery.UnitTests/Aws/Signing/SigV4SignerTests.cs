using System.Net.Http.Headers;
using System.Text;
using Amazon.Runtime;
using Delivery.Aws.Signing;

namespace Delivery.UnitTests.Aws.Signing;

/// <summary>
/// Expected values come from the AWS Signature Version 4 test suite (aws-sig-v4-test-suite, 2015-08-30 edition:
/// the .creq, .sts and .sreq files) and the signing examples in the AWS documentation.
/// </summary>
public sealed class SigV4SignerTests
{
    private const string SuiteAccessKey = "AKIDEXAMPLE";
    private const string SuiteSecretKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    private const string SuiteScope = "AKIDEXAMPLE/20150830/us-east-1/service/aws4_request";

    private const string SuiteSessionToken =
        "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/" +
        "qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+" +
        "scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==";

    private static readonly DateTimeOffset SuiteTime = new(2015, 8, 30, 12, 36, 0, TimeSpan.Zero);
    private static readonly ImmutableCredentials SuiteCredentials = new(SuiteAccessKey, SuiteSecretKey, null);
    private static readonly SigV4Signer SuiteSigner = new("us-east-1", "service");

    // get-utf8 is left out on purpose: its request line carries raw UTF-8 bytes, which HttpClient never sends. HttpClient
    // percent-encodes the path, and services other than S3 encode that wire path again (see the S3Path test below).
    [Theory]
    [InlineData("get-vanilla", "/", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")]
    [InlineData("get-vanilla-query-order-key-case", "/?Param2=value2&Param1=value1", "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500")]
    [InlineData("get-vanilla-query-order-key", "/?Param1=value2&Param1=Value1", "eedbc4e291e521cf13422ffca22be7d2eb8146eecf653089df300a15b2382bd1")]
    [InlineData("get-vanilla-query-unreserved",
        "/?-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
        "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197")]
    [InlineData("get-vanilla-utf8-query", "/?\u1234=bar", "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04")]
    [InlineData("get-unreserved", "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f")]
    public void Get_MatchesTheTestSuite(string vector, string pathAndQuery, string expectedSignature)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "https://example.amazonaws.com" + pathAndQuery);

        SuiteSigner.Sign(request, SuiteCredentials, SuiteTime, SigV4Signer.EmptyPayloadHash);

        Authorization(request).ShouldBe(
            $"AWS4-HMAC-SHA256 Credential={SuiteScope}, SignedHeaders=host;x-amz-date, Signature={expectedSignature}",
            vector);
        request.Headers.GetValues("X-Amz-Date").ShouldBe(["20150830T123600Z"]);
    }

    [Fact]
    public void PostVanilla_MatchesTheTestSuite()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "https://example.amazonaws.com/");

        SuiteSigner.Sign(request, SuiteCredentials, SuiteTime, SigV4Signer.EmptyPayloadHash);

        Authorization(request).ShouldBe(
            $"AWS4-HMAC-SHA256 Credential={SuiteScope}, SignedHeaders=host;x-amz-date, " +
            "Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b");
    }

    [Fact]
    public void PostFormUrlEncoded_CanonicalRequestStringToSignAndSignature_MatchTheTestSuite()
    {
        byte[] body = "Param1=value1"u8.ToArray();
        using var request = new HttpRequestMessage(HttpMethod.Post, "https://example.amazonaws.com/") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded");
        request.Headers.TryAddWithoutValidation("X-Amz-Date", "20150830T123600Z");
        string payloadHash = SigV4Signer.HashPayload(body);

        SigV4CanonicalRequest canonical = SuiteSigner.CreateCanonicalRequest(request, payloadHash);
        canonical.Text.ShouldBe(
            "POST\n/\n\ncontent-type:application/x-www-form-urlencoded\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n" +
            "content-type;host;x-amz-date\n9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e");
        SigV4Signer.CreateStringToSign(SuiteTime, SuiteSigner.CredentialScope(SuiteTime), canonical.Text).ShouldBe(
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n" +
            "42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281");

        SuiteSigner.Sign(request, SuiteCredentials, SuiteTime, payloadHash);
        Authorization(request).ShouldBe(
            $"AWS4-HMAC-SHA256 Credential={SuiteScope}, SignedHeaders=content-type;host;x-amz-date, " +
            "Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a");
    }

    [Fact]
    public void QueryOrderKey_CanonicalRequestAndStringToSign_MatchTheTestSuite()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "https://example.amazonaws.com/?Param1=value2&Param1=Value1");
        request.Headers.TryAddWithoutValidation("X-Amz-Date", "20150830T123600Z");

        SigV4CanonicalRequest canonical = SuiteSigner.CreateCanonicalRequest(request, SigV4Signer.EmptyPayloadHash);

        canonical.Text.ShouldBe(
            "GET\n/\nParam1=Value1&Param1=value2\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" +
            SigV4Signer.EmptyPayloadHash);
        canonical.SignedHeaders.ShouldBe("host;x-amz-date");
        SigV4Signer.CreateStringToSign(SuiteTime, SuiteSigner.CredentialScope(SuiteTime), canonical.Text).ShouldBe(
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n" +
            "704b4cef673542d84cdff252633f065e8daeba5f168b77116f8b1bcaf3d38f89");
    }

    [Fact]
    public void HeaderValues_AreTrimmedAndInnerSpacesCollapsed_AsInTheTestSuite()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "https://example.amazonaws.com/");
        request.Headers.TryAddWithoutValidation("My-Header1", " value1");
        request.Headers.TryAddWithoutValidation("My-Header2", " \"a   b   c\"");

        SuiteSigner.Sign(request, SuiteCredentials, SuiteTime, SigV4Signer.EmptyPayloadHash);

        Authorization(request).ShouldBe(
            $"AWS4-HMAC-SHA256 Credential={SuiteScope}, SignedHeaders=host;my-header1;my-header2;x-amz-date, " +
            "Signature=acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736");
    }

    [Fact]
    public void SessionCredentials_SignTheSecurityToken_AsInPostStsHeaderBefore()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "https://example.amazonaws.com/");

        SuiteSigner.Sign(request, new ImmutableCredentials(SuiteAccessKey, SuiteSecretKey, SuiteSessionToken), SuiteTime, SigV4Signer.EmptyPayloadHash);

        request.Headers.GetValues("X-Amz-Security-Token").ShouldBe([SuiteSessionToken]);
        Authorization(request).ShouldBe(
            $"AWS4-HMAC-SHA256 Credential={SuiteScope}, SignedHeaders=host;x-amz-date;x-amz-security-token, " +
            "Signature=85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead");
    }

    [Fact]
    public void DeriveSigningKey_MatchesTheDocumentedExample()
    {
        byte[] key = SigV4Signer.DeriveSigningKey(SuiteSecretKey, new DateTimeOffset(2012, 2, 15, 0, 0, 0, TimeSpan.Zero), "us-east-1", "iam");

        Convert.ToHexStringLower(key).ShouldBe("f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
    }

    [Fact]
    public void S3GetObjectWithRange_MatchesTheS3DocumentationExample()
    {
        var signer = new SigV4Signer("us-east-1", "s3", addContentSha256Header: true);
        var credentials = new ImmutableCredentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", null);
        var time = new DateTimeOffset(2013, 5, 24, 0, 0, 0, TimeSpan.Zero);
        using var request = new HttpRequestMessage(HttpMethod.Get, "https://examplebucket.s3.amazonaws.com/test.txt");
        request.Headers.Range = new RangeHeaderValue(0, 9);

        signer.Sign(request, credentials, time, SigV4Signer.EmptyPayloadHash);
        SigV4CanonicalRequest canonical = signer.CreateCanonicalRequest(request, SigV4Signer.EmptyPayloadHash);

        canonical.Text.ShouldBe(
            "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n" +
            $"x-amz-content-sha256:{SigV4Signer.EmptyPayloadHash}\nx-amz-date:20130524T000000Z\n\n" +
            $"host;range;x-amz-content-sha256;x-amz-date\n{SigV4Signer.EmptyPayloadHash}");
        SigV4Signer.CreateStringToSign(time, signer.CredentialScope(time), canonical.Text).ShouldBe(
            "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n" +
            "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
        Authorization(request).ShouldBe(
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, " +
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, " +
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
    }

    [Fact]
    public void S3Path_IsEncodedOnce_WhileOtherServicesEncodeItTwice()
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, "http://127.0.0.1:4569/bucket/a%20b/c:d");

        new SigV4Signer("us-east-1", "s3").CreateCanonicalRequest(request, SigV4Signer.UnsignedPayload).Text
            .Split('\n')[1].ShouldBe("/bucket/a%20b/c%3Ad");
        SuiteSigner.CreateCanonicalRequest(request, SigV4Signer.EmptyPayloadHash).Text
            .Split('\n')[1].ShouldBe("/bucket/a%2520b/c%3Ad");
    }

    [Fact]
    public void HostHeader_KeepsANonDefaultPort()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "http://127.0.0.1:4567/");

        SuiteSigner.CreateCanonicalRequest(request, SigV4Signer.EmptyPayloadHash).Text.ShouldContain("\nhost:127.0.0.1:4567\n");
    }

    [Fact]
    public void SigningTwice_ReplacesTheEarlierSignature()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "https://example.amazonaws.com/");

        SuiteSigner.Sign(request, SuiteCredentials, SuiteTime.AddMinutes(-10), SigV4Signer.EmptyPayloadHash);
        SuiteSigner.Sign(request, SuiteCredentials, SuiteTime, SigV4Signer.EmptyPayloadHash);

        request.Headers.GetValues("X-Amz-Date").ShouldBe(["20150830T123600Z"]);
        Authorization(request).ShouldEndWith("Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
    }

    private static string Authorization(HttpRequestMessage request) => request.Headers.GetValues("Authorization").Single();
}
