using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Delivery.Aws.Signing;

/// <summary>
/// Checks a request's Signature Version 4 <c>Authorization</c> header the way an AWS service does, for a receiver that
/// serves an AWS API (Direct PUT). It recomputes the signature with <see cref="SigV4Signer"/>'s canonical request over
/// exactly the headers the client signed, and checks the credential scope and the request time first, in the order
/// AWS does, so that a client sees the error AWS would have given it.
/// </summary>
public sealed class SigV4Verifier
{
    /// <summary>How far a request's <c>X-Amz-Date</c> may be from the receiver's clock, either way: 5 minutes, as AWS allows.</summary>
    public static readonly TimeSpan AllowedClockSkew = TimeSpan.FromMinutes(5);

    private const string TimeFormat = "yyyyMMdd'T'HHmmss'Z'";

    private readonly SigV4Signer _signer;
    private readonly IReadOnlyDictionary<string, string> _secrets;

    /// <summary>Creates a verifier for one region and service that knows the given key pairs.</summary>
    /// <param name="region">The region requests must be scoped to, for example <c>us-east-1</c>.</param>
    /// <param name="service">The signing name requests must be scoped to, for example <c>firehose</c>.</param>
    /// <param name="secretsByAccessKeyId">The secret access key of each access key id that may sign.</param>
    public SigV4Verifier(string region, string service, IReadOnlyDictionary<string, string> secretsByAccessKeyId)
    {
        ArgumentNullException.ThrowIfNull(secretsByAccessKeyId);
        _signer = new SigV4Signer(region, service);
        _secrets = secretsByAccessKeyId;
    }

    /// <summary>Verifies one request.</summary>
    /// <param name="method">The HTTP method as received.</param>
    /// <param name="uri">The absolute request URI, its path and query as on the wire.</param>
    /// <param name="header">Looks a header up by name (any case): its values as received, trimmed and joined with commas, or null when absent.</param>
    /// <param name="payloadHash">Lowercase hex SHA-256 of the body received (<see cref="SigV4Signer.HashPayload"/>).</param>
    /// <param name="now">The receiver's clock.</param>
    public SigV4Verification Verify(string method, Uri uri, Func<string, string?> header, string payloadHash, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(header);
        if (header("Authorization") is not { Length: > 0 } authorization)
        {
            return SigV4Verification.Fail(SigV4Failure.MissingAuthentication, null, "Missing Authentication Token");
        }

        if (!SigV4AuthorizationHeader.TryParse(authorization, out SigV4AuthorizationHeader? parsed, out string? incomplete))
        {
            return SigV4Verification.Fail(SigV4Failure.IncompleteSignature, null, incomplete);
        }

        if (!_secrets.TryGetValue(parsed.AccessKeyId, out string? secret))
        {
            return SigV4Verification.Fail(SigV4Failure.UnknownAccessKey, parsed.AccessKeyId, "The security token included in the request is invalid.");
        }

        if (CheckTimeAndScope(parsed, header, now) is { } scopeFailure)
        {
            return scopeFailure;
        }

        var signed = new List<KeyValuePair<string, string>>(parsed.SignedHeaders.Count);
        foreach (string name in parsed.SignedHeaders)
        {
            signed.Add(new(name, header(name) ?? ""));
        }

        DateTimeOffset time = DateTimeOffset.ParseExact(header("X-Amz-Date")!, TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
        SigV4CanonicalRequest canonical = _signer.CreateCanonicalRequest(method, uri, signed, payloadHash);
        string stringToSign = SigV4Signer.CreateStringToSign(time, _signer.CredentialScope(time), canonical.Text);
        byte[] expected = HMACSHA256.HashData(SigV4Signer.DeriveSigningKey(secret, time, _signer.Region, _signer.Service), Encoding.UTF8.GetBytes(stringToSign));
        byte[] given = Convert.FromHexString(parsed.Signature);
        return CryptographicOperations.FixedTimeEquals(expected, given)
            ? SigV4Verification.Valid(parsed.AccessKeyId)
            : SigV4Verification.Fail(SigV4Failure.SignatureMismatch, parsed.AccessKeyId,
                "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.");
    }

    private SigV4Verification? CheckTimeAndScope(SigV4AuthorizationHeader parsed, Func<string, string?> header, DateTimeOffset now)
    {
        string? amzDate = header("X-Amz-Date");
        if (amzDate is null || !parsed.SignedHeaders.Contains("x-amz-date"))
        {
            return SigV4Verification.Fail(SigV4Failure.IncompleteSignature, parsed.AccessKeyId,
                "Authorization header requires existence of a signed 'X-Amz-Date' header (the 'Date' header is not accepted here).");
        }

        if (!parsed.SignedHeaders.Contains("host"))
        {
            return SigV4Verification.Fail(SigV4Failure.IncompleteSignature, parsed.AccessKeyId, "'Host' must be a signed header.");
        }

        if (!DateTimeOffset.TryParseExact(amzDate, TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset time))
        {
            return SigV4Verification.Fail(SigV4Failure.IncompleteSignature, parsed.AccessKeyId,
                $"X-Amz-Date '{amzDate}' must be in the ISO 8601 basic format yyyyMMdd'T'HHmmss'Z'.");
        }

        string dateStamp = amzDate[..8];
        if (parsed.Date != dateStamp)
        {
            return SigV4Verification.Fail(SigV4Failure.InvalidScope, parsed.AccessKeyId,
                $"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{parsed.Date}' != '{dateStamp}', from '{amzDate}'.");
        }

        if (parsed.Region != _signer.Region)
        {
            return SigV4Verification.Fail(SigV4Failure.InvalidScope, parsed.AccessKeyId,
                $"Credential should be scoped to a valid region: '{parsed.Region}' is not this endpoint's region '{_signer.Region}'.");
        }

        if (parsed.Service != _signer.Service)
        {
            return SigV4Verification.Fail(SigV4Failure.InvalidScope, parsed.AccessKeyId, $"Credential should be scoped to correct service: '{_signer.Service}'.");
        }

        if (time < now - AllowedClockSkew)
        {
            return SigV4Verification.Fail(SigV4Failure.Expired, parsed.AccessKeyId,
                $"Signature expired: {amzDate} is now earlier than {SigV4Signer.FormatAmzDate(now - AllowedClockSkew)} ({SigV4Signer.FormatAmzDate(now)} - 5 min.)");
        }

        if (time > now + AllowedClockSkew)
        {
            return SigV4Verification.Fail(SigV4Failure.Expired, parsed.AccessKeyId,
                $"Signature not yet current: {amzDate} is still later than {SigV4Signer.FormatAmzDate(now + AllowedClockSkew)} ({SigV4Signer.FormatAmzDate(now)} + 5 min.)");
        }

        return null;
    }
}

/// <summary>Why a request's signature was not accepted, in the classes AWS services answer with.</summary>
public enum SigV4Failure
{
    /// <summary>The signature is valid.</summary>
    None,

