using System.Security.Cryptography;
using Amazon.Runtime;

namespace Delivery.Aws.Signing;

/// <summary>
/// Signs every request that passes through it with <see cref="SigV4Signer"/>. Credentials are resolved on each request
/// so that refreshing credentials (container role, instance profile, web identity) rotate without a restart; the SDK
/// credential types cache and refresh themselves.
/// </summary>
public sealed class SigV4SigningHandler : DelegatingHandler
{
    /// <summary>
    /// Lets the sender pass a payload hash it already computed (or <see cref="SigV4Signer.UnsignedPayload"/>) so the
    /// handler does not hash the body again on each attempt.
    /// </summary>
    public static readonly HttpRequestOptionsKey<string> PayloadHashOption = new("Delivery.Aws.SigV4.PayloadHash");

    private readonly AWSCredentials _credentials;
    private readonly SigV4Signer _signer;
    private readonly TimeProvider _timeProvider;

    /// <summary>Creates a handler to be chained by the caller (for example with <c>HttpClientFactory</c>).</summary>
    public SigV4SigningHandler(AWSCredentials credentials, SigV4Signer signer, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        ArgumentNullException.ThrowIfNull(signer);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _credentials = credentials;
        _signer = signer;
        _timeProvider = timeProvider;
    }

    /// <summary>Creates a handler that sends through <paramref name="innerHandler"/>.</summary>
    public SigV4SigningHandler(AWSCredentials credentials, SigV4Signer signer, TimeProvider timeProvider, HttpMessageHandler innerHandler)
        : this(credentials, signer, timeProvider)
    {
        InnerHandler = innerHandler;
    }

    /// <inheritdoc />
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ImmutableCredentials credentials = await _credentials.GetCredentialsAsync().ConfigureAwait(false);
        string payloadHash = request.Options.TryGetValue(PayloadHashOption, out string? known)
            ? known
            : await HashContentAsync(request.Content, cancellationToken).ConfigureAwait(false);

        // Reading ContentLength materialises the header when the length is known, so content-length is signed on every
        // path (as the AWS SDKs do) and not only when buffering happened to compute it.
        _ = request.Content?.Headers.ContentLength;
        _signer.Sign(request, credentials, _timeProvider.GetUtcNow(), payloadHash);
        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<string> HashContentAsync(HttpContent? content, CancellationToken cancellationToken)
    {
        if (content is null)
        {
            return SigV4Signer.EmptyPayloadHash;
        }

        // Buffering first keeps the body readable again when the transport sends it.
        await content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
        Stream body = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        byte[] hash = await SHA256.HashDataAsync(body, cancellationToken).ConfigureAwait(false);
        return Convert.ToHexStringLower(hash);
    }
}
