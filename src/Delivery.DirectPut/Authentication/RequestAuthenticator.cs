using Delivery.Aws.Signing;
using Delivery.DirectPut.Protocol;

namespace Delivery.DirectPut.Authentication;

/// <summary>
/// Decides whether a Direct PUT request may be served: a valid SigV4 signature by one of the configured key pairs
/// (service <c>firehose</c>, the worker's region, within 5 minutes of this worker's clock), or, only when configured
/// explicitly, anyone. A refusal is the error Firehose itself answers with, always HTTP 400, never a 200.
/// </summary>
public sealed class RequestAuthenticator
{
    private readonly SigV4Verifier? _verifier;

    private RequestAuthenticator(SigV4Verifier? verifier) => _verifier = verifier;

    /// <summary>Accepts every request (<c>Authentication:Mode None</c>).</summary>
    public static RequestAuthenticator Unauthenticated { get; } = new(null);

    /// <summary>True when every request is accepted.</summary>
    public bool IsOpen => _verifier is null;

    /// <summary>Requires SigV4 signatures by one of the given key pairs.</summary>
    /// <param name="region">The region requests must be signed for (<c>Delivery:Aws:Region</c>).</param>
    /// <param name="secretsByAccessKeyId">The secret access key of each access key id.</param>
    public static RequestAuthenticator SigV4(string region, IReadOnlyDictionary<string, string> secretsByAccessKeyId) =>
        new(new SigV4Verifier(region, FirehoseProtocol.SigningName, secretsByAccessKeyId));

    /// <summary>Null when the request may be served; otherwise the error to answer with.</summary>
    /// <param name="method">The HTTP method.</param>
    /// <param name="uri">The absolute request URI as received.</param>
    /// <param name="header">Header lookup: values trimmed and joined with commas, or null.</param>
    /// <param name="body">The request body as received.</param>
    /// <param name="now">This worker's clock.</param>
    public FirehoseError? Authenticate(string method, Uri uri, Func<string, string?> header, ReadOnlySpan<byte> body, DateTimeOffset now)
    {
        if (_verifier is null)
        {
            return null;
        }

        SigV4Verification result = _verifier.Verify(method, uri, header, SigV4Signer.HashPayload(body), now);
        return result.Failure switch
        {
            SigV4Failure.None => null,
            SigV4Failure.MissingAuthentication => new FirehoseError(FirehoseError.MissingAuthenticationTokenType, 400, result.Message),
            SigV4Failure.IncompleteSignature => new FirehoseError(FirehoseError.IncompleteSignatureType, 400, result.Message),
            SigV4Failure.UnknownAccessKey => new FirehoseError(FirehoseError.UnrecognizedClientType, 400, result.Message),
            _ => new FirehoseError(FirehoseError.InvalidSignatureType, 400, result.Message),
        };
    }
}