    /// <summary>No Authorization header: AWS's <c>MissingAuthenticationTokenException</c>.</summary>
    MissingAuthentication,

    /// <summary>The Authorization header is malformed or lacks a part: <c>IncompleteSignatureException</c>.</summary>
    IncompleteSignature,

    /// <summary>The access key id is not one of the configured ones: <c>UnrecognizedClientException</c>.</summary>
    UnknownAccessKey,

    /// <summary>The credential scope names another date, region or service: <c>InvalidSignatureException</c>.</summary>
    InvalidScope,

    /// <summary>The request time is more than 5 minutes from the receiver's clock: <c>InvalidSignatureException</c>.</summary>
    Expired,

    /// <summary>The signature does not match (wrong secret, changed request): <c>InvalidSignatureException</c>.</summary>
    SignatureMismatch,
}

/// <summary>The outcome of <see cref="SigV4Verifier.Verify"/>.</summary>
/// <param name="Failure">Why the request was refused, or <see cref="SigV4Failure.None"/>.</param>
/// <param name="AccessKeyId">The access key id the request named, when it named one.</param>
/// <param name="Message">What AWS would say about it.</param>
public sealed record SigV4Verification(SigV4Failure Failure, string? AccessKeyId, string Message)
{
    /// <summary>True when the signature is valid.</summary>
    public bool IsValid => Failure == SigV4Failure.None;

    internal static SigV4Verification Valid(string accessKeyId) => new(SigV4Failure.None, accessKeyId, "");

    internal static SigV4Verification Fail(SigV4Failure failure, string? accessKeyId, string message) => new(failure, accessKeyId, message);
}
